// Package lokitest is a fake Loki push endpoint for tests: it decodes
// gzipped JSON push requests and keeps the lines, with their labels, in
// the order they came.
package lokitest

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Path is where Loki takes pushes.
const Path = "/loki/api/v1/push"

// Line is one line a Sink accepted.
type Line struct {
	Labels map[string]string
	TS     string // Unix ns, as Loki's JSON has it
	Text   string
}

// Sink is an http.Handler that accepts Loki push requests. Answer, when
// set, sees each request first (n counts them from 1) and may answer it
// itself, returning false: that request is not recorded. Safe for
// concurrent use.
type Sink struct {
	Answer func(n int64, w http.ResponseWriter) bool

	requests atomic.Int64
	mu       sync.Mutex
	lines    []Line
	bytes    int64  // request bodies accepted, as sent
	auth     string // the Authorization header last accepted
}

func (k *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := k.requests.Add(1)
	raw, _ := io.ReadAll(r.Body)
	if k.Answer != nil && !k.Answer(n, w) {
		return
	}
	zr, err := gzip.NewReader(strings.NewReader(string(raw)))
	if err != nil || r.Header.Get("Content-Encoding") != "gzip" || r.URL.Path != Path {
		http.Error(w, "want a gzipped push to "+Path, http.StatusBadRequest)
		return
	}
	var req struct {
		Streams []struct {
			Stream map[string]string `json:"stream"`
			Values [][2]string       `json:"values"`
		} `json:"streams"`
	}
	if err := json.NewDecoder(zr).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.auth = r.Header.Get("Authorization")
	k.bytes += int64(len(raw))
	for _, s := range req.Streams {
		for _, v := range s.Values {
			k.lines = append(k.lines, Line{s.Stream, v[0], v[1]})
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// Lines returns the lines accepted so far.
func (k *Sink) Lines() []Line {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Line(nil), k.lines...)
}

// Texts returns the text of the lines accepted so far.
func (k *Sink) Texts() []string {
	var out []string
	for _, l := range k.Lines() {
		out = append(out, l.Text)
	}
	return out
}

// Bytes returns the bytes of the request bodies accepted, as sent.
func (k *Sink) Bytes() int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.bytes
}

// Auth returns the Authorization header of the last request accepted.
func (k *Sink) Auth() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.auth
}
