package ramlog

import (
	"io"
	"strconv"
)

// WriteTail writes the last n lines held to w, oldest first, as
// AppendTail appends them, but about a batch (64 KiB) at a time: it holds
// a batch, and one archived segment while it reads the archive, rather
// than the whole answer, and the stream's lock only while it copies a
// batch. Lines the ring gives up while w takes the answer are read from
// the history when it holds them; else a "… N lines missed" line stands
// for them. Lines written after the call are left out. It returns the
// bytes written and w's first error, after which it stops.
func (s *Stream) WriteTail(w io.Writer, n int) (int64, error) {
	if n <= 0 {
		return 0, nil
	}
	tw := &tailWriter{w: w}
	s.mu.Lock()
	a, b := s.ring.slices(s.ring.Head(), s.ring.Tail())
	start, found := lastLines(a, b, n)
	pos, rec, end := s.ring.Head()+uint64(start), s.ring.TailRec()-uint64(found), s.ring.Tail()
	arch, oldest, lost := s.arch(), s.ring.Segments()[0].ID, s.ring.Segments()[0].Dropped
	compressed := s.hist != nil
	s.mu.Unlock()
	if found < n {
		var segs []ArchivedSegment
		if arch != nil {
			segs = arch.Archived(oldest)
		}
		if len(segs) > 0 {
			writeArchivedTail(tw, arch, segs, n-found)
			if lost > 0 && compressed {
				tw.write(dropMarker(nil, lost)) // a gap after the history
			}
		} else if lost > 0 {
			tw.write(dropMarker(nil, lost))
		}
	}
	var buf []byte
	for pos < end && tw.err == nil {
		var missed uint64
		buf, missed, pos, rec = s.read(buf[:0], pos, rec)
		if missed > 0 {
			tw.write(missedMarker(missed))
		}
		if len(buf) == 0 {
			break
		}
		if pos > end { // lines written after the call
			buf = buf[:len(buf)-int(min(pos-end, uint64(len(buf))))]
		}
		tw.write(buf)
	}
	return tw.n, tw.err
}

// writeArchivedTail writes the last n lines of segs, oldest first, as
// archivedTail returns them, holding one segment at a time: it reads
// them from the newest to find where the n lines start, then again from
// there.
func writeArchivedTail(tw *tailWriter, a Archive, segs []ArchivedSegment, n int) {
	var buf []byte
	read := func(g ArchivedSegment) []byte {
		b := buf[:0]
		if g.Dropped > 0 {
			b = dropMarker(b, g.Dropped)
		}
		b, err := a.AppendArchived(b, g.Key)
		if err != nil {
			b = unreadable(b, g, err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		buf = b
		return b
	}
	have, first, from, size := 0, len(segs), 0, 0
	for i := len(segs) - 1; i >= 0 && have < n; i-- {
		b := read(segs[i])
		if len(b) == 0 {
			continue
		}
		start, found := lastLines(b, nil, n-have)
		have += found
		first, from, size = i, start, len(b)
	}
	for i := first; i < len(segs) && tw.err == nil; i++ {
		b := read(segs[i])
		if i == first && len(b) == size { // else it changed meanwhile: whole
			b = b[from:]
		}
		tw.write(b)
	}
}

// missedMarker is the in-band line for n lines a reader missed.
func missedMarker(n uint64) []byte {
	return append(strconv.AppendUint([]byte("… "), n, 10), " lines missed\n"...)
}

// tailWriter writes to w a batch at a time, counting the bytes, until
// w's first error.
type tailWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (t *tailWriter) write(p []byte) {
	for len(p) > 0 && t.err == nil {
		k := min(len(p), followBatch)
		var n int
		n, t.err = t.w.Write(p[:k])
		t.n += int64(n)
		p = p[k:]
	}
}
