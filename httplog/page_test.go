package httplog_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

func TestPage(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	mux := http.NewServeMux()
	mux.Handle("/", rt.HTTPHandler())
	mux.Handle("/logs/", http.StripPrefix("/logs", rt.HTTPHandler()))
	srv := gwtest.Serve(t, mux)

	tests := []struct {
		name, path, ctype string
		contains          string
	}{
		{"page", "/", "text/html; charset=utf-8", `<script src="page/app.js" defer></script>`},
		{"script", "/page/app.js", "text/javascript; charset=utf-8", `new EventSource(`},
		{"style", "/page/style.css", "text/css; charset=utf-8", `.tail {`},
		{"page under a prefix", "/logs/", "text/html; charset=utf-8", `<link rel="stylesheet" href="page/style.css">`},
		{"script under a prefix", "/logs/page/app.js", "text/javascript; charset=utf-8", `"use strict";`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+tt.path)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, tt.ctype, resp.Header.Get("Content-Type"))
			assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			assert.Contains(t, string(body), tt.contains)
			etag := resp.Header.Get("ETag")
			assert.Regexp(t, `^"[A-Za-z0-9_-]{16}"$`, etag)
			if strings.HasSuffix(tt.path, "/") {
				csp := resp.Header.Get("Content-Security-Policy")
				assert.Contains(t, csp, "default-src 'none'")
				assert.Contains(t, csp, "script-src 'self';")
				assert.Contains(t, csp, "connect-src 'self';")
				assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
			} else {
				assert.Empty(t, resp.Header.Get("Content-Security-Policy"))
			}

			resp, body = gwtest.Fetch(t, http.MethodGet, srv.URL+tt.path, "If-None-Match", etag)
			assert.Equal(t, http.StatusNotModified, resp.StatusCode)
			assert.Empty(t, body)
			resp, body = gwtest.Fetch(t, http.MethodHead, srv.URL+tt.path)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Empty(t, body)
		})
	}

	for _, path := range []string{"/page/", "/page/nope.js", "/index.html", "/page/index.html", "/page/app.js/x"} {
		t.Run("404 "+path, func(t *testing.T) {
			resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+path)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
			assert.JSONEq(t, `{"error":"no such endpoint: `+path+`"}`, string(body))
		})
	}
}

// TestPageAssets checks the page's files for the rules that keep it
// self-contained and safe: no other host, no markup built from strings,
// no inline code (the policy forbids it), and labels for every control.
func TestPageAssets(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("page", name))
		require.NoError(t, err)
		return string(b)
	}
	html, js, css := read("index.html"), read("app.js"), read("style.css")
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for name, text := range map[string]string{"index.html": html, "app.js": js, "style.css": css} {
		for _, u := range url.FindAllString(text, -1) {
			assert.Equal(t, "http://www.w3.org", u, "%s names another host", name)
		}
		assert.NotContains(t, text, "@import", name)
	}
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
		assert.NotContains(t, js, sink, "log data enters the page as text only")
	}
	assert.Equal(t, 1, strings.Count(html, "<script"), "one script, loaded from page/")
	assert.NotRegexp(t, `\son[a-z]+=`, html, "no inline event handlers")
	assert.NotContains(t, html, "style=", "no inline style")

	// Every input and select has a label.
	ids := regexp.MustCompile(`<(?:input|select)[^>]*\sid="([^"]+)"`).FindAllStringSubmatch(html, -1)
	require.NotEmpty(t, ids)
	for _, m := range ids {
		id := m[1]
		labelled := strings.Contains(html, `<label for="`+id+`"`) ||
			regexp.MustCompile(`<label[^>]*>\s*<input[^>]*id="`+regexp.QuoteMeta(id)+`"`).MatchString(html)
		assert.True(t, labelled, "#%s has no label", id)
	}
}
