package httplog_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/internal/leakcheck"
)

// serve runs an httplog.Server for h on a loopback port until the test
// ends, and returns its address.
func serve(t *testing.T, h http.Handler, o httplog.ServerOptions) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httplog.NewServer(h, o)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		assert.ErrorIs(t, <-done, http.ErrServerClosed)
	})
	return ln.Addr().String()
}

// conn is a raw client connection.
type conn struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &conn{Conn: c, r: bufio.NewReader(c)}
}

// get sends a keep-alive GET of path and reads the response whole.
func (c *conn) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	_, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: gw\r\n\r\n")
	require.NoError(t, err)
	return c.read(t)
}

func (c *conn) read(t *testing.T) (*http.Response, string) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// closed reports whether the server closed c within d.
func (c *conn) closed(d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.r.ReadByte()
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || err != nil && strings.Contains(err.Error(), "reset")
}

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello\n") })

// TestServerClosesIdleConnections: a keep-alive connection that sends no
// further request is closed after IdleTimeout, and one that never sends
// a whole header after ReadHeaderTimeout.
func TestServerClosesIdleConnections(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	addr := serve(t, hello, httplog.ServerOptions{IdleTimeout: 300 * time.Millisecond, ReadHeaderTimeout: 300 * time.Millisecond})
	idle := dial(t, addr)
	resp, body := idle.get(t, "/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "hello\n", body)
	slow := dial(t, addr)
	_, err := io.WriteString(slow, "GET / HTTP/1.1\r\nHost: gw\r\n")
	require.NoError(t, err)
	start := time.Now()
	assert.True(t, idle.closed(3*time.Second), "the idle connection is closed")
	assert.True(t, slow.closed(3*time.Second), "the connection without a whole header is closed")
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestServerCapsConnections: beyond MaxConns, a new connection takes the
// place of the one idle longest; when every connection is in a request,
// it is answered 503 and closed, and the others are served still.
func TestServerCapsConnections(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	release := make(chan struct{})
	var inside sync.WaitGroup
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			inside.Done()
			<-release
		}
		_, _ = io.WriteString(w, "hello\n")
	})
	const max = 4
	addr := serve(t, h, httplog.ServerOptions{MaxConns: max})

	// The server marks a connection idle just after it sent the
	// response, which the client may read first: the pauses keep the
	// order of the test's connections the server's.
	var idle []*conn
	for range max {
		c := dial(t, addr)
		resp, _ := c.get(t, "/")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		idle = append(idle, c)
		time.Sleep(20 * time.Millisecond)
	}
	// Each new connection closes the oldest idle one, in order.
	for i := range max {
		c := dial(t, addr)
		resp, _ := c.get(t, "/")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.True(t, idle[i].closed(2*time.Second), "idle connection %d is closed for a new one", i)
		idle = append(idle, c)
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range idle[max:] {
		_ = c.Close()
	}

	// Every connection in a request: the next is refused.
	time.Sleep(100 * time.Millisecond) // the closes reach the server
	inside.Add(max)
	var busy []*conn
	for range max {
		c := dial(t, addr)
		_, err := io.WriteString(c, "GET /block HTTP/1.1\r\nHost: gw\r\n\r\n")
		require.NoError(t, err)
		busy = append(busy, c)
	}
	inside.Wait()
	refused := dial(t, addr)
	resp, body := refused.read(t)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.JSONEq(t, `{"error":"busy: too many open connections"}`, body)
	assert.True(t, refused.closed(2*time.Second))
	close(release)
	for _, c := range busy {
		resp, body := c.read(t)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "hello\n", body)
	}
	// Room again.
	c := dial(t, addr)
	resp, _ = c.get(t, "/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestServerFollowOutlivesTimeouts: a follower's stream goes on past the
// read and write timeouts, as long as the client takes what is written;
// a client that takes nothing of a long answer is cut off after
// WriteTimeout.
func TestServerFollowOutlivesTimeouts(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	rt := gwtest.Open(t, gwlog.Options{})
	log := rt.Logger("svc")
	addr := serve(t, rt.HTTPHandler(), httplog.ServerOptions{ReadTimeout: 200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond, ReadHeaderTimeout: 200 * time.Millisecond})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/streams/debug?follow=1", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	sc := bufio.NewScanner(resp.Body)
	for i := range 8 {
		log.Warn("tick", "i", i)
		require.True(t, sc.Scan(), "line %d: %v", i, sc.Err())
		assert.Contains(t, sc.Text(), "tick")
		require.True(t, sc.Scan()) // the blank line after the event
		time.Sleep(150 * time.Millisecond)
	}
	cancel()
}

// TestServerWriteTimeout: a client that takes nothing of a long answer
// is cut off after WriteTimeout, and the handler's writes fail.
func TestServerWriteTimeout(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	failed := make(chan time.Duration, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		chunk := make([]byte, 64<<10)
		for range 4096 { // 256 MiB: more than any socket buffers
			if _, err := w.Write(chunk); err != nil {
				failed <- time.Since(start)
				return
			}
		}
		failed <- -1
	})
	addr := serve(t, h, httplog.ServerOptions{WriteTimeout: 300 * time.Millisecond})
	c := dial(t, addr)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: gw\r\n\r\n")
	require.NoError(t, err)
	select {
	case d := <-failed:
		require.Positive(t, d, "the writes all went through")
		assert.Less(t, d, 5*time.Second)
	case <-time.After(10 * time.Second):
		t.Fatal("the handler is still writing to a client that reads nothing")
	}
}
