package httplog

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
	"unsafe"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// Logging is what the access-log middleware needs of a runtime;
// gwlog.Runtime satisfies it.
type Logging interface {
	Logger(name string) *levels.Logger
	Stream(name string) *ramlog.Stream
}

// AccessOptions configure Middleware. The zero value means the defaults.
type AccessOptions struct {
	// Format is "combined" (the default), "common", "w3c", or a custom
	// Apache-style format: %h %l %u %t %r %s %>s %b %B %D %T %m %U %q %H
	// %v %p %{Header}i %{Header}o, with status conditions such as
	// %400,501{User-agent}i or %!200,304{Referer}i, and "-" for a missing
	// value.
	Format string
	// Logger is the logger of the access lines; empty means "access",
	// whose stream is the access stream.
	Logger string
	// Stream is the stream that gets the "#Fields:" line of each new
	// segment in the w3c format; empty means "access".
	Stream string
	// RequestID is the header that carries the request's correlation
	// token; empty means "X-Request-ID". A request without a usable one
	// gets a new one; either way the response carries it and the
	// request's context has it as its token (levels.WithToken), so that
	// the lines and events of one request can be fetched together.
	RequestID string
}

// Middleware returns net/http middleware that writes one access line per
// request at INFO on the access logger, after the handler returns. An
// invalid custom format is an error (ErrAccessFormat, with its offset).
func Middleware(rt Logging, o AccessOptions) (func(http.Handler) http.Handler, error) {
	f, err := compileAccess(o.Format)
	if err != nil {
		return nil, err
	}
	if o.Logger == "" {
		o.Logger = "access"
	}
	if o.Stream == "" {
		o.Stream = "access"
	}
	if o.RequestID == "" {
		o.RequestID = "X-Request-ID"
	}
	if f.w3c {
		if s := rt.Stream(o.Stream); s != nil {
			s.SetHeader([]byte("#Version: 1.0\n#Fields: " + W3CFields))
		}
	}
	log := rt.Logger(o.Logger)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := r.Header.Get(o.RequestID)
			if !usableID(id) {
				id = newID()
			}
			w.Header().Set(o.RequestID, id)
			ctx := levels.WithToken(r.Context(), id)
			rec := &recorder{ResponseWriter: w}
			defer func() {
				if !log.Enabled(ctx, levels.INFO) {
					return
				}
				x := exchange{r: r, status: rec.status(), bytes: rec.bytes, start: start, took: time.Since(start), header: w.Header(), id: id}
				bp := linePool.Get().(*[]byte)
				line := f.appendLine((*bp)[:0], &x)
				// The logger copies the line before it returns, so a view
				// of the pooled buffer serves as the message.
				log.LogAttrs(ctx, levels.INFO, unsafe.String(unsafe.SliceData(line), len(line)))
				if cap(line) <= 64<<10 {
					*bp = line
					linePool.Put(bp)
				}
			}()
			next.ServeHTTP(rec, r.WithContext(ctx))
		})
	}, nil
}

var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// usableID reports whether a client's request ID may be kept: short and
// printable, so that it cannot spoil a line.
func usableID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] >= 0x7f || id[i] == '"' || id[i] == '\\' {
			return false
		}
	}
	return true
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%016x", b[:])
}

// recorder notes the status and size of a response. It passes Flush,
// Hijack and the rest on through Unwrap (http.ResponseController).
type recorder struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Flush keeps Server-Sent Events working through the middleware.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes a WebSocket upgrade through; the line says 101.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("httplog: the ResponseWriter cannot hijack")
	}
	r.code = http.StatusSwitchingProtocols
	return h.Hijack()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK // the handler wrote nothing
	}
	return r.code
}
