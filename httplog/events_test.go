package httplog_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

var base = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// eventServer is a runtime with an hour of readings from base: sources
// wb/100/CT/1 (val 20.0, 20.1, …) and wb/100/CT/2 (val 30, 31, … as
// ints) every minute, and a valve event with a token every ten minutes.
func eventServer(t *testing.T) (*gwlog.Runtime, *httptest.Server) {
	t.Helper()
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gwtest.Serve(t, rt.HTTPHandler())
	ev := rt.Events()
	for i := range 60 {
		at := base.Add(time.Duration(i) * time.Minute)
		require.NotZero(t, ev.Write(eventlog.Event{Time: at.UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1",
			Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 20+float64(i)/10), eventlog.StringAttr("unit", "C")}}))
		require.NotZero(t, ev.Write(eventlog.Event{Time: at.Add(time.Second).UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/2",
			Attrs: []eventlog.Attr{eventlog.IntAttr("val", int64(30+i)), eventlog.StringAttr("unit", "C")}}))
		if i%10 == 5 {
			require.NotZero(t, ev.Write(eventlog.Event{Time: at.Add(2 * time.Second).UnixNano(), Type: "webbrick/DO", Source: "wb/100/DO/1",
				Token: "req-" + strconv.Itoa(i), Attrs: []eventlog.Attr{eventlog.IntAttr("zone", int64(i/10)), eventlog.BoolAttr("on", i%20 == 5)}}))
		}
	}
	return rt, srv
}

// get fetches path with an optional Accept header.
func get(t *testing.T, srv *httptest.Server, path, accept string) (*http.Response, []byte) {
	t.Helper()
	return gwtest.Fetch(t, http.MethodGet, srv.URL+path, "Accept", accept)
}

// jsonEvent is an event as GET /events sends it.
type jsonEvent struct {
	Seq    uint64         `json:"seq"`
	Time   time.Time      `json:"time"`
	Type   string         `json:"type"`
	Source string         `json:"source"`
	Token  string         `json:"token"`
	Attrs  map[string]any `json:"attrs"`
	Error  string         `json:"error"`
}

func jsonLines(t *testing.T, b []byte) []jsonEvent {
	t.Helper()
	var out []jsonEvent
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var ev jsonEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev), sc.Text())
		out = append(out, ev)
	}
	return out
}

func TestEvents(t *testing.T) {
	_, srv := eventServer(t)
	at := func(m int) string { return base.Add(time.Duration(m) * time.Minute).Format(time.RFC3339) }
	tests := []struct {
		name  string
		query url.Values
		n     int
		check func(t *testing.T, evs []jsonEvent)
	}{
		{name: "all", n: 126, check: func(t *testing.T, evs []jsonEvent) {
			for i := 1; i < len(evs); i++ {
				assert.Greater(t, evs[i].Seq, evs[i-1].Seq, "oldest first")
			}
		}},
		{name: "type prefix", query: url.Values{"type": {"webbrick/D"}}, n: 6, check: func(t *testing.T, evs []jsonEvent) {
			assert.Equal(t, "req-5", evs[0].Token)
			assert.Equal(t, map[string]any{"zone": 0.0, "on": true}, evs[0].Attrs)
			assert.Equal(t, base.Add(5*time.Minute+2*time.Second), evs[0].Time)
		}},
		{name: "source", query: url.Values{"source": {"wb/100/CT/2"}}, n: 60},
		{name: "source glob", query: url.Values{"source": {"wb/100/CT/*"}}, n: 120},
		{name: "since until", query: url.Values{"type": {"webbrick/CT"}, "since": {at(10)}, "until": {at(20)}}, n: 20,
			check: func(t *testing.T, evs []jsonEvent) {
				assert.Equal(t, base.Add(10*time.Minute), evs[0].Time)
				assert.Equal(t, base.Add(19*time.Minute+time.Second), evs[19].Time)
			}},
		{name: "unix seconds", query: url.Values{"source": {"wb/100/CT/1"}, "since": {strconv.FormatInt(base.Add(50*time.Minute).Unix(), 10)}}, n: 10},
		{name: "date", query: url.Values{"until": {"2026-11-21"}}, n: 0},
		{name: "where", query: url.Values{"where": {"val>=80"}}, n: 10, check: func(t *testing.T, evs []jsonEvent) {
			assert.Equal(t, 80.0, evs[0].Attrs["val"])
		}},
		{name: "where twice", query: url.Values{"where": {"val>=25", "val<=25.5"}}, n: 6},
		{name: "where string", query: url.Values{"where": {"unit=C"}, "source": {"wb/100/CT/1"}}, n: 60},
		{name: "token", query: url.Values{"token": {"req-15"}}, n: 1, check: func(t *testing.T, evs []jsonEvent) {
			assert.Equal(t, false, evs[0].Attrs["on"])
		}},
		{name: "limit", query: url.Values{"limit": {"3"}, "source": {"wb/100/CT/1"}}, n: 3, check: func(t *testing.T, evs []jsonEvent) {
			assert.Equal(t, 20.0, evs[0].Attrs["val"])
		}},
		{name: "reverse", query: url.Values{"limit": {"2"}, "reverse": {"1"}, "type": {"webbrick/CT"}}, n: 2, check: func(t *testing.T, evs []jsonEvent) {
			assert.Equal(t, "wb/100/CT/2", evs[0].Source)
			assert.Equal(t, 89.0, evs[0].Attrs["val"])
			assert.InDelta(t, 25.9, evs[1].Attrs["val"], 1e-9)
		}},
		{name: "nothing", query: url.Values{"type": {"nope"}}, n: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := get(t, srv, "/events?"+tc.query.Encode(), "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			assert.Equal(t, "application/x-ndjson; charset=utf-8", resp.Header.Get("Content-Type"))
			evs := jsonLines(t, b)
			require.Len(t, evs, tc.n)
			for _, ev := range evs {
				assert.Empty(t, ev.Error)
			}
			if tc.check != nil {
				tc.check(t, evs)
			}
		})
	}
}

func TestEventsLine(t *testing.T) {
	_, srv := eventServer(t)
	_, b := get(t, srv, "/events?token=req-5", "")
	assert.Equal(t, `{"seq":13,"time":"2026-11-21T10:05:02Z","type":"webbrick/DO","source":"wb/100/DO/1","token":"req-5","attrs":{"zone":0,"on":true}}`+"\n", string(b))
	_, b = get(t, srv, "/events?limit=1", "")
	assert.Equal(t, `{"seq":1,"time":"2026-11-21T10:00:00Z","type":"webbrick/CT","source":"wb/100/CT/1","token":"","attrs":{"val":20,"unit":"C"}}`+"\n", string(b))
}

func TestEventsRelativeTimes(t *testing.T) {
	rt, srv := eventServer(t)
	now := time.Now()
	for _, ago := range []time.Duration{3 * time.Hour, 90 * time.Minute, 10 * time.Minute, time.Minute} {
		rt.Events().Write(eventlog.Event{Time: now.Add(-ago).UnixNano(), Type: "recent", Source: "s",
			Attrs: []eventlog.Attr{eventlog.IntAttr("ago_min", int64(ago/time.Minute))}})
	}
	tests := []struct {
		name, query string
		want        []float64
	}{
		{"last hour", "since=-1h", []float64{10, 1}},
		{"two hours", "since=-2h&until=-5m", []float64{90, 10}},
		{"days", "since=-1d&until=now", []float64{180, 90, 10, 1}},
		{"future", "since=%2B1h", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := get(t, srv, "/events?type=recent&"+tc.query, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			var got []float64
			for _, ev := range jsonLines(t, b) {
				got = append(got, ev.Attrs["ago_min"].(float64))
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestEventsMsgpack(t *testing.T) {
	_, srv := eventServer(t)
	for _, accept := range []string{"application/msgpack", "application/json;q=0.5, application/msgpack", "application/x-msgpack"} {
		t.Run(accept, func(t *testing.T) {
			resp, b := get(t, srv, "/events?type=webbrick/DO", accept)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, httplog.MsgpackType, resp.Header.Get("Content-Type"))
			var evs []eventlog.Event
			for len(b) > 0 {
				var ev eventlog.Event
				var err error
				b, err = ev.UnmarshalMsg(b)
				require.NoError(t, err)
				evs = append(evs, ev)
			}
			require.Len(t, evs, 6)
			assert.Equal(t, eventlog.Event{Seq: 13, Time: base.Add(5*time.Minute + 2*time.Second).UnixNano(), Type: "webbrick/DO",
				Source: "wb/100/DO/1", Token: "req-5", Attrs: []eventlog.Attr{eventlog.IntAttr("zone", 0), eventlog.BoolAttr("on", true)}}, evs[0])
		})
	}
	resp, _ := get(t, srv, "/events?limit=1", "application/msgpack;q=0, application/json")
	assert.Equal(t, "application/x-ndjson; charset=utf-8", resp.Header.Get("Content-Type"), "q=0 refuses msgpack")
}

func TestEventsBadParameters(t *testing.T) {
	_, srv := eventServer(t)
	tests := []struct {
		name, query, error string
	}{
		{"since", "since=yesterday", `since: want RFC 3339 (2026-11-21T10:00:00Z), a date (2026-11-21), a time back from now (-1h, -7d, now) or Unix seconds, got "yesterday"`},
		{"until", "until=-1x", `until: want RFC 3339`},
		{"order", "since=2026-11-21T11:00:00Z&until=2026-11-21T10:00:00Z", `since: 2026-11-21T11:00:00Z is not before until 2026-11-21T10:00:00Z`},
		{"limit", "limit=-1", `limit: want a whole number from 0 to 100000000, got "-1"`},
		{"limit text", "limit=ten", `limit: want a whole number`},
		{"reverse", "reverse=yes", `reverse: want 1 or 0, got "yes"`},
		{"where", "where=val", `where: "val": want KEY OP VALUE`},
		{"where no key", "where==3", `where: "=3": want KEY OP VALUE`},
		{"unknown", "typ=webbrick", `typ: unknown parameter (want type, source, since, until, token, limit, reverse, where)`},
		{"twice", "type=a&type=b", `type: given 2 times, want at most one`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := get(t, srv, "/events?"+tc.query, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(b, &e))
			assert.True(t, strings.HasPrefix(e.Error, tc.error), "got %q", e.Error)
		})
	}
}

func TestSeries(t *testing.T) {
	rt, srv := eventServer(t)
	tests := []struct {
		name  string
		query string
		check func(t *testing.T, a httplog.SeriesAnswer)
	}{
		{"ten minutes", "type=webbrick/CT&source=wb/100/CT/1&attr=val&since=2026-11-21T10:00:00Z&until=2026-11-21T11:00:00Z&step=10m",
			func(t *testing.T, a httplog.SeriesAnswer) {
				require.Len(t, a.Buckets, 6)
				b := a.Buckets[2]
				assert.Equal(t, base.Add(20*time.Minute), b.Start)
				assert.Equal(t, 10, b.Count)
				assert.InDelta(t, 22.0, b.Min, 1e-9)
				assert.InDelta(t, 22.9, b.Max, 1e-9)
				assert.InDelta(t, 22.45, b.Avg, 1e-9)
				assert.InDelta(t, 22.9, b.Last, 1e-9)
				assert.Zero(t, a.Skipped)
			}},
		{"ints and glob", "type=webbrick/CT&source=wb/*/2&attr=val&since=2026-11-21T10:00:00Z&until=2026-11-21T11:00:00Z&step=1h",
			func(t *testing.T, a httplog.SeriesAnswer) {
				require.Len(t, a.Buckets, 1)
				assert.Equal(t, eventlog.Bucket{Start: base, Count: 60, Min: 30, Max: 89, Avg: 59.5, Last: 89}, a.Buckets[0])
			}},
		{"gaps", "source=wb/100/CT/1&attr=val&since=2026-11-21T09:30:00Z&until=2026-11-21T11:30:00Z&step=30m",
			func(t *testing.T, a httplog.SeriesAnswer) {
				require.Len(t, a.Buckets, 4)
				counts := []int{a.Buckets[0].Count, a.Buckets[1].Count, a.Buckets[2].Count, a.Buckets[3].Count}
				assert.Equal(t, []int{0, 30, 30, 0}, counts)
				assert.Equal(t, eventlog.Bucket{Start: base.Add(-30 * time.Minute)}, a.Buckets[0])
			}},
		{"not numeric", "attr=unit&since=2026-11-21T10:00:00Z&until=2026-11-21T11:00:00Z&step=1h",
			func(t *testing.T, a httplog.SeriesAnswer) {
				assert.Equal(t, 120, a.Skipped)
				assert.Zero(t, a.Buckets[0].Count)
			}},
		{"default range", "attr=val&step=1h", func(t *testing.T, a httplog.SeriesAnswer) {
			// 24 hours back from now, widened to whole hours at both ends.
			assert.Len(t, a.Buckets, 25)
			assert.WithinDuration(t, time.Now().Add(-24*time.Hour).Truncate(time.Hour), a.Buckets[0].Start, time.Minute)
			assert.Zero(t, a.Buckets[0].Start.UnixNano()%int64(time.Hour), "on a whole hour")
		}},
		{"relative range", "attr=val&since=-2h&until=-1h&step=1m", func(t *testing.T, a httplog.SeriesAnswer) {
			assert.Len(t, a.Buckets, 61)
			for _, b := range a.Buckets {
				assert.Zero(t, b.Start.UnixNano()%int64(time.Minute), "a 1m step starts on whole minutes")
			}
		}},
		{"aligned", "source=wb/100/CT/1&attr=val&since=2026-11-21T09:59:30Z&until=2026-11-21T10:10:20Z&step=10m",
			func(t *testing.T, a httplog.SeriesAnswer) {
				require.Len(t, a.Buckets, 3, "09:50, 10:00, 10:10")
				assert.Equal(t, base.Add(-10*time.Minute), a.Buckets[0].Start)
				assert.Equal(t, []int{0, 10, 10}, []int{a.Buckets[0].Count, a.Buckets[1].Count, a.Buckets[2].Count}, "whole buckets")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := get(t, srv, "/series?"+tc.query, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var a httplog.SeriesAnswer
			require.NoError(t, json.Unmarshal(b, &a))
			assert.Empty(t, a.Error)
			tc.check(t, a)
		})
	}

	// An empty bucket's values are null, not 0.
	resp, b := get(t, srv, "/series?source=wb/100/CT/1&attr=val&since=2026-11-21T09:30:00Z&until=2026-11-21T10:30:00Z&step=30m", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.Contains(t, string(b), `{"buckets":[{"start":"2026-11-21T09:30:00Z","count":0,"min":null,"max":null,"avg":null,"last":null},{"start":"2026-11-21T10:00:00Z","count":30,"min":20,"max":22.9,"avg":21.45,"last":22.9}]`)

	// A reading that JSON cannot carry still gives an answer.
	rt.Events().Write(eventlog.Event{Time: base.Add(30 * time.Second).UnixNano(), Type: "odd", Attrs: []eventlog.Attr{eventlog.FloatAttr("val", math.Inf(1))}})
	resp, b = get(t, srv, "/series?type=odd&attr=val&since=2026-11-21T10:00:00Z&until=2026-11-21T10:01:00Z&step=1m", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var a httplog.SeriesAnswer
	require.NoError(t, json.Unmarshal(b, &a))
	assert.Equal(t, eventlog.Bucket{Start: base, Count: 1}, a.Buckets[0])
}

func TestSeriesBadParameters(t *testing.T) {
	_, srv := eventServer(t)
	tests := []struct {
		name, query, error string
	}{
		{"no attr", "step=1m", "attr: required"},
		{"no step", "attr=val", "step: required"},
		{"zero step", "attr=val&step=0s", `step: "0s" is not positive`},
		{"bad step", "attr=val&step=fast", `step: invalid duration: "fast"`},
		{"too many buckets", "attr=val&step=1s&since=-7d", "step: 1s makes 604801 buckets from since to until, more than 10000"},
		{"just too many buckets", "attr=val&step=1s&since=2026-11-21T10:00:00Z&until=2026-11-21T12:46:41Z", "step: 1s makes 10001 buckets from since to until, more than 10000"},
		{"bad since", "attr=val&step=1m&since=0x10", "since: want RFC 3339"},
		{"order", "attr=val&step=1m&since=now&until=-1h", "since: "},
		{"where not taken", "attr=val&step=1m&where=a=1", "where: unknown parameter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := get(t, srv, "/series?"+tc.query, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(b, &e))
			assert.True(t, strings.HasPrefix(e.Error, tc.error), "got %q", e.Error)
		})
	}
}

// TestEventsClientGone checks that a client that stops reading ends a
// large query without harm.
func TestEventsClientGone(t *testing.T) {
	rt, srv := eventServer(t)
	for i := range 20000 {
		rt.Events().Write(eventlog.Event{Type: "bulk", Source: fmt.Sprint(i % 7), Attrs: []eventlog.Attr{eventlog.IntAttr("i", int64(i))}})
	}
	resp, err := http.Get(srv.URL + "/events?type=bulk")
	require.NoError(t, err)
	r := msgp.NewReader(resp.Body) // any reader: read a little and go
	_, err = r.R.Next(100)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	_, b := get(t, srv, "/events?type=bulk&reverse=1&limit=1", "")
	assert.Contains(t, string(b), `"attrs":{"i":19999}`)
}
