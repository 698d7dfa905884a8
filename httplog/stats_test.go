package httplog_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
)

func TestStats(t *testing.T) {
	rt, err := gwlog.Open(gwlog.Options{Screen: io.Discard})
	require.NoError(t, err)
	defer rt.Close()
	for i := range 7 {
		rt.Logger("svc").Warn("line", "i", i)
	}
	rt.Events().Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/1", Attrs: []eventlog.Attr{eventlog.IntAttr("val", 3)}})

	tests := []struct {
		name  string
		src   httplog.Source
		check func(t *testing.T, body []byte)
	}{
		{"Source", plainSource{rt}, func(t *testing.T, body []byte) {
			var st httplog.SourceStats
			require.NoError(t, json.Unmarshal(body, &st))
			require.Len(t, st.Streams, 4)
			assert.Equal(t, "debug", st.Streams[3].Name)
			assert.Equal(t, uint64(8), st.Streams[3].Lines, "seven lines and the event's")
			assert.Equal(t, uint64(1), st.Events.Written)
			assert.NotContains(t, string(body), "ram_cap")
		}},
		{"StatsSource", rt, func(t *testing.T, body []byte) {
			var st gwlog.Stats
			require.NoError(t, json.Unmarshal(body, &st))
			assert.Equal(t, int64(100<<20), st.RAMCap)
			assert.Positive(t, st.RAMUsed)
			require.Len(t, st.Streams, 4)
			assert.Equal(t, uint64(8), st.Streams[3].Lines)
			assert.Equal(t, uint64(1), st.Events.Written)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(httplog.NewHandler(tt.src))
			defer srv.Close()
			resp, body := fetch(t, http.MethodGet, srv.URL+"/stats", nil)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			tt.check(t, body)
		})
	}
}

func TestStatsBadRequests(t *testing.T) {
	rt, err := gwlog.Open(gwlog.Options{Screen: io.Discard})
	require.NoError(t, err)
	defer rt.Close()
	srv := httptest.NewServer(rt.HTTPHandler())
	defer srv.Close()
	tests := []struct {
		name, method, path string
		code               int
		body               string
	}{
		{"a parameter", http.MethodGet, "/stats?stream=debug", 400, `{"error":"stream: unknown parameter (/stats takes none)"}`},
		{"parameters, the first named", http.MethodGet, "/stats?z=1&a=2", 400, `{"error":"a: unknown parameter (/stats takes none)"}`},
		{"POST", http.MethodPost, "/stats", 405, `{"error":"method POST not allowed: the API is read-only"}`},
		{"below", http.MethodGet, "/stats/debug", 404, `{"error":"no such endpoint: /stats/debug"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fetch(t, tt.method, srv.URL+tt.path, nil)
			assert.Equal(t, tt.code, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.JSONEq(t, tt.body, string(body))
		})
	}
}

// fetch makes a request with the headers (name, value, name, value, …)
// and returns the response, whose body is read and closed.
func fetch(t *testing.T, method, url string, header []string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// plainSource hides the runtime's StatsJSON, as a Source without one.
type plainSource struct{ httplog.Source }
