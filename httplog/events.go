package httplog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/tinylib/msgp/msgp"
)

// MsgpackType is the media type of GET /events' msgpack answer: the
// events' records (docs/format.md) one after another.
const MsgpackType = "application/msgpack"

// The parameters of GET /events and GET /series.
var (
	eventParams  = []string{"type", "source", "since", "until", "token", "limit", "reverse"}
	seriesParams = []string{"type", "source", "attr", "since", "until", "step"}
)

// MaxLimit bounds the limit parameter of GET /events.
const MaxLimit = 100_000_000

// MaxSeriesBuckets bounds the buckets of one GET /series, (until -
// since) / step: each takes memory while the series is computed. A graph
// needs far fewer (the page asks for about 60).
const MaxSeriesBuckets = 10_000

// DefaultSeriesSpan is how far back GET /series reaches without since.
const DefaultSeriesSpan = 24 * time.Hour

// handleEvents serves GET /events: the events a filter selects, as JSON
// lines or, when the client accepts application/msgpack, as msgpack
// records. The answer is streamed as the query runs; records found
// corrupt or evicted on the way are skipped and counted, and reported in
// a last line (see writeEvents). It runs within heavy.
func handleEvents(src Source, heavy *gate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := query(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		f, err := ParseFilter(q, time.Now())
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if !heavy.enter(w, r, "read-backs") {
			return
		}
		defer heavy.leave()
		writeEvents(w, src.Events().Query(f), acceptsMsgpack(r))
	}
}

// ParseFilter reads a Filter from GET /events' parameters: type,
// source, since, until, where (repeated), token, limit, reverse. Times
// relative to now (-1h) are taken from now. The gwlog CLI reads a store
// on disk with it, so that its flags mean there what they mean to
// gwlogd.
func ParseFilter(q url.Values, now time.Time) (eventlog.Filter, error) {
	p := newParams(q, eventParams, []string{"where"})
	f := eventlog.Filter{
		TypePrefix: p.str("type"),
		Source:     p.str("source"),
		Token:      p.str("token"),
		Since:      p.time("since", now, time.Time{}),
		Until:      p.time("until", now, time.Time{}),
		Limit:      p.count("limit", MaxLimit),
		Reverse:    p.flag("reverse"),
	}
	for _, w := range p.q["where"] {
		c, err := eventlog.ParseCond(w)
		if err != nil {
			p.fail("where: %q: want KEY OP VALUE with OP one of = != < <= > >= ~ (temp>=20, zone=3)", w)
			break
		}
		f.Where = append(f.Where, c)
	}
	p.order(f.Since, f.Until)
	return f, p.err
}

// acceptsMsgpack reports whether the request's Accept header asks for
// msgpack (application/msgpack or application/x-msgpack, q > 0).
func acceptsMsgpack(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || (mt != MsgpackType && mt != "application/x-msgpack") {
			continue
		}
		if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q <= 0 {
			continue
		}
		return true
	}
	return false
}

// skips counts what a query met and left out.
type skips struct {
	corrupt, evicted, other int
	first                   error
}

func (s *skips) add(err error) {
	switch {
	case errors.Is(err, eventlog.ErrCorrupt):
		s.corrupt++
	case errors.Is(err, eventlog.ErrEvicted):
		s.evicted++
	default:
		s.other++
	}
	if s.first == nil {
		s.first = err
	}
}

func (s *skips) any() bool { return s.first != nil }

// String says what was left out: "2 corrupt records skipped; 1 segment
// evicted during the query (first: …)".
func (s *skips) String() string {
	var parts []string
	if s.corrupt > 0 {
		parts = append(parts, plural(s.corrupt, "corrupt record")+" skipped")
	}
	if s.evicted > 0 {
		parts = append(parts, plural(s.evicted, "segment")+" evicted during the query")
	}
	if s.other > 0 {
		parts = append(parts, plural(s.other, "other error"))
	}
	return strings.Join(parts, "; ") + " (first: " + s.first.Error() + ")"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// writeEvents streams a query's events to w: one JSON object per line
// (AppendEventJSON), or with msgpack the records back to back. An invalid
// query met before anything was written answers 400. Records that could
// not be read are skipped and counted; the status is sent by then, so
// they are reported after the last event, as a JSON line
//
//	{"error":"2 corrupt records skipped (first: …)","corrupt":2,"evicted":0}
//
// or, with msgpack, as a map with the same keys (a reader decoding events
// meets a map where it wants an array). A client that goes away ends the
// query.
func writeEvents(w http.ResponseWriter, events iter.Seq2[eventlog.Event, error], msgpack bool) {
	started := false
	start := func() {
		started = true
		if msgpack {
			w.Header().Set("Content-Type", MsgpackType)
		} else {
			w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
	}
	var sk skips
	buf := make([]byte, 0, 1024)
	for ev, err := range events {
		if err != nil {
			if !started && errors.Is(err, eventlog.ErrQuery) {
				writeError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), eventlog.ErrQuery.Error()+": "))
				return
			}
			sk.add(err)
			continue
		}
		if !started {
			start()
		}
		if msgpack {
			buf, err = ev.MarshalMsg(buf[:0])
			if err != nil { // cannot happen: every field encodes
				sk.add(err)
				continue
			}
		} else {
			buf = append(AppendEventJSON(buf[:0], ev), '\n')
		}
		if _, err := w.Write(buf); err != nil {
			return // the client is gone
		}
	}
	if !started {
		start()
	}
	if !sk.any() {
		return
	}
	msg := sk.String()
	if msgpack {
		buf = msgp.AppendMapHeader(buf[:0], 3)
		buf = msgp.AppendString(buf, "error")
		buf = msgp.AppendString(buf, msg)
		buf = msgp.AppendString(buf, "corrupt")
		buf = msgp.AppendInt(buf, sk.corrupt)
		buf = msgp.AppendString(buf, "evicted")
		buf = msgp.AppendInt(buf, sk.evicted)
	} else {
		buf = append(buf[:0], `{"error":`...)
		buf = appendJSONString(buf, msg)
		buf = fmt.Appendf(buf, `,"corrupt":%d,"evicted":%d}`+"\n", sk.corrupt, sk.evicted)
	}
	_, _ = w.Write(buf)
}

// SeriesAnswer is the JSON body of GET /series.
type SeriesAnswer struct {
	// Buckets are every bucket from since to until, empty ones (count 0,
	// other fields 0) too.
	Buckets []eventlog.Bucket `json:"buckets"`
	// Skipped counts matching events whose attribute was not a number.
	Skipped int `json:"skipped"`
	// Error, when set, says which records could not be read (corrupt, or
	// evicted while the query ran); they are left out of the buckets.
	Error string `json:"error,omitempty"`
	// Corrupt and Evicted count them.
	Corrupt int `json:"corrupt,omitempty"`
	Evicted int `json:"evicted,omitempty"`
}

// handleSeries serves GET /series: one attribute of the selected events,
// bucketed (eventlog.Log.Series), as a SeriesAnswer. since defaults to
// 24 hours ago and until to now; attr and step are required. It runs
// within heavy, and writes the answer as it encodes it (writeSeries).
func handleSeries(src Source, heavy *gate) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := query(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		q, err := ParseSeries(v, time.Now())
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		if !heavy.enter(w, r, "read-backs") {
			return
		}
		defer heavy.leave()
		s, err := src.Events().Series(q)
		if err != nil {
			code := http.StatusInternalServerError
			if errors.Is(err, eventlog.ErrQuery) {
				code = http.StatusBadRequest
			}
			writeError(w, code, strings.TrimPrefix(err.Error(), eventlog.ErrQuery.Error()+": "))
			return
		}
		writeSeries(w, NewSeriesAnswer(s))
	}
}

// writeSeries writes ans as JSON, as writeJSON would, but a few hundred
// buckets at a time, so that the encoding of a long series is never held
// whole.
func writeSeries(w http.ResponseWriter, ans SeriesAnswer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	buf.WriteString(`{"buckets":[`)
	for i := range ans.Buckets {
		if i > 0 {
			buf.WriteByte(',')
		}
		_ = enc.Encode(&ans.Buckets[i]) // finite: every value encodes
		buf.Truncate(buf.Len() - 1)     // Encode's newline
		if buf.Len() >= 32<<10 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return // the client is gone
			}
			buf.Reset()
		}
	}
	buf.WriteString("],")
	n := buf.Len()
	_ = enc.Encode(seriesRest{ans.Skipped, ans.Error, ans.Corrupt, ans.Evicted})
	// The fields after buckets: the object without its {.
	tail := slices.Clone(buf.Bytes()[n+1:])
	buf.Truncate(n)
	buf.Write(tail)
	_, _ = w.Write(buf.Bytes())
}

// seriesRest is SeriesAnswer after its buckets, with the same keys.
type seriesRest struct {
	Skipped int    `json:"skipped"`
	Error   string `json:"error,omitempty"`
	Corrupt int    `json:"corrupt,omitempty"`
	Evicted int    `json:"evicted,omitempty"`
}

// NewSeriesAnswer returns the answer of GET /series for s: its buckets,
// with the values JSON cannot carry zeroed, and what the query could
// not read in Error, Corrupt and Evicted. The buckets are s's, modified
// in place.
func NewSeriesAnswer(s eventlog.Series) SeriesAnswer {
	ans := SeriesAnswer{Buckets: s.Buckets, Skipped: s.Skipped}
	var sk skips
	for _, err := range s.Errors {
		sk.add(err)
	}
	if sk.any() {
		ans.Error, ans.Corrupt, ans.Evicted = sk.String(), sk.corrupt, sk.evicted
	}
	for i := range ans.Buckets {
		finite(&ans.Buckets[i])
	}
	return ans
}

// SkipReport says what a query left out, from the errors its iterator
// yielded: "2 corrupt records skipped; 1 segment evicted during the
// query (first: …)", the error of GET /events' last line; "" when errs
// is empty.
func SkipReport(errs []error) string {
	var sk skips
	for _, err := range errs {
		sk.add(err)
	}
	if !sk.any() {
		return ""
	}
	return sk.String()
}

// ParseSeries reads a SeriesQuery from GET /series' parameters: type,
// source, attr and step (both required), since (default 24 hours before
// now) and until (default now). A query of more than MaxSeriesBuckets
// buckets is an error.
func ParseSeries(v url.Values, now time.Time) (eventlog.SeriesQuery, error) {
	p := newParams(v, seriesParams, nil)
	q := eventlog.SeriesQuery{
		TypePrefix: p.str("type"),
		Source:     p.str("source"),
		Attr:       p.str("attr"),
		Since:      p.time("since", now, now.Add(-DefaultSeriesSpan).UTC()),
		Until:      p.time("until", now, now.UTC()),
	}
	if q.Attr == "" {
		p.fail("attr: required (the attribute to graph, such as val)")
	}
	q.Step = p.duration("step")
	p.order(q.Since, q.Until)
	if p.err == nil {
		_, _, n := q.Aligned()
		if n > MaxSeriesBuckets {
			p.fail("step: %s makes %d buckets from since to until, more than %d", q.Step, n, MaxSeriesBuckets)
		}
	}
	return q, p.err
}

// finite zeroes a bucket's values that JSON cannot carry (NaN and ±Inf,
// from events whose attribute was such a float), so that the answer
// encodes.
func finite(b *eventlog.Bucket) {
	for _, f := range []*float64{&b.Min, &b.Max, &b.Avg, &b.Last} {
		if math.IsNaN(*f) || math.IsInf(*f, 0) {
			*f = 0
		}
	}
}
