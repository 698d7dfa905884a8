package eventlog

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// SeriesQuery asks for one attribute of some events over time, in
// buckets, for a graph.
type SeriesQuery struct {
	TypePrefix string // as Filter.TypePrefix
	Source     string // as Filter.Source
	Attr       string // the attribute graphed; required
	// Since and Until bound the series; both are required, Since first.
	// They are widened to whole steps (Aligned), so that buckets start on
	// step boundaries, as Prometheus' query_range aligns them: a 1m step
	// starts on whole minutes, a 1h step on whole hours (UTC).
	Since, Until time.Time
	// Step is the bucket width; required.
	Step time.Duration
}

// Aligned returns the bounds of q's buckets: Since rounded down and Until
// rounded up to multiples of Step counted from the Unix epoch, and how
// many buckets lie between them. Step must be positive.
func (q SeriesQuery) Aligned() (since, until time.Time, buckets int64) {
	step := int64(q.Step)
	lo := floorDiv(nanos(q.Since), step)
	hi := floorDiv(nanos(q.Until), step)
	if hi*step < nanos(q.Until) && hi < math.MaxInt64/step {
		hi++
	}
	return time.Unix(0, lo*step).UTC(), time.Unix(0, hi*step).UTC(), hi - lo
}

// floorDiv is a/b rounded towards minus infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// MaxBuckets bounds (Until-Since)/Step.
const MaxBuckets = 100_000

// Bucket summarises the values in [Start, Start+Step). An empty bucket
// (Count 0) has no value: Valid reports false, its Min, Max, Avg and Last
// are 0 and mean nothing, and its JSON has them null, so that a graph
// draws a gap rather than a false zero.
type Bucket struct {
	Start time.Time `json:"start"`
	Count int       `json:"count"`
	Min   float64   `json:"min"`
	Max   float64   `json:"max"`
	Avg   float64   `json:"avg"`
	Last  float64   `json:"last"` // the value of the latest event in the bucket
}

// Valid reports whether the bucket has a value: whether any event fell
// in it.
func (b *Bucket) Valid() bool { return b.Count > 0 }

// MarshalJSON writes the bucket as its fields' tags say, with null for
// the values of an empty bucket, and for a value JSON cannot carry (NaN,
// ±Inf, from events whose attribute was such a float).
func (b Bucket) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 128)
	out = append(out, `{"start":`...)
	ts, err := b.Start.MarshalJSON()
	if err != nil {
		return nil, err
	}
	out = append(out, ts...)
	out = strconv.AppendInt(append(out, `,"count":`...), int64(b.Count), 10)
	for _, f := range []struct {
		key string
		v   float64
	}{{"min", b.Min}, {"max", b.Max}, {"avg", b.Avg}, {"last", b.Last}} {
		out = append(append(append(out, `,"`...), f.key...), `":`...)
		if !b.Valid() || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			out = append(out, "null"...)
		} else {
			out = appendJSONFloat(out, f.v)
		}
	}
	return append(out, '}'), nil
}

// appendJSONFloat writes f as encoding/json does.
func appendJSONFloat(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// Series is the answer to a SeriesQuery.
type Series struct {
	Buckets []Bucket `json:"buckets"` // every bucket, empty ones too
	// Skipped counts matching events whose attribute was not a number.
	Skipped int `json:"skipped"`
	// Errors holds corrupt records met (skipped) and segments the ring
	// gave up during the query that the archive did not hold
	// (ErrEvicted).
	Errors []error `json:"-"`
}

// Series computes q's buckets, from Since and Until widened to whole
// steps (SeriesQuery.Aligned). It reads the records without decoding them
// whole and allocates only the buckets.
func (l *Log) Series(q SeriesQuery) (Series, error) {
	if q.Attr == "" {
		return Series{}, fmt.Errorf("%w: series: attr is required", ErrQuery)
	}
	if q.Since.IsZero() || q.Until.IsZero() || !q.Since.Before(q.Until) {
		return Series{}, fmt.Errorf("%w: series: want since before until, got %s and %s", ErrQuery, q.Since.Format(time.RFC3339), q.Until.Format(time.RFC3339))
	}
	if q.Step <= 0 {
		return Series{}, fmt.Errorf("%w: series: step %s is not positive", ErrQuery, q.Step)
	}
	var nb int64
	q.Since, q.Until, nb = q.Aligned()
	if nb > MaxBuckets {
		return Series{}, fmt.Errorf("%w: series: %d buckets, more than %d: raise step", ErrQuery, nb, MaxBuckets)
	}
	f := Filter{TypePrefix: q.TypePrefix, Source: q.Source, Since: q.Since, Until: q.Until}
	cq, err := compile(&f)
	if err != nil {
		return Series{}, err
	}
	s := Series{Buckets: make([]Bucket, nb)}
	sums := make([]float64, nb)
	for i := range s.Buckets {
		s.Buckets[i].Start = q.Since.Add(time.Duration(i) * q.Step)
	}
	since, step := nanos(q.Since), int64(q.Step)
	add := func(t int64, v float64, ok bool) {
		if !ok {
			s.Skipped++
			return
		}
		i := (t - since) / step
		b := &s.Buckets[i]
		if b.Count == 0 {
			b.Min, b.Max = v, v
		}
		b.Count++
		b.Min, b.Max, b.Last = math.Min(b.Min, v), math.Max(b.Max, v), v
		sums[i] += v
	}
	var data []byte
	for _, c := range l.candidates(cq) {
		// The ring's segments are read whole: a series takes the events
		// written while it runs too.
		err := l.readSegment(c, math.MaxUint64, &data, func(a, b []byte, id, maxSeq, _ uint64) {
			s.Errors = seriesCollect(a, b, id, maxSeq, cq, q.Attr, add, s.Errors)
		})
		if err != nil {
			s.Errors = append(s.Errors, err)
		}
	}
	for i := range s.Buckets {
		if b := &s.Buckets[i]; b.Count > 0 {
			b.Avg = sums[i] / float64(b.Count)
		}
	}
	return s, nil
}

// seriesCollect feeds add from the frames of a+b (segment id) up to Seq
// maxSeq.
func seriesCollect(a, b []byte, id, maxSeq uint64, q *query, key string, add func(t int64, v float64, numeric bool), errs []error) []error {
	framesIn(a, b, func(off int64, payload []byte, err error) bool {
		var h header
		if err == nil {
			h, err = peek(payload)
		}
		var ok bool
		if err == nil {
			ok, err = q.match(&h)
		}
		var v Value
		var found bool
		if err == nil && ok {
			v, found, err = attr(h.attrs, key)
		}
		if err != nil {
			errs = append(errs, &CorruptionError{Segment: id, Offset: off, Err: err})
			return true
		}
		if ok && found && h.seq <= maxSeq {
			n, numeric := v.Number()
			add(h.time, n, numeric)
		}
		return true
	})
	return errs
}
