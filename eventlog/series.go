package eventlog

import (
	"fmt"
	"math"
	"time"
)

// SeriesQuery asks for one attribute of some events over time, in
// buckets, for a graph.
type SeriesQuery struct {
	TypePrefix string // as Filter.TypePrefix
	Source     string // as Filter.Source
	Attr       string // the attribute graphed; required
	// Since and Until bound the series; both are required, Since first.
	Since, Until time.Time
	// Step is the bucket width; required.
	Step time.Duration
}

// MaxBuckets bounds (Until-Since)/Step.
const MaxBuckets = 100_000

// Bucket summarises the values in [Start, Start+Step).
type Bucket struct {
	Start time.Time `json:"start"`
	Count int       `json:"count"` // 0 for an empty bucket, whose other fields are 0
	Min   float64   `json:"min"`
	Max   float64   `json:"max"`
	Avg   float64   `json:"avg"`
	Last  float64   `json:"last"` // the value of the latest event in the bucket
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

// Series computes q's buckets. It reads the records without decoding them
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
	span := q.Until.Sub(q.Since)
	nb := int64(span / q.Step)
	if span%q.Step != 0 {
		nb++
	}
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
	since, step := q.Since.UnixNano(), int64(q.Step)
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
