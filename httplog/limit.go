package httplog

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// limiter caps the connections of a listener. A connection beyond the
// cap takes the place of the one idle longest: a keep-alive connection
// between requests, or one that has not sent a whole request header for
// waitGrace. When every connection is in a request, the new one is
// answered refusal and closed, in the accepting goroutine and without a
// buffer or goroutine of its own. Safe for concurrent use.
type limiter struct {
	max   int
	mu    sync.Mutex
	conns map[*limConn]struct{} // open; guarded by mu
}

// waitGrace is how long a new connection may take to send its first
// request header before a connection beyond the cap may take its place.
const waitGrace = time.Second

// refusal is the whole answer to a connection beyond the cap; it is
// never written to.
var refusal = []byte("HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: application/json\r\n" +
	"Retry-After: 1\r\n" +
	"Connection: close\r\n" +
	"Content-Length: 43\r\n" +
	"\r\n" +
	`{"error":"busy: too many open connections"}`)

// connState is what a connection is doing, for the choice of one to close.
type connState uint8

const (
	connWaiting connState = iota // accepted or reading a request
	connBusy                     // in a handler, or hijacked
	connIdle                     // between requests
)

// limConn is a connection the limiter counts; Close gives its place up.
type limConn struct {
	net.Conn
	lim   *limiter
	state connState // guarded by lim.mu
	since time.Time // when state was set; guarded by lim.mu
	once  sync.Once
}

func (c *limConn) Close() error {
	c.once.Do(func() { c.lim.release(c) })
	return c.Conn.Close()
}

func newLimiter(max int) *limiter {
	return &limiter{max: max, conns: make(map[*limConn]struct{}, max)}
}

// wrap returns ln counting its connections in l.
func (l *limiter) wrap(ln net.Listener) net.Listener { return &limListener{Listener: ln, lim: l} }

type limListener struct {
	net.Listener
	lim *limiter
}

// Accept returns the next connection within the cap; those refused are
// answered and closed on the way.
func (ln *limListener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := ln.lim.admit(c); lc != nil {
			return lc, nil
		}
	}
}

// admit counts c in, closing an idle connection when the cap is reached,
// or refuses it and returns nil.
func (l *limiter) admit(c net.Conn) *limConn {
	now := time.Now()
	l.mu.Lock()
	var victim *limConn
	if len(l.conns) >= l.max {
		victim = l.idlest(now)
		if victim == nil {
			l.mu.Unlock()
			_ = c.SetWriteDeadline(now.Add(100 * time.Millisecond))
			_, _ = c.Write(refusal)
			_ = c.Close()
			return nil
		}
		delete(l.conns, victim)
	}
	lc := &limConn{Conn: c, lim: l, since: now}
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	if victim != nil {
		_ = victim.Close()
	}
	return lc
}

// idlest returns the connection idle longest, or nil when none may be
// closed; l.mu is held.
func (l *limiter) idlest(now time.Time) *limConn {
	var best *limConn
	for c := range l.conns {
		switch {
		case c.state == connBusy:
		case c.state == connWaiting && now.Sub(c.since) < waitGrace:
		case best == nil,
			c.state == connIdle && best.state != connIdle,
			c.state == best.state && c.since.Before(best.since):
			best = c
		}
	}
	return best
}

func (l *limiter) release(c *limConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

func (l *limiter) set(c *limConn, st connState) {
	l.mu.Lock()
	c.state, c.since = st, time.Now()
	l.mu.Unlock()
}

// connState follows http.Server's view of the connections.
func (l *limiter) connState(c net.Conn, st http.ConnState) {
	lc, ok := c.(*limConn)
	if !ok {
		return
	}
	switch st {
	case http.StateActive:
		l.set(lc, connWaiting)
	case http.StateIdle:
		l.set(lc, connIdle)
	case http.StateHijacked:
		l.set(lc, connBusy)
	}
}

// connKey is the context key of a request's *limConn.
type connKey struct{}

func (l *limiter) connContext(ctx context.Context, c net.Conn) context.Context {
	if lc, ok := c.(*limConn); ok {
		return context.WithValue(ctx, connKey{}, lc)
	}
	return ctx
}

// busy marks the connection of a request's context as in a handler: it
// is not closed for another until it is idle again.
func (l *limiter) busy(ctx context.Context) {
	if lc, ok := ctx.Value(connKey{}).(*limConn); ok {
		l.set(lc, connBusy)
	}
}
