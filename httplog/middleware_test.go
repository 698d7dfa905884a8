package httplog_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/levels"
)

func gateway(t *testing.T, rt *gwlog.Runtime, format string) *httptest.Server {
	mw, err := httplog.Middleware(rt, httplog.AccessOptions{Format: format})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/status", func(w http.ResponseWriter, r *http.Request) {
		rt.Logger("WebBrickGateway.HTTP").WarnContext(r.Context(), "slow zone controller")
		rt.Events().Write(eventlog.Event{Type: "webbrick/DO", Source: "wb/100/DO/3", Token: levels.TokenFrom(r.Context()),
			Attrs: []eventlog.Attr{eventlog.BoolAttr("on", true)}})
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	return gwtest.Serve(t, mw(mux))
}

func TestAccessCombinedAndToken(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{Loggers: []gwlog.LoggerOptions{{Name: "root", Level: levels.WARNING}}})
	srv := gateway(t, rt, "")
	resp, _ := gwtest.Fetch(t, "GET", srv.URL+"/api/v1/status?x=1", "User-Agent", `panel "1.0"`, "Referer", "http://gw/panel", "X-Request-ID", "req-42")
	assert.Equal(t, "req-42", resp.Header.Get("X-Request-ID"), "a client's ID is kept")
	resp, _ = gwtest.Fetch(t, "GET", srv.URL+"/missing", "X-Request-ID", "bad \"id\"")
	generated := resp.Header.Get("X-Request-ID")
	assert.Regexp(t, `^[0-9a-f]{16}$`, generated, "an unusable one is replaced")

	lines := rt.Stream("access").Tail(10)
	require.Len(t, lines, 2, "one line per request")
	assert.Regexp(t, `^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /api/v1/status\?x=1 HTTP/1\.1" 200 3 "http://gw/panel" "panel \\"1\.0\\""$`, lines[0])
	assert.Regexp(t, `"GET /missing HTTP/1\.1" 404 19 "-" "Go-http-client/1\.1"$`, lines[1])

	// The request's token ties its lines and events together.
	debug := strings.Join(rt.Stream("debug").Tail(20), "\n")
	assert.Contains(t, debug, "WARNING WebBrickGateway.HTTP slow zone controller token='req-42'\n",
		"a handler's line shows the request's token")
	assert.Regexp(t, `INFO access 127\.0\.0\.1 - - \[[^]]+\] "GET /api/v1/status\?x=1 HTTP/1\.1" 200 3 "http://gw/panel" "panel \\"1\.0\\"" token='req-42'\n`, debug,
		"so does the access line, in the default pattern")
	var evs []eventlog.Event
	for ev, err := range rt.Events().Query(eventlog.Filter{Token: "req-42"}) {
		require.NoError(t, err)
		evs = append(evs, ev)
	}
	require.Len(t, evs, 1)
	assert.Equal(t, "wb/100/DO/3", evs[0].Source)
}

func TestAccessCustomAndConditions(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gateway(t, rt, `%m %U%q %>s %B %400,404{User-agent}i %!200{Referer}i %{X-Request-ID}i %{Content-Type}o %D`)
	gwtest.Fetch(t, "GET", srv.URL+"/api/v1/status?a=b", "User-Agent", "ua", "Referer", "ref", "X-Request-ID", "r1")
	gwtest.Fetch(t, "GET", srv.URL+"/missing", "User-Agent", "ua", "Referer", "ref", "X-Request-ID", "r2")
	lines := rt.Stream("access").Tail(10)
	require.Len(t, lines, 2)
	assert.Regexp(t, `^GET /api/v1/status\?a=b 200 3 - - r1 text/plain; charset=utf-8 \d+$`, lines[0])
	assert.Regexp(t, `^GET /missing 404 19 ua ref r2 text/plain; charset=utf-8 \d+$`, lines[1])
}

func TestAccessW3C(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gateway(t, rt, "w3c")
	gwtest.Fetch(t, "GET", srv.URL+"/api/v1/status", "User-Agent", "Mozilla/5.0 (X11)", "X-Request-ID", "r1")
	lines := rt.Stream("access").Tail(10)
	require.Len(t, lines, 3)
	assert.Equal(t, "#Version: 1.0", lines[0])
	assert.Equal(t, "#Fields: "+httplog.W3CFields, lines[1])
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1 GET /api/v1/status - 200 3 \d+ Mozilla/5\.0\+\(X11\) - r1$`, lines[2])
}

func TestAccessFormatErrors(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	for format, want := range map[string]string{
		"%h %Z":          "offset 3: unknown code %Z",
		"%{Host":         "offset 0: unclosed {",
		"%i":             "offset 0: %i needs {Header}",
		"%{X}s":          "offset 0: %s takes no {…}",
		"%700{Referer}i": "offset 0: status 700 is not 100-599",
		"%!{Referer}i":   "offset 0: %! needs statuses",
		"%":              "ends early",
	} {
		_, err := httplog.Middleware(rt, httplog.AccessOptions{Format: format})
		require.ErrorIs(t, err, httplog.ErrAccessFormat, format)
		assert.Contains(t, err.Error(), want, format)
	}
}

func TestAccessKeepsStreamingWorking(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	mw, err := httplog.Middleware(rt, httplog.AccessOptions{})
	require.NoError(t, err)
	srv := gwtest.Serve(t, mw(rt.HTTPHandler()))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/streams/debug?follow=1", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"), "Flush reaches through the middleware")
}

// TestAccessFormatFromConfig: with no Format, the middleware takes the
// access stream's config format, follows it across a reload and puts
// W3C's header lines in or out.
func TestAccessFormatFromConfig(t *testing.T) {
	path := gwtest.Config(t, "[stream.access]\nformat = W3C\n")
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{path}})
	assert.Equal(t, "W3C", rt.AccessFormat("access"))
	assert.Empty(t, rt.AccessFormat("debug"), "a levels pattern is no access format")
	srv := gateway(t, rt, "")
	gwtest.Fetch(t, "GET", srv.URL+"/api/v1/status", "X-Request-ID", "r1")
	lines := rt.Stream("access").Tail(10)
	require.Len(t, lines, 3)
	assert.Equal(t, "#Version: 1.0", lines[0])
	assert.Equal(t, "#Fields: "+httplog.W3CFields, lines[1])
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1 GET /api/v1/status - 200 3 \d+ Go-http-client/1\.1 - r1$`, lines[2])
	assert.Contains(t, strings.Join(rt.Stream("debug").Tail(20), "\n"), "INFO access 20", "debug keeps its own pattern around the line")

	require.NoError(t, os.WriteFile(path, []byte("[stream.access]\nformat = %h %>s %U %{X-Request-ID}i\nrotate = size 4KiB\n"), 0o644))
	require.NoError(t, rt.Reload())
	gwtest.Fetch(t, "GET", srv.URL+"/missing", "X-Request-ID", "r2")
	lines = rt.Stream("access").Tail(1)
	assert.Equal(t, []string{"127.0.0.1 404 /missing r2"}, lines, "a custom pattern from the reloaded file")
	for range 100 { // past a rotation: the new file has no W3C header
		gwtest.Fetch(t, "GET", srv.URL+"/missing", "X-Request-ID", "r3")
	}
	b, err := fs.ReadFile(rt.FS(), "access.log")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "127.0.0.1 404 /missing r"), "%.80q", b)
}

// TestAccessW3CHeaderEveryFile: each file of a rotated w3c stream starts
// with the header, in the fs.FS view and /files alike.
func TestAccessW3CHeaderEveryFile(t *testing.T) {
	path := gwtest.Config(t, "[stream.access]\nformat = w3c\nrotate = size 4KiB\nkeep = 3\n")
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{path}})
	srv := gateway(t, rt, "")
	for range 120 {
		gwtest.Fetch(t, "GET", srv.URL+"/api/v1/status")
	}
	api := gwtest.Serve(t, rt.HTTPHandler())
	for _, name := range []string{"access.log", "access.log.1", "access.log.2"} {
		b, err := fs.ReadFile(rt.FS(), name)
		require.NoError(t, err, name)
		assert.True(t, strings.HasPrefix(string(b), "#Version: 1.0\n#Fields: "+httplog.W3CFields+"\n"), "%s: %.80q", name, b)
		_, body := gwtest.Fetch(t, "GET", api.URL+"/files/"+name)
		assert.Equal(t, string(b), string(body), name)
	}
}
