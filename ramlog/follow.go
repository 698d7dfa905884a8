package ramlog

import (
	"bytes"
	"context"
	"iter"
	"slices"
	"strconv"
)

// follower is one live reader; writers only poke its channel.
type follower struct {
	wake chan struct{}
}

// followBatch bounds the bytes a follower copies per hold of the lock.
const followBatch = 64 << 10

// wake pokes the followers without blocking: a follower that is busy
// already has a poke pending.
func (s *Stream) wake() {
	fs := s.followers.Load()
	if fs == nil {
		return
	}
	for _, f := range *fs {
		select {
		case f.wake <- struct{}{}:
		default:
		}
	}
}

func (s *Stream) addFollower(f *follower) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	var next []*follower
	if cur := s.followers.Load(); cur != nil {
		next = slices.Clone(*cur)
	}
	next = append(next, f)
	s.followers.Store(&next)
}

func (s *Stream) removeFollower(f *follower) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	cur := s.followers.Load()
	if cur == nil {
		return
	}
	next := slices.DeleteFunc(slices.Clone(*cur), func(x *follower) bool { return x == f })
	if len(next) == 0 {
		s.followers.Store(nil)
		return
	}
	s.followers.Store(&next)
}

// Follow returns the lines written from now on, each with its newline, as
// they arrive, until ctx ends or the stream is closed. It never slows
// writers: a follower that falls behind by more than the ring holds skips
// ahead and first gets a "… N lines missed" line. Each line is valid only
// until the loop body returns.
func (s *Stream) Follow(ctx context.Context) iter.Seq[[]byte] { return s.FollowTail(ctx, 0) }

// Mark is a place in a stream: the line written next when it was taken.
type Mark struct {
	pos, rec uint64
	// Written is the stream's Written count at the mark.
	Written uint64
}

// Mark returns the stream's place now, for FollowFrom.
func (s *Stream) Mark() Mark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Mark{pos: s.ring.Tail(), rec: s.ring.TailRec(), Written: s.written}
}

// FollowFrom is Follow starting at m, taken earlier: the lines written
// since then come first (or a "… N lines missed" line for those the ring
// dropped meanwhile).
func (s *Stream) FollowFrom(ctx context.Context, m Mark) iter.Seq[[]byte] {
	return s.follow(ctx, func() (uint64, uint64, int) { return m.pos, m.rec, 0 }, false)
}

// FollowFromChunks is FollowFrom yielding runs of whole lines, as
// FollowTailChunks does: for a reader that batches, such as a shipper.
func (s *Stream) FollowFromChunks(ctx context.Context, m Mark) iter.Seq[[]byte] {
	return s.follow(ctx, func() (uint64, uint64, int) { return m.pos, m.rec, 0 }, true)
}

// FollowTail is Follow starting n lines back, as tail -f does: no line is
// missed or repeated between the two.
func (s *Stream) FollowTail(ctx context.Context, n int) iter.Seq[[]byte] {
	return s.follow(ctx, s.tailStart(n), false)
}

// FollowTailChunks is FollowTail yielding runs of whole lines, as many as
// were waiting (up to 64 KiB), rather than a line at a time: for readers
// that write in bulk, such as a network follower. A "… N lines missed"
// line comes as a chunk of its own.
func (s *Stream) FollowTailChunks(ctx context.Context, n int) iter.Seq[[]byte] {
	return s.follow(ctx, s.tailStart(n), true)
}

// tailStart is where a follower n lines back starts in the ring, and how
// many of the n lines are before it (called with s.mu held).
func (s *Stream) tailStart(n int) func() (uint64, uint64, int) {
	return func() (uint64, uint64, int) {
		pos, rec := s.ring.Tail(), s.ring.TailRec()
		short := 0
		if n > 0 {
			a, b := s.ring.slices(s.ring.Head(), pos)
			start, found := lastLines(a, b, n)
			pos, rec, short = s.ring.Head()+uint64(start), rec-uint64(found), n-found
		}
		return pos, rec, short
	}
}

// historyTail moves a start at pos (record rec) back by up to n lines
// into blocks, a copy of the history's, reading the newest first while
// they go on without a gap.
func (s *Stream) historyTail(blocks []block, pos, rec uint64, n int) (uint64, uint64) {
	for i := len(blocks) - 1; i >= 0 && n > 0; i-- {
		b := &blocks[i]
		if b.End != pos {
			break // a gap: what was before it is lost
		}
		plain, err := b.decode(s.name, nil)
		if err != nil {
			break
		}
		start, found := lastLines(plain, nil, n)
		pos, rec, n = b.Start+uint64(start), b.FirstRec+b.Records-uint64(found), n-found
	}
	return pos, rec
}

// follow runs a follower from the place start gives (called with s.mu
// held).
func (s *Stream) follow(ctx context.Context, start func() (pos, rec uint64, short int), chunks bool) iter.Seq[[]byte] {
	// Where it starts is taken now, not when the sequence is first read:
	// a line written in between (while an HTTP follower sends its
	// headers) is the follower's.
	s.mu.Lock()
	pos, rec, short := start()
	var blocks []block
	if short > 0 && s.hist != nil {
		blocks = slices.Clone(s.hist.blocks)
	}
	s.mu.Unlock()
	return func(yield func([]byte) bool) {
		f := &follower{wake: make(chan struct{}, 1)}
		s.addFollower(f)
		defer s.removeFollower(f)
		pos, rec := pos, rec // the sequence may be read again, from the same start
		if len(blocks) > 0 {
			pos, rec = s.historyTail(blocks, pos, rec, short)
		}
		var buf []byte
		for {
			var missed uint64
			buf, missed, pos, rec = s.read(buf[:0], pos, rec)
			if missed > 0 {
				mark := append([]byte("… "), strconv.FormatUint(missed, 10)...)
				if !yield(append(mark, " lines missed\n"...)) {
					return
				}
			}
			if chunks && len(buf) > 0 {
				if !yield(buf) {
					return
				}
			}
			for rest := buf; len(rest) > 0 && !chunks; {
				i := bytes.IndexByte(rest, '\n') + 1
				if i == 0 {
					i = len(rest)
				}
				if !yield(rest[:i]) {
					return
				}
				rest = rest[i:]
			}
			if len(buf) > 0 && ctx.Err() == nil {
				continue // more may be waiting beyond the batch
			}
			select {
			case <-ctx.Done():
				return
			case <-s.done:
				return
			case <-f.wake:
			}
		}
	}
}

// read copies whole lines from pos (record rec) on, at most about a batch,
// and reports the lines skipped because they were evicted.
func (s *Stream) read(dst []byte, pos, rec uint64) (_ []byte, missed, npos, nrec uint64) {
	s.mu.Lock()
	r := s.ring
	if pos < r.Head() && s.hist != nil {
		if b, in := s.hist.at(pos); b != nil {
			if !in { // lost before b
				missed, pos, rec = b.FirstRec-rec, b.Start, b.FirstRec
			}
			blk := *b
			s.mu.Unlock() // blocks do not change: decompressed without the lock
			return s.readBlock(dst, &blk, missed, pos, rec)
		}
	}
	defer s.mu.Unlock()
	if pos < r.Head() {
		missed = r.HeadRec() - rec
		pos, rec = r.Head(), r.HeadRec()
	}
	end := r.Tail()
	if end-pos > followBatch {
		end = pos + followBatch
	}
	dst = r.AppendRange(dst, pos, end)
	if end != r.Tail() {
		// Stop after the last whole line of the batch; a line longer
		// than the batch goes whole.
		if i := bytes.LastIndexByte(dst, '\n'); i >= 0 {
			dst = dst[:i+1]
		} else {
			dst = r.AppendRange(dst[:0], pos, r.Tail())
			if i := bytes.IndexByte(dst, '\n'); i >= 0 {
				dst = dst[:i+1]
			}
		}
	}
	nrec = rec + uint64(bytes.Count(dst, newline))
	return dst, missed, pos + uint64(len(dst)), nrec
}

// readBlock is read from a block of the history: whole lines from pos
// (record rec) on, about a batch.
func (s *Stream) readBlock(dst []byte, b *block, missed, pos, rec uint64) ([]byte, uint64, uint64, uint64) {
	plain, err := b.decode(s.name, nil)
	if err != nil { // skipped: its lines are missed
		return dst, missed + b.FirstRec + b.Records - rec, b.End, b.FirstRec + b.Records
	}
	p := plain[pos-b.Start:]
	if len(p) > followBatch {
		if i := bytes.LastIndexByte(p[:followBatch], '\n'); i >= 0 {
			p = p[:i+1]
		} else if i := bytes.IndexByte(p, '\n'); i >= 0 {
			p = p[:i+1]
		}
	}
	dst = append(dst, p...)
	return dst, missed, pos + uint64(len(p)), rec + uint64(bytes.Count(p, newline))
}
