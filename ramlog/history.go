package ramlog

import (
	"sync"
)

// history is a stream's sealed segments compressed in RAM, oldest first,
// within the part of the stream's RAM share the plain ring leaves. It is
// the stream's Archive for readers and chains to the one SetArchive
// attaches (a disk's): that one for what the history no longer holds.
//
// Blocks change under the stream's lock and h.mu both; readers holding
// the stream's lock read them without h.mu, others take h.mu. A block's
// bytes never change once made. h.mu is a leaf: nothing is called under
// it.
type history struct {
	name string // the stream's, for errors
	mu   sync.Mutex
	// guarded by mu (and the stream's lock for changes)
	blocks  []block
	size    int64   // RAM the blocks take
	cap     int64   // the most they may take
	written int64   // compressed bytes ever added: a block's offset
	ext     Archive // older segments elsewhere; nil: none
	evicted uint64  // records dropped with their blocks
}

// block is a sealed segment compressed: its metadata as the ring had it
// and its bytes, one gzip member.
type block struct {
	ID          uint64
	Name        string // as Spill.Name
	Period      int64
	Part        int
	First, Last int64
	Records     uint64
	Dropped     uint64 // lines lost before it while it was the oldest
	Start, End  uint64 // the ring's absolute positions of its plain bytes
	FirstRec    uint64
	off         int64 // in h.written's count
	data        []byte
}

// plain returns the plain size of b.
func (b *block) plain() int64 { return int64(b.End - b.Start) }

// blockKey tells the history's archive keys from those of the archive it
// chains to.
const blockKey = 1 << 63

// ram returns the RAM b takes: its bytes' allocation.
func (b *block) ram() int64 { return int64(cap(b.data)) }

// Archived implements Archive: the blocks older than before, and the
// chained archive's segments older than the oldest block or in the gaps
// between blocks (segments the ring evicted plain, before the compressor
// took them).
func (h *history) Archived(before uint64) []ArchivedSegment {
	h.mu.Lock()
	var out []ArchivedSegment
	var ids []uint64
	for i := range h.blocks {
		b := &h.blocks[i]
		if b.ID >= before {
			break
		}
		ids = append(ids, b.ID)
		out = append(out, ArchivedSegment{Key: b.ID | blockKey, Name: b.Name, First: b.First, Last: b.Last,
			Records: b.Records, Size: b.plain(), Dropped: b.Dropped})
	}
	ext := h.ext
	h.mu.Unlock()
	if ext == nil {
		return out
	}
	all := ext.Archived(before)
	if len(all) == 0 {
		return out
	}
	if len(ids) == 0 {
		return all
	}
	// ext lists in ID order: what it holds below x is a prefix of all.
	below := func(x uint64) int { return min(len(ext.Archived(x)), len(all)) }
	merged := append([]ArchivedSegment(nil), all[:below(ids[0])]...)
	for i, id := range ids {
		out[i].Dropped = 0 // what the history gave up is on ext
		merged = append(merged, out[i])
		next := before
		if i+1 < len(ids) {
			next = ids[i+1]
		}
		if next > id+1 {
			merged = append(merged, all[below(id+1):below(next)]...)
		}
	}
	return merged
}

// AppendArchived implements Archive: a block decompressed, or a segment
// of the chained archive. A damaged block fails with a *CorruptionError.
func (h *history) AppendArchived(dst []byte, key uint64) ([]byte, error) {
	if key&blockKey == 0 {
		h.mu.Lock()
		ext := h.ext
		h.mu.Unlock()
		if ext == nil {
			return dst, errBlockGone
		}
		return ext.AppendArchived(dst, key)
	}
	b, ok := h.find(key &^ blockKey)
	if !ok {
		return dst, errBlockGone
	}
	return b.decode(h.name, dst)
}

// find returns the block of segment id.
func (h *history) find(id uint64) (block, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.blocks {
		if h.blocks[i].ID == id {
			return h.blocks[i], true
		}
	}
	return block{}, false
}

// decode appends b's plain bytes to dst.
func (b *block) decode(stream string, dst []byte) ([]byte, error) {
	out, err := DecodeBlock(dst, b.data)
	if err != nil {
		return dst, &CorruptionError{Stream: stream, Block: b.ID, Offset: b.off, Err: err}
	}
	return out, nil
}

// setExt chains ext.
func (h *history) setExt(ext Archive) {
	h.mu.Lock()
	h.ext = ext
	h.mu.Unlock()
}

// add appends b; the stream's lock is held and room was made.
func (h *history) add(b block) {
	h.mu.Lock()
	b.off = h.written
	h.written += int64(len(b.data))
	h.blocks = append(h.blocks, b)
	h.size += b.ram()
	h.mu.Unlock()
}

// dropOldest removes the oldest block and returns it; its lost lines go
// to the next block's Dropped, or, when it was the last, are returned as
// lost for the ring's oldest. The stream's lock is held.
func (h *history) dropOldest() (b block, lost uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b = h.blocks[0]
	copy(h.blocks, h.blocks[1:])
	h.blocks[len(h.blocks)-1] = block{}
	h.blocks = h.blocks[:len(h.blocks)-1]
	h.size -= b.ram()
	h.evicted += b.Records
	lost = b.Records + b.Dropped
	if len(h.blocks) > 0 {
		h.blocks[0].Dropped += lost
		lost = 0
	}
	return b, lost
}

// find the block holding absolute position pos, or the first after it;
// the stream's lock is held.
func (h *history) at(pos uint64) (*block, bool) {
	for i := range h.blocks {
		b := &h.blocks[i]
		if pos < b.End {
			return b, pos >= b.Start
		}
	}
	return nil, false
}

// startHistory gives s, a new stream, a history of st's share and a
// compressor, charging the share to the budget. s.mu is taken to install
// them: the compressor, shared with other streams, may look at s as soon
// as s is registered.
func (s *Stream) startHistory(st settings) error {
	if s.budget != nil {
		if err := s.budget.Reserve(st.histCap()); err != nil {
			return err
		}
	}
	c, _, err := compressorFor(s.budget, s, st.chunk, 0)
	if err != nil {
		if s.budget != nil {
			s.budget.Release(st.histCap())
		}
		return err
	}
	s.mu.Lock()
	s.hist = &history{name: s.name, cap: st.histCap(), ext: s.archive}
	s.comp = c
	s.mu.Unlock()
	return nil
}

// compressOne moves the oldest sealed segment of the ring into the
// history, and reports whether there was one. It runs on c's goroutine:
// the segment is copied under s.mu a piece at a time (copyPiece), so
// that a writer waits for one piece at most, compressed without the
// lock, and its block kept if the ring still holds the segment (a flood
// may have evicted it meanwhile: it was then counted, and spilled, as
// without compression).
func (s *Stream) compressOne(c *compressor) bool {
	s.mu.Lock()
	if !s.compressible() {
		s.mu.Unlock()
		return false
	}
	g := s.ring.segs[0]
	c.in = c.in[:0]
	for pos := g.Start; pos < g.End; {
		next := min(pos+copyPiece, g.End)
		c.in = s.ring.AppendRange(c.in, pos, next)
		if pos = next; pos < g.End {
			s.mu.Unlock()
			s.mu.Lock()
			if !s.compressible() || s.ring.segs[0].ID != g.ID {
				s.mu.Unlock()
				return true // evicted meanwhile
			}
		}
	}
	s.mu.Unlock()
	kept := append([]byte(nil), c.enc.encode(c.in, nil)...) // its size class is what it takes
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.compressible() && s.ring.segs[0].ID == g.ID {
		s.keepBlock(kept)
	}
	return true
}

// copyPiece is how much of a segment the compressor copies per hold of
// the stream's lock.
const copyPiece = 32 << 10

// compressible reports whether the ring holds a sealed segment for the
// history; s.mu is held.
func (s *Stream) compressible() bool {
	return !s.closed && s.hist != nil && len(s.ring.segs) > 1
}

// keepBlock moves the ring's oldest segment into the history as kept,
// its block, dropping the history's oldest blocks to make room; s.mu is
// held.
func (s *Stream) keepBlock(kept []byte) {
	if int64(cap(kept)) > s.hist.cap {
		s.ring.EvictOldest() // no room at all: lost, as without compression
		return
	}
	for s.hist.size+int64(cap(kept)) > s.hist.cap {
		s.dropBlock()
	}
	g := &s.ring.segs[0]
	s.hist.add(block{ID: g.ID, Name: s.spillName(g), Period: g.Period, Part: g.Part, First: g.First, Last: g.Last,
		Records: g.Records, Dropped: g.Dropped, Start: g.Start, End: g.End, FirstRec: g.FirstRec, data: kept})
	s.ring.MoveOldest()
}

// dropBlock gives the history's oldest block to the spill callback and
// drops it, counting its lines; s.mu is held.
func (s *Stream) dropBlock() {
	b := &s.hist.blocks[0]
	if s.spillFn != nil {
		p := Spill{ID: b.ID, Name: b.Name, First: b.First, Last: b.Last, Records: b.Records, Gzip: true, Size: b.plain(), A: b.data}
		s.spillFn(&p)
	}
	if _, lost := s.hist.dropOldest(); lost > 0 {
		s.ring.segs[0].Dropped += lost
	}
}

// dropHistoryFile drops the oldest file of the history: its blocks, and
// the ring's segments that go on with it; s.mu is held.
func (s *Stream) dropHistoryFile() {
	name := s.hist.blocks[0].Name
	s.dropBlock()
	if s.perSegment() {
		return
	}
	for len(s.hist.blocks) > 0 && s.hist.blocks[0].Name == name {
		s.dropBlock()
	}
	for len(s.hist.blocks) == 0 && len(s.ring.segs) > 1 && s.spillName(&s.ring.segs[0]) == name {
		s.ring.EvictOldest()
	}
}

// spillName is the file name of g that stays over time (Spill.Name); s.mu
// is held.
func (s *Stream) spillName(g *Segment) string {
	if s.rot.timed() {
		return s.fileName(g, 0, false)
	}
	return s.base
}

// dropHistory puts the newest blocks back into the ring, plain, while it
// has room for them, drops the others, oldest first, and stops
// compressing; s.mu is held, and the caller gives the history's share
// back. It returns the compressor to leave, once s.mu is released.
func (s *Stream) dropHistory() *compressor {
	for n := len(s.hist.blocks); n > 0; n-- {
		b := &s.hist.blocks[n-1]
		plain, err := b.decode(s.name, nil)
		if err != nil {
			break
		}
		g := Segment{ID: b.ID, Start: b.Start, End: b.End, FirstRec: b.FirstRec, Records: b.Records,
			Dropped: s.ring.segs[0].Dropped + b.Dropped, Period: b.Period, Part: b.Part, First: b.First, Last: b.Last}
		if !s.ring.prepend(g, plain) {
			break
		}
		s.ring.segs[1].Dropped = 0 // the lost lines are before the one put back
		s.hist.mu.Lock()
		s.hist.size -= b.ram()
		s.hist.blocks = s.hist.blocks[:n-1]
		s.hist.mu.Unlock()
	}
	for len(s.hist.blocks) > 0 {
		s.dropBlock()
	}
	s.ring.evicted += s.hist.evicted // counted with the ring's from now on
	c := s.comp
	s.hist, s.comp = nil, nil
	return c
}
