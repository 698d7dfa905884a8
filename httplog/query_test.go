package httplog_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

// TestQueryRefused checks that every endpoint answers 400 with the
// reason for a query that does not parse, has too many parameters, or an
// unknown or repeated one, rather than serving what is left of it: a
// filter dropped with its parameter selects every event.
func TestQueryRefused(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	rt.Logger("svc").Warn("line")
	rt.Events().Write(eventlog.Event{Type: "webbrick/CT", Attrs: []eventlog.Attr{eventlog.IntAttr("val", 1)}})
	srv := gwtest.Serve(t, rt.HTTPHandler())
	many := strings.Repeat("type=a&", 10_000) + "type=b"
	tests := []struct {
		name, path, error string
	}{
		{"bad escape in a filter", "/events?type=NO_SUCH%zz", `query: invalid URL escape "%zz"`},
		{"bad escape in a name", "/events?ty%pe=x", `query: invalid URL escape "%pe"`},
		{"semicolon", "/events?type=a;source=b", "query: invalid semicolon separator in query"},
		{"too many parameters", "/events?" + many, "query: 10001 parameters, more than 100"},
		{"too many for series", "/series?" + many, "query: 10001 parameters, more than 100"},
		{"series bad escape", "/series?attr=val&step=1m&type=%", `query: invalid URL escape "%"`},
		{"tail unknown", "/streams/debug?N=5", "N: unknown parameter (want n, follow, level, logger, since, until, grep, token)"},
		{"tail repeated", "/streams/debug?n=1&n=2", "n: given 2 times, want at most one"},
		{"tail bad escape", "/streams/debug?n=%zz", `query: invalid URL escape "%zz"`},
		{"follow repeated", "/streams/debug?follow=1&follow=1", "follow: given 2 times, want at most one"},
		{"follow bad", "/streams/debug?follow=yes", `follow: want 1 or 0, got "yes"`},
		{"streams", "/streams?n=1", "n: unknown parameter (/streams takes none)"},
		{"streams bad escape", "/streams?%zz", `query: invalid URL escape "%zz"`},
		{"stats bad escape", "/stats?%zz", `query: invalid URL escape "%zz"`},
		{"files", "/files?stream=debug", "stream: unknown parameter (/files takes none)"},
		{"file bad escape", "/files/debug.log?%", `query: invalid URL escape "%"`},
		{"page", "/?x=1", "x: unknown parameter (/ takes none)"},
		{"page asset", "/page/app.js?v=2", "v: unknown parameter (/page/app.js takes none)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := gwtest.Fetch(t, http.MethodGet, srv.URL+tc.path)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", b)
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(b, &e), "%s", b)
			assert.Equal(t, tc.error, e.Error)
		})
	}

	// What is accepted still is.
	for _, path := range []string{"/events?type=webbrick/CT", "/events?type=webbrick%2FCT&", "/streams/debug?n=1&follow=0",
		"/streams/debug?n=", "/streams", "/stats", "/files", "/", "/series?attr=val&step=1h"} {
		resp, b := gwtest.Fetch(t, http.MethodGet, srv.URL+path)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, b)
	}
}
