package httplog

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
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
	// Format is "combined", "common", "w3c", or a custom Apache-style
	// format: %h %l %u %t %r %s %>s %b %B %D %T %m %U %q %H %v %p
	// %{Header}i %{Header}o, with status conditions such as
	// %400,501{User-agent}i or %!200,304{Referer}i, and "-" for a missing
	// value. Empty means the format of Stream's config ([stream.access]
	// format = w3c, see IsAccessFormat), followed across reloads, when
	// the runtime tells it (AccessFormatter); else "combined".
	Format string
	// Logger is the logger of the access lines; empty means "access",
	// whose stream is the access stream.
	Logger string
	// Stream is the stream that gets the "#Version:" and "#Fields:" lines
	// at the top of each file in the w3c format, and whose config format
	// is used when Format is empty; empty means "access".
	Stream string
	// RequestID is the header that carries the request's correlation
	// token; empty means "X-Request-ID". A request without a usable one
	// gets a new one; either way the response carries it and the
	// request's context has it as its token (levels.WithToken), so that
	// the lines and events of one request can be fetched together.
	RequestID string
}

// AccessFormatter is what a runtime implements to choose the access
// format from its config; gwlog.Runtime does.
type AccessFormatter interface {
	// AccessFormat returns the access format configured for the stream,
	// or "" when its format is a levels pattern. It is called once per
	// request and must be cheap and safe for concurrent use.
	AccessFormat(stream string) string
}

// Middleware returns net/http middleware that writes one access line per
// request at INFO on the access logger, after the handler returns. An
// invalid custom format is an error (ErrAccessFormat, with its offset).
func Middleware(rt Logging, o AccessOptions) (func(http.Handler) http.Handler, error) {
	if o.Logger == "" {
		o.Logger = "access"
	}
	if o.Stream == "" {
		o.Stream = "access"
	}
	if o.RequestID == "" {
		o.RequestID = "X-Request-ID"
	}
	af := &accessFormats{rt: rt, stream: o.Stream}
	if o.Format != "" {
		f, err := compileAccess(o.Format)
		if err != nil {
			return nil, err
		}
		af.use(&accessState{src: o.Format, f: f})
	} else if src, ok := rt.(AccessFormatter); ok {
		af.src = src
	}
	af.current() // the w3c header goes in before the first line
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
				line := af.current().appendLine((*bp)[:0], &x)
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

// accessFormats holds the middleware's compiled format; with a source,
// it follows the stream's config format across reloads.
type accessFormats struct {
	rt     Logging
	stream string
	src    AccessFormatter // nil: the format is fixed
	cur    atomic.Pointer[accessState]
}

type accessState struct {
	src string // the format as configured; "" for the default
	f   *accessFormat
}

var defaultAccess = func() *accessFormat { f, _ := compileAccess(Combined); return f }()

// current returns the format to render with, compiling the configured
// one when it changed.
func (a *accessFormats) current() *accessFormat {
	st := a.cur.Load()
	if a.src == nil {
		if st == nil {
			st = &accessState{f: defaultAccess}
			a.cur.Store(st)
		}
		return st.f
	}
	src := a.src.AccessFormat(a.stream)
	if st != nil && st.src == src {
		return st.f
	}
	f, err := compileAccess(src)
	if err != nil {
		f = defaultAccess // the config was checked; this cannot happen
	}
	a.use(&accessState{src: src, f: f})
	return f
}

// use makes st current and puts the stream's w3c header in or out.
func (a *accessFormats) use(st *accessState) {
	old := a.cur.Swap(st)
	wasW3C := old != nil && old.f.w3c
	if st.f.w3c == wasW3C {
		return
	}
	if s := a.rt.Stream(a.stream); s != nil {
		if st.f.w3c {
			s.SetHeader([]byte("#Version: 1.0\n#Fields: " + W3CFields))
		} else {
			s.SetHeader(nil)
		}
	}
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
