package httplog_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/ramlog"
)

func TestReadBack(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	for i := range 30 {
		rt.Logger("svc").Warn("line", "i", i)
	}
	srv := gwtest.Serve(t, rt.HTTPHandler())

	tests := []struct {
		name, path string
		code       int
		check      func(t *testing.T, body string)
	}{
		{"streams", "/streams", 200, func(t *testing.T, body string) {
			var st []ramlog.Stats
			require.NoError(t, json.Unmarshal([]byte(body), &st))
			require.Len(t, st, 4)
			assert.Equal(t, "debug", st[3].Name)
			assert.Equal(t, uint64(30), st[3].Lines)
		}},
		{"tail n", "/streams/debug?n=3", 200, func(t *testing.T, body string) {
			lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
			require.Len(t, lines, 3)
			assert.True(t, strings.HasSuffix(lines[2], "WARNING svc line i='29'"), lines[2])
		}},
		{"tail default", "/streams/debug", 200, func(t *testing.T, body string) {
			assert.Equal(t, 30, strings.Count(body, "\n"))
		}},
		{"tail zero", "/streams/debug?n=0", 200, func(t *testing.T, body string) { assert.Empty(t, body) }},
		{"empty stream", "/streams/access", 200, func(t *testing.T, body string) { assert.Empty(t, body) }},
		{"bad n", "/streams/debug?n=1e3", 400, func(t *testing.T, body string) {
			assert.JSONEq(t, `{"error":"n: want a whole number from 0 to 1000000, got \"1e3\""}`, body)
		}},
		{"huge n", "/streams/debug?n=99999999999", 400, nil},
		{"unknown stream", "/streams/screen", 404, func(t *testing.T, body string) {
			assert.JSONEq(t, `{"error":"no stream \"screen\""}`, body)
		}},
		{"unknown path", "/nope", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := gwtest.Fetch(t, http.MethodGet, srv.URL+tt.path)
			assert.Equal(t, tt.code, resp.StatusCode)
			if tt.code >= 400 {
				assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			}
			if tt.check != nil {
				tt.check(t, string(b))
			}
		})
	}
	resp, err := http.Post(srv.URL+"/streams", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestFollowServerSentEvents(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gwtest.Serve(t, rt.HTTPHandler())

	resp, err := http.Get(srv.URL + "/streams/debug?follow=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))

	// The handler subscribes after sending the headers; keep logging until
	// the first event arrives, then check that the stream is in order.
	events := make(chan string, 1024)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- l
			}
		}
	}()
	l := rt.Logger("svc")
	var first string
	for i := 0; first == ""; i++ {
		l.Warn("tick", "i", i)
		select {
		case first = <-events:
		case <-time.After(10 * time.Millisecond):
		}
		require.Less(t, i, 500, "no event arrived")
	}
	l.Error("after", "n", 1)
	for {
		ev := <-events
		if strings.Contains(ev, "after") {
			assert.True(t, strings.HasSuffix(ev, "ERROR svc after n='1'"), ev)
			break
		}
		assert.Contains(t, ev, "WARNING svc tick")
	}
	resp, err = http.Get(srv.URL + "/streams/debug?follow=yes")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
