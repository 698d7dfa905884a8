package eventlog

import (
	"hash/maphash"
	"strings"
)

// segIndex describes one ring segment so that a query can skip it: the
// time and Seq range of its events, the types seen, and a 64-bit bloom
// filter of their sources.
type segIndex struct {
	id               uint64
	count            int
	minTime, maxTime int64
	firstSeq         uint64
	lastSeq          uint64
	types            []string // distinct, up to maxTypes
	allTypes         bool     // more types than maxTypes were seen
	sources          uint64   // bloom bits
	// away: the ring gave the segment up plain while older ones were
	// held compressed; readers find it in the archive.
	away bool
}

// maxTypes bounds the types a segment index lists.
const maxTypes = 16

var seed = maphash.MakeSeed()

func sourceBit(s string) uint64 { return 1 << (maphash.String(seed, s) & 63) }

func (x *segIndex) add(ev *Event) {
	if x.count == 0 {
		x.minTime, x.maxTime, x.firstSeq = ev.Time, ev.Time, ev.Seq
	}
	x.count++
	x.minTime, x.maxTime, x.lastSeq = min(x.minTime, ev.Time), max(x.maxTime, ev.Time), ev.Seq
	x.sources |= sourceBit(ev.Source)
	if x.allTypes {
		return
	}
	for _, t := range x.types {
		if t == ev.Type {
			return
		}
	}
	if len(x.types) == maxTypes {
		x.allTypes, x.types = true, nil
		return
	}
	x.types = append(x.types, strings.Clone(ev.Type))
}

// mayMatch reports whether the segment can hold events that q wants.
func (x *segIndex) mayMatch(q *query) bool {
	if x.count == 0 || x.maxTime < q.since || x.minTime >= q.until || x.firstSeq > q.lastSeq ||
		q.after > 0 && x.lastSeq <= q.after {
		return false
	}
	if q.exactSource && x.sources&q.sourceBit == 0 {
		return false
	}
	if q.typePrefix == "" || x.allTypes {
		return true
	}
	for _, t := range x.types {
		if strings.HasPrefix(t, q.typePrefix) {
			return true
		}
	}
	return false
}
