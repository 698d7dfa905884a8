// Package httplog serves gwlog's streams over HTTP.
package httplog

import (
	"bytes"
	"encoding/json"
	"iter"
	"net/http"
	"strconv"
	"time"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/ramlog"
)

// Source is what the read-back handler reads: gwlog.Runtime satisfies it.
type Source interface {
	Streams() []*ramlog.Stream
	Stream(name string) *ramlog.Stream
	Events() *eventlog.Log
}

// DefaultTail is the number of lines GET /streams/{name} returns without n.
const DefaultTail = 100

// MaxTail bounds n.
const MaxTail = 1_000_000

// The parameters of GET /streams/{name}: n, follow and the line filters.
var tailParams = append([]string{"n", "follow"}, lineParams...)

// NewHandler returns the read-back API:
//
//	GET /streams                   JSON array of stream counters
//	GET /streams/{name}?n=N        the last N (default 100) lines, as text
//	GET /streams/{name}?follow=1   live lines as Server-Sent Events,
//	                               starting n (default 0) lines back
//	GET /streams/{name}?level=L&logger=P&since=T&until=T&grep=RE&token=X
//	                               either, of the lines the filters select
//	                               (LineFilter), read from the whole
//	                               history
//	GET /events?type=P&source=S&since=T&until=T&where=k=v&token=X&limit=N&reverse=1
//	                               events as JSON lines, or msgpack records
//	                               with Accept: application/msgpack
//	GET /series?type=P&source=S&attr=A&since=T&until=T&step=D
//	                               one attribute bucketed over time, as JSON;
//	                               at most MaxSeriesBuckets buckets
//	GET /files                     JSON array of the streams' files (a
//	                               FileInfo each: name, stream, size,
//	                               lines, first, last, live), stream by
//	                               stream, newest first
//	GET /files/{name}              one file's content as text, by its name
//	                               in /files (debug.log.1); Range requests
//	                               too. The files are a FileSource's FS(),
//	                               else the streams' files; a name that is
//	                               not a plain file name (CheckFileName:
//	                               no slash, no ..) answers 400
//	GET /stats                     the source's counters, as JSON: what
//	                               StatsJSON returns when src is a
//	                               StatsSource, else a SourceStats
//	GET /                          a page (loading page/app.js, page/style.css)
//	                               with a live tail of a chosen stream and
//	                               a graph of a chosen event series
//
// Bad parameters answer 400 and unknown streams and files 404, with a JSON
// {"error": "..."} body: a query that does not parse (%zz), has more than
// MaxParams parameters, or one the endpoint does not take or takes once
// given twice. A tail is written as it is read (ramlog's WriteTail).
// Heavy requests (tails of more than DefaultTail lines, filtered tails,
// /events, /series, /files/{name}) run MaxHeavy at once, followers MaxFollowers; beyond,
// 503 with Retry-After. The handler has no authentication of its own:
// wrap it with RequireToken to serve it beyond loopback, and serve it
// with a Server, which bounds connections and their time.
func NewHandler(src Source) http.Handler {
	heavy, followers := newGate(MaxHeavy, HeavyWait), newGate(MaxFollowers, 0)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /streams", func(w http.ResponseWriter, r *http.Request) {
		if !noParams(w, r, "/streams") {
			return
		}
		list := src.Streams()
		out := make([]ramlog.Stats, 0, len(list))
		for _, s := range list {
			out = append(out, s.Stats())
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /streams/{name}", handleTail(src, heavy, followers))
	mux.HandleFunc("GET /events", handleEvents(src, heavy))
	mux.HandleFunc("GET /events/types", handleTypes(src, heavy))
	mux.HandleFunc("GET /series", handleSeries(src, heavy))
	mux.HandleFunc("GET /files", handleFiles(src))
	mux.HandleFunc("GET /files/{name}", handleFile(src, heavy))
	mux.HandleFunc("GET /stats", handleStats(src))
	page := func(w http.ResponseWriter, r *http.Request) {
		if noParams(w, r, r.URL.Path) {
			servePage(w, r)
		}
	}
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET /page/{file}", page)
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

// handleTail serves GET /streams/{name}: the last n lines, or with
// follow the live ones as Server-Sent Events, of those the line filters
// select. A filtered tail reads the whole history and runs within heavy,
// as does a plain one of more than DefaultTail lines; followers within
// followers.
func handleTail(src Source, heavy, followers *gate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		s := src.Stream(name)
		if s == nil {
			writeError(w, http.StatusNotFound, "no stream "+strconv.Quote(name))
			return
		}
		q, err := query(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		p := newParams(q, tailParams, nil)
		following := p.flag("follow")
		n := DefaultTail
		if following {
			n = 0
		}
		if p.str("n") != "" {
			n = p.count("n", MaxTail)
		}
		if p.err != nil {
			writeError(w, http.StatusBadRequest, p.err.Error())
			return
		}
		f, err := ParseLineFilter(q, time.Now())
		var m ramlog.Match
		if err == nil && !f.Empty() {
			m, err = streamMatch(src, name, &f)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if following {
			if !followers.enter(w, r, "followers") {
				return
			}
			defer followers.leave()
			if f.Empty() {
				follow(w, r, s.FollowTailChunks(r.Context(), n))
			} else {
				followFiltered(w, r, s, n, m, heavy)
			}
			return
		}
		if n > DefaultTail || !f.Empty() {
			if !heavy.enter(w, r, "read-backs") {
				return
			}
			defer heavy.leave()
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if f.Empty() {
			_, _ = s.WriteTail(w, n) // an error: the client is gone
			return
		}
		_, _ = s.WriteMatching(r.Context(), w, n, m)
	}
}

// follow streams the runs of lines chunks gives (a stream's new lines)
// as Server-Sent Events, one event per line, until the client goes away
// or the stream closes. A client too slow for
// the stream first gets a "… N lines missed" event; logging never waits
// for it.
func follow(w http.ResponseWriter, r *http.Request, chunks iter.Seq[[]byte]) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	buf := make([]byte, 0, 4096)
	linger := time.NewTimer(0)
	defer linger.Stop()
	burst := 0
	for chunk := range chunks {
		buf = buf[:0]
		for line := range bytes.Lines(chunk) {
			buf = append(append(buf, "data: "...), line[:len(line)-1]...)
			buf = append(buf, '\n', '\n')
		}
		if _, err := w.Write(buf); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if burst += len(chunk); len(chunk) >= sseBusy && burst < sseBurst {
			continue // behind: catch up at once, in big writes
		}
		// Caught up, or a burst written: lines that come meanwhile go in
		// the next write, so that a follower writes at most sseBurst
		// bytes a sseLinger (about 12 MB/s) and costs the loggers little.
		// The ring holds the lines meanwhile; a stream faster than that
		// has the follower skip, told how many lines it missed.
		burst = 0
		linger.Reset(sseLinger)
		select {
		case <-r.Context().Done():
			return
		case <-linger.C:
		}
	}
}

// A follower that has caught up writes at most once a sseLinger; one
// that got a chunk of sseBusy bytes or more is behind and goes on at once,
// for up to sseBurst bytes a sseLinger.
const (
	sseLinger = 20 * time.Millisecond
	sseBusy   = 16 << 10
	sseBurst  = 256 << 10
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
