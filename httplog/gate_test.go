package httplog_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

// stuckFS is a runtime whose files open only once release is closed, so
// that a test can keep read-backs running.
type stuckFS struct {
	*gwlog.Runtime
	inside  *sync.WaitGroup
	release chan struct{}
}

func (s stuckFS) FS() fs.FS { return s }

func (s stuckFS) Open(name string) (fs.File, error) {
	s.inside.Done()
	<-s.release
	return fstest.MapFS{name: {Data: []byte("a line\n")}}.Open(name)
}

// TestHeavyRequestsWait: beyond MaxHeavy read-backs at once, another
// waits HeavyWait and then answers 503 with Retry-After, saying why; a
// short tail and a bad query are answered meanwhile.
func TestHeavyRequestsWait(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	rt.Logger("svc").Warn("line")
	src := stuckFS{Runtime: rt, inside: new(sync.WaitGroup), release: make(chan struct{})}
	srv := gwtest.Serve(t, httplog.NewHandler(src))
	src.inside.Add(httplog.MaxHeavy)
	var running sync.WaitGroup
	for range httplog.MaxHeavy {
		running.Go(func() {
			resp, b := gwtest.Fetch(t, http.MethodGet, srv.URL+"/files/debug.log")
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
		})
	}
	src.inside.Wait()

	busy := `{"error":"busy: ` + strconv.Itoa(httplog.MaxHeavy) + ` read-backs running, the most served at once; retry later"}`
	for _, path := range []string{"/events", "/series?attr=val&step=1h", "/streams/debug?n=1000", "/files/debug.log"} {
		start := time.Now()
		resp, b := gwtest.Fetch(t, http.MethodGet, srv.URL+path)
		took := time.Since(start)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s: %s", path, b)
		assert.Equal(t, "1", resp.Header.Get("Retry-After"), path)
		assert.JSONEq(t, busy, string(b), path)
		assert.GreaterOrEqual(t, took, httplog.HeavyWait, "%s waited its turn", path)
	}
	// Answered, not 503: they do not wait for a turn.
	for _, path := range []string{"/streams/debug?n=10", "/streams/debug", "/stats", "/files", "/streams"} {
		resp, b := gwtest.Fetch(t, http.MethodGet, srv.URL+path)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, b)
	}
	resp, _ := gwtest.Fetch(t, http.MethodGet, srv.URL+"/series?attr=val&step=fast")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a bad query does not wait")

	// One waiting gets its turn as soon as one ends.
	done := make(chan int, 1)
	go func() {
		resp, _ := gwtest.Fetch(t, http.MethodGet, srv.URL+"/events")
		done <- resp.StatusCode
	}()
	time.Sleep(httplog.HeavyWait / 4)
	close(src.release)
	assert.Equal(t, http.StatusOK, <-done)
	running.Wait()
}

// TestFollowersCapped: beyond MaxFollowers at once, a follower answers
// 503 with Retry-After at once; when one goes, another may come.
func TestFollowersCapped(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gwtest.Serve(t, rt.HTTPHandler())
	follow := func(ctx context.Context) *http.Response {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/streams/debug?follow=1", nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return resp
	}
	var cancels []context.CancelFunc
	for range httplog.MaxFollowers {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		resp := follow(ctx)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		cancels = append(cancels, func() { cancel(); resp.Body.Close() })
	}
	resp := follow(context.Background())
	var e struct{ Error string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Equal(t, "busy: "+strconv.Itoa(httplog.MaxFollowers)+" followers running, the most served at once; retry later", e.Error)

	cancels[0]()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		resp := follow(ctx)
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, 20*time.Millisecond)
	for _, c := range cancels[1:] {
		c()
	}
}

// writes records the largest write of a response.
type writes struct {
	*httptest.ResponseRecorder
	most int
}

func (w *writes) Write(p []byte) (int, error) {
	w.most = max(w.most, len(p))
	return w.ResponseRecorder.Write(p)
}

// TestTailWrittenInBatches: the longest tail is written as it is read, a
// batch at a time, never the whole at once.
func TestTailWrittenInBatches(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	log := rt.Logger("svc")
	for i := range 30000 {
		log.Warn("a line long enough to fill the ring soon", "i", i)
	}
	w := &writes{ResponseRecorder: httptest.NewRecorder()}
	rt.HTTPHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/streams/debug?n="+strconv.Itoa(httplog.MaxTail), nil))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, rt.Stream("debug").AppendTail(nil, httplog.MaxTail), w.Body.Bytes())
	assert.Greater(t, w.Body.Len(), 1<<20)
	assert.LessOrEqual(t, w.most, 64<<10, "the largest write")
}
