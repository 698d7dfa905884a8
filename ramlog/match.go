package ramlog

import (
	"bytes"
	"context"
	"io"
	"iter"
	"time"
)

// Match selects the lines WriteMatching and FollowMatching give.
type Match struct {
	// Since and Until (Unix ns; 0: open) bound the lines' times: a segment
	// whose first and last lines were written before Since, or from Until
	// on, is skipped unread (with a millisecond's slack, as lines show
	// times to the millisecond); one whose first line is later than its
	// last (lines stamped out of order) is always read. Line judges the
	// lines of the segments read.
	Since, Until int64
	// Line reports whether a line, without its newline, is wanted; nil
	// takes every line. It is called on one goroutine at a time and must
	// not keep line.
	Line func(line []byte) bool
}

// skips reports whether m rules out every line of a segment written
// from first to last (Unix ns).
func (m *Match) skips(first, last int64) bool {
	const slack = int64(time.Millisecond)
	if first == 0 && last == 0 || first > last {
		return false // no times known, or out of order: read it
	}
	return m.Since != 0 && last+slack < m.Since || m.Until != 0 && first-slack >= m.Until
}

func (m *Match) wants(line []byte) bool { return m.Line == nil || m.Line(line) }

// matchKeep bounds the matching lines WriteMatching keeps from its first
// pass; with more, it reads the segments again instead.
const matchKeep = 256 << 10

// piece is a segment WriteMatching reads: archived (Key), or the ring's
// bytes from start to end.
type piece struct {
	archive     Archive // nil: the ring's
	seg         ArchivedSegment
	start, end  uint64
	first, last int64
	records     uint64
	dropped     uint64 // lines lost before it, said in a line first
}

// WriteMatching writes to w the last n lines that m selects, oldest
// first, from everything the stream holds: the archive (the compressed
// history, then a disk), then the ring, up to the lines written when it
// was called. It reads one segment at a time, skipping those m's times
// rule out, newest first until it has found n lines, then writes them
// from the oldest: it holds a segment and at most matchKeep bytes of
// matching lines (beyond, it reads the segments a second time), and the
// stream's lock only while it copies a segment of the ring. A segment
// the ring gives up meanwhile stands as "… N lines missed"; lines lost
// before a segment, as "… N lines dropped" (m judges these lines too).
// It stops at ctx's end, returning its error, and at w's first error.
func (s *Stream) WriteMatching(ctx context.Context, w io.Writer, n int, m Match) (int64, error) {
	s.mu.Lock()
	upTo := s.ring.Tail()
	s.mu.Unlock()
	return s.writeMatching(ctx, w, n, &m, upTo)
}

// writeMatching is WriteMatching for the lines before position upTo.
func (s *Stream) writeMatching(ctx context.Context, w io.Writer, n int, m *Match, upTo uint64) (int64, error) {
	if n <= 0 {
		return 0, nil
	}
	tw := &tailWriter{w: w}
	pieces := s.pieces(upTo)
	var buf, kept []byte
	var keptFrom []int // kept's offsets where each piece's lines start, newest piece first
	start, skip, need, overflow := len(pieces), 0, n, false
	for i := len(pieces) - 1; i >= 0 && need > 0; i-- {
		if ctx.Err() != nil {
			return tw.n, ctx.Err()
		}
		p := &pieces[i]
		if m.skips(p.first, p.last) {
			continue
		}
		buf = s.readPiece(buf[:0], p)
		found := 0
		from := len(kept)
		for line := range bytes.Lines(buf) {
			if !m.wants(bytes.TrimSuffix(line, newline)) {
				continue
			}
			found++
			if overflow {
				continue
			}
			if kept = append(kept, line...); len(kept) > matchKeep {
				overflow, kept, keptFrom = true, nil, nil
			}
		}
		start, skip = i, max(found-need, 0)
		need -= found
		if !overflow {
			keptFrom = append(keptFrom, from)
			if skip > 0 { // the oldest piece: only its last lines
				at, _ := lastLines(kept[from:], nil, found-skip)
				kept = append(kept[:from], kept[from+at:]...)
			}
		}
	}
	if !overflow {
		for j := len(keptFrom) - 1; j >= 0 && tw.err == nil; j-- {
			end := len(kept)
			if j+1 < len(keptFrom) {
				end = keptFrom[j+1]
			}
			tw.writeLines(kept[keptFrom[j]:end])
		}
		return tw.n, tw.err
	}
	return s.writeAgain(ctx, tw, pieces[start:], skip, m)
}

// writeAgain writes the lines m selects from pieces, read again, but the
// first skip of them.
func (s *Stream) writeAgain(ctx context.Context, tw *tailWriter, pieces []piece, skip int, m *Match) (int64, error) {
	var buf, out []byte
	for i := range pieces {
		if ctx.Err() != nil {
			return tw.n, ctx.Err()
		}
		p := &pieces[i]
		if m.skips(p.first, p.last) {
			continue
		}
		buf = s.readPiece(buf[:0], p)
		for line := range bytes.Lines(buf) {
			if !m.wants(bytes.TrimSuffix(line, newline)) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if out = append(out, line...); len(out) >= followBatch {
				tw.writeLines(out)
				out = out[:0]
			}
		}
		if tw.err != nil {
			return tw.n, tw.err
		}
	}
	tw.writeLines(out)
	return tw.n, tw.err
}

// writeLines writes p, whole lines, about a batch at a time, each write
// whole lines (a line longer than a batch whole), for writers that take
// lines, such as a follower's.
func (t *tailWriter) writeLines(p []byte) {
	for len(p) > 0 && t.err == nil {
		k := len(p)
		if k > followBatch {
			if k = bytes.LastIndexByte(p[:followBatch], '\n') + 1; k == 0 {
				k = bytes.IndexByte(p, '\n') + 1
			}
			if k == 0 {
				k = len(p)
			}
		}
		var n int
		n, t.err = t.w.Write(p[:k])
		t.n += int64(n)
		p = p[k:]
	}
}

// pieces lists what the stream holds before position upTo, oldest
// first: the archive's segments, then the ring's.
func (s *Stream) pieces(upTo uint64) []piece {
	s.mu.Lock()
	segs := s.ring.Segments()
	ring := make([]piece, 0, len(segs))
	for i := range segs {
		g := &segs[i]
		if g.Start >= upTo && i > 0 {
			break
		}
		ring = append(ring, piece{start: g.Start, end: min(g.End, upTo), first: g.First, last: g.Last, records: g.Records})
	}
	a, oldest, lost, compressed := s.arch(), segs[0].ID, segs[0].Dropped, s.hist != nil
	s.mu.Unlock()
	var out []piece
	if a != nil {
		for _, g := range a.Archived(oldest) {
			out = append(out, piece{archive: a, seg: g, first: g.First, last: g.Last, records: g.Records, dropped: g.Dropped})
		}
	}
	if lost > 0 && (len(out) == 0 || compressed) {
		ring[0].dropped = lost // as AppendTail says it
	}
	return append(out, ring...)
}

// readPiece appends p's lines to dst, each ending with a newline: a line
// saying what was lost before it first, if anything was; a line saying
// that it could not be read, or that the ring gave it up, instead of it.
func (s *Stream) readPiece(dst []byte, p *piece) []byte {
	if p.dropped > 0 {
		dst = dropMarker(dst, p.dropped)
	}
	if p.archive != nil {
		b, err := p.archive.AppendArchived(dst, p.seg.Key)
		if err != nil {
			return unreadable(dst, p.seg, err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		return b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.start < s.ring.Head() {
		return append(dst, missedMarker(p.records)...)
	}
	return s.ring.AppendRange(dst, p.start, p.end)
}

// WriteMatchingBefore is WriteMatching for the lines written before
// mark was taken.
func (s *Stream) WriteMatchingBefore(ctx context.Context, w io.Writer, n int, m Match, mark Mark) (int64, error) {
	return s.writeMatching(ctx, w, n, &m, mark.pos)
}

// FollowMatching is FollowTailChunks for the lines m selects: the last n
// of them held (as WriteMatching gives them), then those written from
// then on, as they come, in runs of whole lines. The times of m bound
// only the lines held; Line judges the live ones. A follower too slow
// for the stream gets "… N lines missed" whatever m. A run is valid
// until the loop body returns.
func (s *Stream) FollowMatching(ctx context.Context, n int, m Match) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		mark := s.Mark()
		if n > 0 {
			yw := &yieldWriter{yield: yield}
			if _, err := s.writeMatching(ctx, yw, n, &m, mark.pos); err != nil {
				return
			}
		}
		for run := range s.FollowMatchingFrom(ctx, mark, m) {
			if !yield(run) {
				return
			}
		}
	}
}

// FollowMatchingFrom is FollowMatching from mark on, without the lines
// held before it.
func (s *Stream) FollowMatchingFrom(ctx context.Context, mark Mark, m Match) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		var out []byte
		for chunk := range s.follow(ctx, func() (uint64, uint64, int) { return mark.pos, mark.rec, 0 }, true) {
			if bytes.HasPrefix(chunk, []byte("… ")) && bytes.HasSuffix(chunk, []byte(" lines missed\n")) {
				if !yield(chunk) { // said whatever the Match
					return
				}
				continue
			}
			out = out[:0]
			for line := range bytes.Lines(chunk) {
				if m.wants(bytes.TrimSuffix(line, newline)) {
					out = append(out, line...)
				}
			}
			if len(out) > 0 && !yield(out) {
				return
			}
		}
	}
}

// yieldWriter hands what is written to yield, until it returns false.
type yieldWriter struct {
	yield func([]byte) bool
}

func (y *yieldWriter) Write(p []byte) (int, error) {
	if !y.yield(p) {
		return 0, io.ErrClosedPipe // the reader stopped
	}
	return len(p), nil
}
