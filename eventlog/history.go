package eventlog

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/gwlog/gwlog/ramlog"
)

// history is the log's sealed segments compressed in RAM, oldest first,
// within the part of the log's RAM the plain ring leaves: the ring keeps
// the live segment and one sealed waiting for the compressor, the budget's
// compressor (a ramlog.Seat) turns the sealed ones into blocks, and the
// index keeps describing them, uncompressed, so that a query decompresses
// only the blocks that can match. Blocks change under l.mu; a block's
// bytes never change once made, so a reader may decompress them after
// releasing the lock.
type history struct {
	blocks  []block
	size    int64 // RAM the blocks take
	cap     int64 // the most they may take
	work    int64 // reserved for the column encoder's buffers
	written int64 // compressed bytes ever added: a block's offset
	evicted uint64
	seat    *ramlog.Seat
	enc     *colEncoder // the compressor goroutine's own
}

// block is a sealed segment compressed: one gzip member (ramlog's block
// format) of its frames turned into columns (DecodeBlock, docs/format.md).
type block struct {
	id          uint64
	first, last int64 // as the ring's segment had them
	records     uint64
	plain       int64
	off         int64 // in written's count
	data        []byte
}

// spill describes b to a spill path.
func (b *block) spill() ramlog.Spill {
	return ramlog.Spill{ID: b.id, Name: SpillName, First: b.first, Last: b.last, Records: b.records,
		Gzip: true, Size: b.plain, A: b.data}
}

// ram returns the RAM b takes: its bytes' allocation.
func (b *block) ram() int64 { return int64(cap(b.data)) }

// decode appends b's frames to dst; a damaged block is a *CorruptionError.
func (b *block) decode(dst []byte) ([]byte, error) {
	out, err := DecodeBlock(dst, b.data, b.plain)
	if err != nil {
		return dst, &CorruptionError{Segment: b.id, Offset: b.off, Err: err}
	}
	return out, nil
}

// DecodeBlock appends the frames of an event block (a ramlog.Spill of the
// event log with Gzip set) to dst; plain bounds what they may take.
func DecodeBlock(dst, block []byte, plain int64) ([]byte, error) {
	cols, err := ramlog.DecodeBlock(nil, block)
	if err != nil {
		return dst, fmt.Errorf("compressed block: %w", err)
	}
	if dst, err = decodeColumns(dst, cols, plain); err != nil {
		return dst, fmt.Errorf("compressed block: %w", err)
	}
	return dst, nil
}

// historyShare is what of ram a log keeps as compressed history: all but
// a plain ring of two segments (the live one, one waiting for the
// compressor) and the column encoder's buffers, when that leaves the
// history room for two segments at least; 0 when the log should stay
// plain.
func historyShare(ram, segment int64) int64 {
	if ram < 8*segment {
		return 0
	}
	return ram - (2+codecMem)*segment
}

// codecMem is the column encoder's buffers, in segments: the columns
// (a little more than the frames at worst), their concatenation and a
// check of them decoded.
const codecMem = 4

// startHistory gives the log a compressed history of size bytes and its
// column encoder, whose buffers may take work bytes, reserving both from
// b, and seats it at b's compressor. The ring is made.
func (l *Log) startHistory(size, work int64, b *ramlog.Budget) error {
	if b != nil {
		if err := b.Reserve(size + work); err != nil {
			return err
		}
	}
	h := &history{cap: size, work: work, enc: newColEncoder()}
	var err error
	l.mu.Lock() // the compressor may look at l as soon as it is seated
	defer l.mu.Unlock()
	if h.seat, err = ramlog.JoinCompressor(b, l.segment, l.compressOldest); err != nil {
		if b != nil {
			b.Release(size + work)
		}
		return err
	}
	l.hist, l.budget = h, b
	return nil
}

// stopHistory leaves the compressor and gives the history's share back,
// keeping the blocks for a last Walk, as the ring keeps its bytes; l.mu
// is not held (the compressor may be waiting for it).
func (l *Log) stopHistory() {
	l.mu.Lock()
	h := l.hist
	l.mu.Unlock()
	if h == nil {
		return
	}
	h.seat.Leave()
	if l.budget != nil {
		l.budget.Release(h.cap + h.work)
	}
}

// compressOldest moves the ring's oldest sealed segment into the history
// and reports whether there was one. It runs on the compressor's
// goroutine: the segment is copied under l.mu, compressed without it, and
// its block kept if the ring still holds the segment (a flood may have
// evicted it meanwhile: it was then counted, and spilled, as without
// compression).
func (l *Log) compressOldest(w *ramlog.Work) bool {
	l.mu.Lock()
	segs := l.ring.Segments()
	if l.closed.Load() || len(segs) < 2 {
		l.mu.Unlock()
		return false
	}
	g := segs[0]
	w.Load(l.ring, &g)
	l.mu.Unlock()
	kept := append([]byte(nil), w.Encode(l.hist.enc.encode(w.Plain()))...) // its size class is what it takes
	l.mu.Lock()
	defer l.mu.Unlock()
	if segs := l.ring.Segments(); !l.closed.Load() && len(segs) > 1 && segs[0].ID == g.ID {
		l.keepBlock(&g, kept)
	}
	return true
}

// keepBlock moves the ring's oldest segment, g, into the history as kept,
// its block, dropping the oldest blocks to make room; l.mu is held.
func (l *Log) keepBlock(g *ramlog.Segment, kept []byte) {
	h := l.hist
	if int64(cap(kept)) > h.cap {
		l.ring.EvictOldest() // no room at all: lost, as without compression
		return
	}
	for h.size+int64(cap(kept)) > h.cap {
		l.dropBlock()
	}
	h.blocks = append(h.blocks, block{id: g.ID, first: g.First, last: g.Last, records: g.Records,
		plain: g.Len(), off: h.written, data: kept})
	h.written += int64(len(kept))
	h.size += int64(cap(kept))
	l.ring.MoveOldest()
}

// dropBlock gives the oldest block to the spill callback and drops it
// with its index entry, counting its events; l.mu is held.
func (l *Log) dropBlock() {
	h := l.hist
	b := h.blocks[0]
	if l.spill != nil {
		p := b.spill()
		l.spill(&p)
	}
	h.blocks[0] = block{}
	h.blocks = h.blocks[1:]
	h.size -= b.ram()
	h.evicted += b.records
	l.unindex(b.id)
}

// unindex removes segment id's index entry, and the entries of segments
// given up plain (away) that it leaves at the front: the archive lists
// those as older than the oldest held. l.mu is held.
func (l *Log) unindex(id uint64) {
	if i, found := l.indexOf(id); found {
		l.index = slices.Delete(l.index, i, i+1)
	}
	n := 0
	for n < len(l.index)-1 && l.index[n].away {
		n++
	}
	l.index = l.index[n:]
}

// indexOf finds segment id's index entry; l.mu is held.
func (l *Log) indexOf(id uint64) (int, bool) {
	return slices.BinarySearchFunc(l.index, id, func(x segIndex, id uint64) int { return cmp.Compare(x.id, id) })
}

// findBlock returns the block of segment id; l.mu is held.
func (h *history) findBlock(id uint64) (block, bool) {
	i, found := slices.BinarySearchFunc(h.blocks, id, func(b block, id uint64) int { return cmp.Compare(b.id, id) })
	if !found {
		return block{}, false
	}
	return h.blocks[i], true
}

// histStats adds the history to st; l.mu is held.
func (l *Log) histStats(st *Stats) {
	h := l.hist
	if h == nil {
		return
	}
	st.Cap += h.cap + h.work
	st.RAM += h.size
	st.Bytes += h.size
	st.Evicted += h.evicted
	st.Blocks = len(h.blocks)
	st.Waiting = len(l.ring.Segments()) - 1
	for i := range h.blocks {
		b := &h.blocks[i]
		st.Plain += b.plain
		st.Held += b.records
		if b.records > 0 && (st.First == 0 || b.first < st.First) {
			st.First = b.first
		}
	}
}
