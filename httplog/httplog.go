// Package httplog serves gwlog's streams over HTTP.
package httplog

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gwlog/gwlog/ramlog"
)

// Source is what the read-back handler reads: gwlog.Runtime satisfies it.
type Source interface {
	Streams() []*ramlog.Stream
	Stream(name string) *ramlog.Stream
}

// DefaultTail is the number of lines GET /streams/{name} returns without n.
const DefaultTail = 100

// MaxTail bounds n.
const MaxTail = 1_000_000

// NewHandler returns the read-back API:
//
//	GET /streams          JSON array of stream counters
//	GET /streams/{name}   the last n (default 100) lines, as text
//
// Bad parameters answer 400 and unknown streams 404, with a JSON
// {"error": "..."} body.
func NewHandler(src Source) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /streams", func(w http.ResponseWriter, r *http.Request) {
		list := src.Streams()
		out := make([]ramlog.Stats, 0, len(list))
		for _, s := range list {
			out = append(out, s.Stats())
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /streams/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		s := src.Stream(name)
		if s == nil {
			writeError(w, http.StatusNotFound, "no stream "+strconv.Quote(name))
			return
		}
		n := DefaultTail
		if v := r.URL.Query().Get("n"); v != "" {
			var err error
			n, err = strconv.Atoi(v)
			if err != nil || n < 0 || n > MaxTail {
				writeError(w, http.StatusBadRequest, "n: want a whole number from 0 to "+strconv.Itoa(MaxTail)+", got "+strconv.Quote(v))
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(s.AppendTail(nil, n))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: the API is read-only")
			return
		}
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
