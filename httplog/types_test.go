package httplog_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
)

// TestEventTypes: GET /events/types lists the types and sources held in
// the window, with counts, times and the attributes a series can graph.
func TestEventTypes(t *testing.T) {
	_, srv := eventServer(t)
	resp, b := get(t, srv, "/events/types?since=2026-11-21T00:00:00Z&until=2026-11-22T00:00:00Z", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var a httplog.TypesAnswer
	require.NoError(t, json.Unmarshal(b, &a))
	assert.False(t, a.Truncated)
	assert.Empty(t, a.Error)
	require.Len(t, a.Types, 3)
	assert.Equal(t, eventlog.TypeSource{Type: "webbrick/CT", Source: "wb/100/CT/1", Count: 60,
		First: base, Last: base.Add(59 * time.Minute), Attrs: []string{"val"}}, a.Types[0])
	assert.Equal(t, "wb/100/CT/2", a.Types[1].Source)
	assert.Equal(t, []string{"val"}, a.Types[1].Attrs, "ints are numbers too")
	assert.Equal(t, eventlog.TypeSource{Type: "webbrick/DO", Source: "wb/100/DO/1", Count: 6,
		First: base.Add(5*time.Minute + 2*time.Second), Last: base.Add(55*time.Minute + 2*time.Second), Attrs: []string{"zone"}}, a.Types[2],
		"a bool is not graphed")

	_, b = get(t, srv, "/events/types?type=webbrick/DO&since=2026-11-21T00:00:00Z", "")
	require.NoError(t, json.Unmarshal(b, &a))
	require.Len(t, a.Types, 1)
	_, b = get(t, srv, "/events/types", "")
	assert.JSONEq(t, `{"types":[],"truncated":false}`, string(b), "nothing in the last 24 hours")

	for query, want := range map[string]string{
		"attr=val":            "attr: unknown parameter",
		"since=yesterday":     "since: want RFC 3339",
		"since=now&until=-1h": "since: ",
	} {
		resp, b := get(t, srv, "/events/types?"+query, "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, query)
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal(b, &e))
		assert.Contains(t, e.Error, want, query)
	}
}
