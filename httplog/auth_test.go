package httplog_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/httplog"
)

func TestRequireToken(t *testing.T) {
	const token = "gw-0123456789abcdef"
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	const (
		missing = `{"error":"unauthorized: want an Authorization: Bearer header with the API's token"}`
		wrong   = `{"error":"unauthorized: wrong token"}`
	)
	tests := []struct {
		name   string
		token  string // the handler's; default token
		auth   []string
		target string
		served bool
		body   string // the 401's
	}{
		{name: "bearer", auth: []string{"Bearer " + token}, served: true},
		{name: "scheme in any case", auth: []string{"bEARER " + token}, served: true},
		{name: "extra spaces", auth: []string{"  Bearer   " + token + " "}, served: true},
		{name: "basic, the token as password", auth: []string{basic("admin", token)}, served: true},
		{name: "basic, no user", auth: []string{basic("", token)}, served: true},
		{name: "no header", body: missing},
		{name: "empty header", auth: []string{""}, body: missing},
		{name: "scheme only", auth: []string{"Bearer"}, body: missing},
		{name: "empty bearer", auth: []string{"Bearer  "}, body: missing},
		{name: "other scheme", auth: []string{"Token " + token}, body: missing},
		{name: "token alone", auth: []string{token}, body: missing},
		{name: "wrong token", auth: []string{"Bearer gw-0123456789abcdeF"}, body: wrong},
		{name: "a prefix of the token", auth: []string{"Bearer " + token[:10]}, body: wrong},
		{name: "the token and more", auth: []string{"Bearer " + token + "0"}, body: wrong},
		{name: "basic, the token as user", auth: []string{basic(token, "")}, body: missing},
		{name: "basic, wrong password", auth: []string{basic("admin", "nope")}, body: wrong},
		{name: "basic, not base64", auth: []string{"Basic %%%"}, body: missing},
		{name: "basic, no colon", auth: []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(token))}, body: missing},
		{name: "token in the query", target: "/streams?token=" + token, body: missing},
		{name: "empty token refuses all", token: "-", auth: []string{"Bearer "}, body: missing},
		{name: "empty token refuses a guess", token: "-", auth: []string{"Bearer x"}, body: wrong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := token
			if tt.token == "-" {
				tok = ""
			}
			called := false
			h := httplog.RequireToken(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				_, _ = io.WriteString(w, "ok")
			}), tok)
			target := tt.target
			if target == "" {
				target = "/streams"
			}
			req := httptest.NewRequest(http.MethodGet, target, nil)
			for _, a := range tt.auth {
				req.Header.Add("Authorization", a)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.served, called)
			if tt.served {
				assert.Equal(t, http.StatusOK, rec.Code)
				assert.Equal(t, "ok", rec.Body.String())
				return
			}
			assertUnauthorized(t, rec, tt.body, tt.body == wrong)
		})
	}
}

// assertUnauthorized checks RequireToken's refusal: a 401 with body, not
// to be cached, that challenges for a Bearer token (invalid_token when
// the one given was wrong) and for Basic credentials.
func assertUnauthorized(t *testing.T, rec *httptest.ResponseRecorder, body string, wrong bool) {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.JSONEq(t, body, rec.Body.String())
	challenges := rec.Header().Values("WWW-Authenticate")
	require.Len(t, challenges, 2)
	if wrong {
		assert.Equal(t, `Bearer realm="gwlog", error="invalid_token"`, challenges[0])
	} else {
		assert.Equal(t, `Bearer realm="gwlog"`, challenges[0])
	}
	assert.Equal(t, `Basic realm="gwlog", charset="UTF-8"`, challenges[1])
}

// TestRequireTokenRuntime guards a real runtime's API: the page, its
// follow stream and the JSON endpoints all want the token.
func TestRequireTokenRuntime(t *testing.T) {
	const token = "gw-0123456789abcdef"
	_, srv := pageServer(t, func(h http.Handler) http.Handler { return httplog.RequireToken(h, token) })
	for _, path := range []string{"/", "/page/app.js", "/streams", "/streams/debug?n=1", "/streams/debug?follow=1",
		"/events?limit=1", "/series?attr=val&step=1m", "/stats", "/nope"} {
		t.Run(path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

			req.Header.Set("Authorization", "Bearer "+token)
			if path == "/streams/debug?follow=1" {
				req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("u:"+token)))
			}
			resp, err = http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close() // ends a follower
			want := http.StatusOK
			if path == "/nope" {
				want = http.StatusNotFound
			}
			assert.Equal(t, want, resp.StatusCode)
		})
	}
}
