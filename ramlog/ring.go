package ramlog

import (
	"fmt"
)

// Segment describes one segment of a Ring: a run of records written
// between two rotations, held contiguously (modulo wrap-around) in the
// ring's buffer. Positions and record numbers are absolute: they count
// from the ring's creation and never repeat.
type Segment struct {
	ID       uint64 // increases by one per segment
	Start    uint64 // absolute byte position of the first byte
	End      uint64 // absolute byte position after the last byte
	FirstRec uint64 // absolute number of the first record
	Records  uint64 // records held
	// Dropped counts the records evicted before this segment while it was
	// the oldest: the gap a reader meets at the ring's head.
	Dropped uint64
	// Period is the start of the time period the segment belongs to, in
	// Unix nanoseconds, for time rotation; Part numbers segments within a
	// period. Both are labels the ring keeps for its owner.
	Period int64
	Part   int
	// First and Last are the times of the first and last record, in Unix
	// nanoseconds; zero while empty.
	First, Last int64
	Sealed      bool
}

// Len returns the segment's size in bytes.
func (g *Segment) Len() int64 { return int64(g.End - g.Start) }

// Ring is a segmented byte ring: a buffer of a fixed size holding records
// in segments, oldest first. Its whole size is reserved from the budget
// when it is made, but its memory is committed as records arrive: the
// buffer starts at 64 KiB and doubles as it fills, up to the size, so
// that an idle ring stays small and a full one never allocates again
// (appending allocates only when the buffer doubles). When a record does
// not fit, whole segments are evicted from the head, oldest first, and
// counted. The ring stores bytes only and knows nothing of lines.
//
// Ring is not safe for concurrent use: its owner (a Stream, or the event
// log) serializes access.
type Ring struct {
	buf        []byte // the bytes held, at their positions modulo len(buf); grows up to size
	size       uint64 // the ring's size: what it holds at most, and what it reserved
	head, tail uint64 // absolute byte positions; tail-head <= len(buf)
	toff       int    // tail's offset in buf, tail % len(buf), kept so that a write divides nothing
	headRec    uint64 // absolute number of the oldest record held
	tailRec    uint64 // absolute number of the next record
	segs       []Segment
	nextID     uint64
	evicted    uint64 // records evicted in all
	budget     *Budget
	released   bool

	// OnEvict, when set, is called with a segment just before its bytes
	// are given up, with the ring still intact, so that it can be spilled.
	// It runs on the writer's goroutine with the owner's lock held (a
	// Stream's, from WriteLine or Reconfigure): it must not call back into
	// the owner, and whatever it blocks on stalls the writers.
	OnEvict func(r *Ring, g *Segment)
}

// firstBuffer is the buffer a ring starts with (or its size, when less).
const firstBuffer = 64 << 10

// maxSegments bounds the segment table, so that a ring fed one-byte
// segments cannot grow its table without end.
const maxSegments = 4096

// NewRing makes a ring of size bytes, reserved from b (nil: no cap); its
// buffer grows as it fills.
func NewRing(size int64, b *Budget) (*Ring, error) {
	if size <= 0 {
		return nil, fmt.Errorf("%w: ring size %d", ErrSize, size)
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("%w: ring size %d does not fit this platform", ErrSize, size)
	}
	if b != nil {
		if err := b.Reserve(size); err != nil {
			return nil, err
		}
	}
	r := &Ring{buf: make([]byte, min(size, firstBuffer)), size: uint64(size), budget: b, segs: make([]Segment, 0, 16)}
	r.open(0, 0)
	return r, nil
}

// Release gives the ring's bytes back to its budget. The ring must not be
// used afterwards. Release is idempotent.
func (r *Ring) Release() {
	if r.released {
		return
	}
	r.released = true
	if r.budget != nil {
		r.budget.Release(int64(r.size))
	}
}

// Cap returns the ring's size in bytes.
func (r *Ring) Cap() int64 { return int64(r.size) }

// Committed returns the bytes of the ring's buffer: what it has grown to.
func (r *Ring) Committed() int64 { return int64(len(r.buf)) }

// reserve grows the buffer, doubling it, so that it holds n bytes (at
// most the ring's size), keeping absolute positions.
func (r *Ring) reserve(n uint64) {
	if n <= uint64(len(r.buf)) || len(r.buf) == int(r.size) {
		return
	}
	grown := uint64(max(len(r.buf), 1))
	for grown < n {
		grown *= 2
	}
	r.moveTo(make([]byte, min(grown, r.size)))
}

// moveTo moves what the ring holds into buf, at least as long, keeping
// absolute positions.
func (r *Ring) moveTo(buf []byte) {
	a, b := r.slices(r.head, r.tail)
	nr := Ring{buf: buf, tail: r.head, toff: int(r.head % uint64(len(buf)))}
	nr.put(a)
	nr.put(b)
	r.buf, r.toff = buf, nr.toff
}

// Len returns the bytes held.
func (r *Ring) Len() int64 { return int64(r.tail - r.head) }

// Records returns the records held.
func (r *Ring) Records() uint64 { return r.tailRec - r.headRec }

// Evicted returns the records evicted since the ring was made.
func (r *Ring) Evicted() uint64 { return r.evicted }

// Head and Tail return the absolute byte positions of the oldest byte held
// and of the next byte to be written; HeadRec and TailRec the same in
// records.
func (r *Ring) Head() uint64    { return r.head }
func (r *Ring) Tail() uint64    { return r.tail }
func (r *Ring) HeadRec() uint64 { return r.headRec }
func (r *Ring) TailRec() uint64 { return r.tailRec }

// Segments returns the segments, oldest first; the last is the open one.
// The slice is the ring's own: valid until the next call that changes it.
func (r *Ring) Segments() []Segment { return r.segs }

// Current returns the open segment.
func (r *Ring) Current() *Segment { return &r.segs[len(r.segs)-1] }

func (r *Ring) open(period int64, part int) {
	r.segs = append(r.segs, Segment{ID: r.nextID, Start: r.tail, End: r.tail, FirstRec: r.tailRec, Period: period, Part: part})
	r.nextID++
}

// Rotate seals the open segment and opens a new one labelled period and
// part. An empty open segment is relabelled instead.
func (r *Ring) Rotate(period int64, part int) {
	cur := r.Current()
	if cur.Records == 0 {
		cur.Period, cur.Part = period, part
		return
	}
	cur.Sealed = true
	if len(r.segs) >= maxSegments {
		r.EvictOldest()
	}
	r.open(period, part)
}

// EvictOldest drops the oldest segment, unless it is the only one, and
// reports whether it did.
func (r *Ring) EvictOldest() bool {
	if len(r.segs) < 2 {
		return false
	}
	g := &r.segs[0]
	if r.OnEvict != nil {
		r.OnEvict(r, g)
	}
	lost := g.Records + g.Dropped
	r.evicted += g.Records
	r.head = g.End
	r.headRec = g.FirstRec + g.Records
	copy(r.segs, r.segs[1:])
	r.segs = r.segs[:len(r.segs)-1]
	r.segs[0].Dropped += lost
	return true
}

// MoveOldest gives up the oldest segment, unless it is the only one,
// without counting its records as evicted or calling OnEvict: its owner
// keeps them elsewhere (a Stream's compressed history). The next segment's
// Dropped stays: the lost lines before the one moved go with it.
func (r *Ring) MoveOldest() {
	if len(r.segs) < 2 {
		return
	}
	g := &r.segs[0]
	r.head = g.End
	r.headRec = g.FirstRec + g.Records
	copy(r.segs, r.segs[1:])
	r.segs = r.segs[:len(r.segs)-1]
}

// prepend puts back g, a sealed segment that ended where the ring's
// oldest starts, with its bytes data, when the ring has room for it and
// its table too; it reports whether it did.
func (r *Ring) prepend(g Segment, data []byte) bool {
	if g.End != r.head || g.FirstRec+g.Records != r.headRec || uint64(len(data)) != g.End-g.Start ||
		r.tail-g.Start > r.size || len(r.segs) >= maxSegments {
		return false
	}
	r.reserve(r.tail - g.Start)
	off := g.Start % uint64(len(r.buf))
	n := copy(r.buf[off:], data)
	copy(r.buf, data[n:])
	g.Sealed = true
	r.segs = append(r.segs, Segment{})
	copy(r.segs[1:], r.segs)
	r.segs[0] = g
	r.head, r.headRec = g.Start, g.FirstRec
	return true
}

// Append writes the record a+b (b may be empty) at time when (Unix ns) to
// the open segment, evicting old segments to make room. A record longer
// than the ring is refused; Append reports whether it was written.
func (r *Ring) Append(when int64, a, b []byte) bool {
	n := uint64(len(a) + len(b))
	size := r.size
	if n == 0 || n > size {
		return false
	}
	r.reserve(r.tail - r.head + n)
	for size-(r.tail-r.head) < n {
		if !r.EvictOldest() {
			// Only the open segment is left and it is too full: seal it
			// so that it can go too.
			cur := r.Current()
			r.Rotate(cur.Period, cur.Part+1)
			if !r.EvictOldest() {
				return false
			}
		}
	}
	r.put(a)
	r.put(b)
	cur := r.Current()
	cur.End = r.tail
	if cur.Records == 0 {
		cur.First = when
	}
	cur.Records++
	cur.Last = when
	r.tailRec++
	return true
}

// put copies p in at the tail. The tail's offset is carried along rather
// than taken modulo the buffer's length: a 64-bit division is a call on
// 32-bit ARM.
func (r *Ring) put(p []byte) {
	off := r.toff
	n := copy(r.buf[off:], p)
	off += n
	if n < len(p) {
		off = copy(r.buf, p[n:])
	}
	if off == len(r.buf) {
		off = 0
	}
	r.toff = off
	r.tail += uint64(len(p))
}

// AppendRange appends the bytes held at absolute positions [from, to) to
// dst. The range must lie within [Head, Tail].
func (r *Ring) AppendRange(dst []byte, from, to uint64) []byte {
	a, b := r.slices(from, to)
	return append(append(dst, a...), b...)
}

// Slices returns the bytes at absolute positions [from, to), clipped to
// what the ring holds, as at most two slices of the ring's own buffer (the
// second when the range wraps around). They are valid until the next
// write: the caller keeps writers out meanwhile.
func (r *Ring) Slices(from, to uint64) ([]byte, []byte) { return r.slices(from, to) }

func (r *Ring) slices(from, to uint64) ([]byte, []byte) {
	if from < r.head {
		from = r.head
	}
	if to > r.tail {
		to = r.tail
	}
	if from >= to {
		return nil, nil
	}
	size := uint64(len(r.buf))
	s, e := from%size, to%size
	if s < e {
		return r.buf[s:e], nil
	}
	return r.buf[s:], r.buf[:e]
}

// charge moves the ring's reservation in the budget from old bytes to
// size: growing reserves the difference (or fails, reserving nothing),
// shrinking releases it.
func (r *Ring) charge(old, size int64) error {
	if r.budget == nil || size == old {
		return nil
	}
	if size > old {
		return r.budget.Reserve(size - old)
	}
	r.budget.Release(old - size)
	return nil
}

// resize makes the ring size bytes, already charged to the budget, moving
// its contents into buf (a new buffer, grown later up to size, or more
// when what is kept needs it), keeping absolute positions (so that
// readers' positions stay valid) and the newest segments that fit. When
// the live segment alone does not fit, trim says where to cut it (at a
// record boundary) and how many records go.
func (r *Ring) resize(size uint64, buf []byte, trim func(start, end, limit uint64) (cut, records uint64)) {
	for r.Len() > int64(size) && r.EvictOldest() {
	}
	if r.Len() > int64(size) {
		g := &r.segs[0] // the live segment, alone and too big
		cut, records := trim(g.Start, g.End, size)
		r.evicted += records
		g.Dropped += records
		g.Start, g.FirstRec, g.Records = cut, g.FirstRec+records, g.Records-records
		r.head, r.headRec = cut, g.FirstRec
	}
	if uint64(len(buf)) < uint64(r.Len()) || uint64(len(buf)) > size {
		buf = make([]byte, min(size, max(uint64(r.Len()), firstBuffer)))
	}
	r.moveTo(buf)
	r.size = size
}
