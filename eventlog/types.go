package eventlog

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// TypeSource is one type and source of events, and what its events hold.
type TypeSource struct {
	Type   string    `json:"type"`
	Source string    `json:"source"`
	Count  int       `json:"count"` // events of this type and source
	First  time.Time `json:"first"` // the earliest one's time
	Last   time.Time `json:"last"`  // the latest one's
	// Attrs are the keys of the attributes with numeric values, which a
	// series can graph, sorted; at most MaxTypeAttrs.
	Attrs []string `json:"attrs"`
}

// Bounds of what Types reports.
const (
	MaxTypes     = 1000 // type and source pairs
	MaxTypeAttrs = 32   // numeric attribute keys per pair
)

// Types lists the types and sources of the events that f matches (its
// TypePrefix, Source, Since and Until; the rest is ignored), sorted by
// type then source, each with its count, time range and numeric
// attributes, from the archive and the ring as one history. At most
// MaxTypes pairs are listed: more reports truncated. errs holds the
// corrupt records met (skipped) and segments the ring gave up during the
// call that the archive did not hold, as for Series.
func (l *Log) Types(f Filter) (types []TypeSource, truncated bool, errs []error, err error) {
	cq, err := compile(&Filter{TypePrefix: f.TypePrefix, Source: f.Source, Since: f.Since, Until: f.Until})
	if err != nil {
		return nil, false, nil, err
	}
	byKey := make(map[string]int) // type NUL source → index in types
	add := func(h *header) {
		key := string(h.typ) + "\x00" + string(h.source)
		i, ok := byKey[key]
		if !ok {
			if len(types) == MaxTypes {
				truncated = true
				return
			}
			i = len(types)
			byKey[key] = i
			types = append(types, TypeSource{Type: string(h.typ), Source: string(h.source)})
		}
		k := &types[i]
		k.Count++
		t := time.Unix(0, h.time).UTC()
		if k.First.IsZero() || t.Before(k.First) {
			k.First = t
		}
		if t.After(k.Last) {
			k.Last = t
		}
		k.Attrs = numericKeys(h.attrs, k.Attrs)
	}
	var data []byte
	for _, c := range l.candidates(cq) {
		err := l.readSegment(c, math.MaxUint64, &data, func(a, b []byte, id, maxSeq, _ uint64) {
			errs = typesCollect(a, b, id, maxSeq, cq, add, errs)
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	slices.SortFunc(types, func(a, b TypeSource) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Source, b.Source))
	})
	return types, truncated, errs, nil
}

// typesCollect feeds add the headers of the matching frames of a+b
// (segment id) up to Seq maxSeq.
func typesCollect(a, b []byte, id, maxSeq uint64, q *query, add func(*header), errs []error) []error {
	framesIn(a, b, func(off int64, payload []byte, err error) bool {
		var h header
		if err == nil {
			h, err = peek(payload)
		}
		var ok bool
		if err == nil {
			ok, err = q.match(&h)
		}
		if err != nil {
			errs = append(errs, &CorruptionError{Segment: id, Offset: off, Err: err})
			return true
		}
		if ok && h.seq <= maxSeq {
			add(&h)
		}
		return true
	})
	return errs
}

// numericKeys adds to keys, kept sorted, those of the attrs array b whose
// values are numbers, up to MaxTypeAttrs keys. A malformed array adds
// what it held before the fault.
func numericKeys(b []byte, keys []string) []string {
	n, b, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return keys
	}
	for range n {
		var k []byte
		if _, b, err = msgp.ReadArrayHeaderBytes(b); err != nil {
			return keys
		}
		if k, b, err = msgp.ReadStringZC(b); err != nil {
			return keys
		}
		numeric := false
		switch msgp.NextType(b) {
		case msgp.IntType, msgp.UintType, msgp.Float64Type, msgp.Float32Type:
			numeric = true
		}
		if b, err = msgp.Skip(b); err != nil {
			return keys
		}
		if !numeric || len(keys) >= MaxTypeAttrs {
			continue
		}
		if i, found := slices.BinarySearch(keys, string(k)); !found {
			keys = slices.Insert(keys, i, string(k))
		}
	}
	return keys
}
