package httplog

import (
	"context"
	"net"
	"net/http"
	"time"
)

// The defaults of ServerOptions.
const (
	DefaultMaxConns          = 128
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 30 * time.Second
)

// ServerOptions configure NewServer. The zero value means the defaults.
type ServerOptions struct {
	// MaxConns caps the connections open at once; 0 means
	// DefaultMaxConns. A connection beyond the cap closes the oldest
	// idle one (a keep-alive connection between requests, or one that
	// has not sent a whole request header for a second); when every
	// connection is in a request, it is answered 503 and closed.
	MaxConns int
	// ReadHeaderTimeout bounds the reading of a request's header; 0
	// means DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a whole request; 0 means
	// DefaultReadTimeout. A follower's stream is not cut by it.
	ReadTimeout time.Duration
	// WriteTimeout bounds each write of a response: a client that takes
	// longer to take a write in is cut off. 0 means DefaultWriteTimeout.
	// It applies write by write, so that a follower's stream or a long
	// answer to a slow but live client goes on.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no request
	// for so long; 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Context is the context the requests' contexts derive from; nil
	// means context.Background(). Cancelling it ends live followers, so
	// that Shutdown need not wait for them.
	Context context.Context
}

// Server is an http.Server for the read-back API with limits for clients
// that do not behave: timeouts, a cap on connections (see
// ServerOptions), and a write deadline renewed at each write. Its methods
// are safe for concurrent use.
type Server struct {
	srv *http.Server
	lim *limiter
}

// NewServer returns a Server for h.
func NewServer(h http.Handler, o ServerOptions) *Server {
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	lim := newLimiter(o.MaxConns)
	s := &Server{lim: lim}
	s.srv = &http.Server{
		Handler:           deadlines(h, o.WriteTimeout, lim),
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
		// http.Server's WriteTimeout would cut a follower's stream:
		// deadlines sets the write deadline write by write instead.
		MaxHeaderBytes: 16 << 10,
		BaseContext:    func(net.Listener) context.Context { return o.Context },
		ConnContext:    lim.connContext,
		ConnState:      lim.connState,
	}
	return s
}

// Serve accepts connections on ln, up to the cap, and serves them until
// Shutdown or Close; it returns what http.Server.Serve returns.
func (s *Server) Serve(ln net.Listener) error {
	return s.srv.Serve(s.lim.wrap(ln))
}

// Shutdown stops accepting and waits for the requests in progress, as
// http.Server.Shutdown does.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close closes the listener and every connection at once.
func (s *Server) Close() error { return s.srv.Close() }

// deadlines serves h with a write deadline renewed before each write and
// flush of the response, and tells lim when a connection is in a request.
// The read deadline that ReadTimeout set is lifted once h runs: it would
// otherwise cancel the request's context when it passes (net/http's
// background read), which ends a follower's stream.
func deadlines(h http.Handler, d time.Duration, lim *limiter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lim.busy(r.Context())
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		dw := &deadlineWriter{ResponseWriter: w, rc: rc, d: d}
		dw.renew()
		h.ServeHTTP(dw, r)
	})
}

// deadlineWriter renews the connection's write deadline before each
// write. It passes Flush on, and the rest through Unwrap
// (http.ResponseController).
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
	// last is when the deadline was last set: it is renewed once an
	// eighth of d has passed, so that a write has at least 7/8 of d.
	last time.Time
}

func (w *deadlineWriter) renew() {
	now := time.Now()
	if now.Sub(w.last) < w.d/8 {
		return
	}
	w.last = now
	_ = w.rc.SetWriteDeadline(now.Add(w.d))
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.renew()
	return w.ResponseWriter.Write(p)
}

// Flush renews the deadline and flushes: Server-Sent Events go on.
func (w *deadlineWriter) Flush() {
	w.renew()
	_ = w.rc.Flush()
}

func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
