package httplog_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

func TestStats(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
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
			srv := gwtest.Serve(t, httplog.NewHandler(tt.src))
			resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+"/stats")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			tt.check(t, body)
		})
	}
}

func TestStatsBadRequests(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gwtest.Serve(t, rt.HTTPHandler())
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
			resp, body := gwtest.Fetch(t, tt.method, srv.URL+tt.path)
			assert.Equal(t, tt.code, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.JSONEq(t, tt.body, string(body))
		})
	}
}

// plainSource hides the runtime's StatsJSON, as a Source without one.
type plainSource struct{ httplog.Source }
