package eventlog

import (
	"github.com/gwlog/gwlog/ramlog"
)

// SpillName is the name of the event log's segments as a spill path sees
// them (ramlog.Spill.Name), and the store's stream of event segments: a
// name no stream can have, as stream names are file names.
const SpillName = "/events"

// Archive holds the event log's older segments elsewhere, such as a disk
// store. Query, Series and Scan read it before the ring, for the segments
// older than the ring's oldest, so that the two read as one history
// without duplicates.
type Archive interface {
	// ArchivedEvents lists the archived segments older than the ring's
	// segment before (in the ring's numbering), oldest first.
	ArchivedEvents(before uint64) []ArchivedSegment
	// AppendArchived appends the frames of the segment with key to dst.
	AppendArchived(dst []byte, key uint64) ([]byte, error)
	// ArchivedRing describes the archive's copy of the ring's segment id,
	// for a reader that found it given up after it planned to read it;
	// ok is false when there is none (it was lost).
	ArchivedRing(id uint64) (g ArchivedSegment, ok bool)
}

// ArchivedSegment describes a segment of event frames an Archive holds.
type ArchivedSegment struct {
	Key               uint64
	First, Last       int64 // Unix ns: the earliest and latest event time (see Bounds)
	FirstSeq, LastSeq uint64
}

// SetArchive attaches an archive to the readers; nil detaches it.
func (l *Log) SetArchive(a Archive) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.archive = a
}

// SetSpill makes the log call fn with every segment just before the ring
// gives it up, so that it can be kept elsewhere; nil stops it. fn runs on
// the writer's goroutine with the log's lock held: it must copy quickly,
// never block and never call back into the log.
func (l *Log) SetSpill(fn func(*ramlog.Spill)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.spill = fn
}

// Walk calls fn with each segment held whose ID is from or more, oldest
// first (the compressed history's as blocks, Spill.Gzip), the live one
// last (marked Live), with the log's lock held: fn
// must copy quickly and never call back into the log. It returns the ID of
// the oldest segment held.
func (l *Log) Walk(from uint64, fn func(*ramlog.Spill)) (oldest uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hist != nil {
		for _, b := range l.hist.blocks {
			if b.id >= from {
				p := b.spill()
				fn(&p)
			}
		}
	}
	segs := l.ring.Segments()
	for i := range segs {
		if segs[i].ID >= from {
			p := l.spillOf(&segs[i], i == len(segs)-1)
			fn(&p)
		}
	}
	return l.oldest()
}

// oldest returns the ID of the oldest segment held, compressed or in the
// ring; l.mu is held.
func (l *Log) oldest() uint64 {
	if l.hist != nil && len(l.hist.blocks) > 0 {
		return l.hist.blocks[0].id
	}
	return l.ring.Segments()[0].ID
}

// spillOf describes g; l.mu is held.
func (l *Log) spillOf(g *ramlog.Segment, live bool) ramlog.Spill {
	p := ramlog.Spill{ID: g.ID, Name: SpillName, First: g.First, Last: g.Last, Records: g.Records, Live: live}
	p.A, p.B = l.ring.Slices(g.Start, g.End)
	return p
}

// Bounds describes the valid records among the frames of b, in one
// pass: the Seq of the first and last, and the earliest and latest event
// time (events may carry their own times, so the first and last records
// need not be the time bounds). Key is left zero; FirstSeq is 0 when no
// record is valid.
func Bounds(b []byte) ArchivedSegment {
	var g ArchivedSegment
	framesIn(b, nil, func(_ int64, payload []byte, err error) bool {
		if err != nil {
			return true
		}
		h, err := peek(payload)
		if err != nil || h.seq == 0 {
			return true
		}
		if g.FirstSeq == 0 {
			g.FirstSeq, g.First, g.Last = h.seq, h.time, h.time
		}
		g.LastSeq = h.seq
		g.First, g.Last = min(g.First, h.time), max(g.Last, h.time)
		return true
	})
	return g
}

// SkipTo makes the next event's Seq at least seq+1: a disk that appears
// while the log runs may hold later Seqs than the log has given.
func (l *Log) SkipTo(seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq = max(l.seq, seq)
}

// TimeRange returns the earliest and latest event time among the valid
// records of frames b (0, 0 when none): events may carry their own times,
// so a segment's first and last records need not be its bounds.
func TimeRange(b []byte) (lo, hi int64) {
	first := true
	framesIn(b, nil, func(_ int64, payload []byte, err error) bool {
		if err != nil {
			return true
		}
		h, err := peek(payload)
		if err != nil {
			return true
		}
		if first {
			lo, hi, first = h.time, h.time, false
		}
		lo, hi = min(lo, h.time), max(hi, h.time)
		return true
	})
	return lo, hi
}
