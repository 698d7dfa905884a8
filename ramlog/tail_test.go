package ramlog

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batches records what a writer is given, write by write.
type batches struct {
	bytes.Buffer
	most int
}

func (b *batches) Write(p []byte) (int, error) {
	b.most = max(b.most, len(p))
	return b.Buffer.Write(p)
}

// TestWriteTailIsAppendTail: WriteTail writes what AppendTail appends,
// for a ring alone, one that dropped lines, one with an archive (a
// segment of it unreadable too) and one with a compressed history, and
// in writes of at most a batch.
func TestWriteTailIsAppendTail(t *testing.T) {
	start := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		o     Options
		lines int
		setup func(*Stream)
	}{
		{"ring", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2}, 20, nil},
		{"dropped", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2}, 95, nil},
		{"big ring", Options{Rotate: Rotation{Kind: RotateSize, Size: 256 << 10}, Keep: 3}, 60000, nil},
		{"archive", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2}, 95, func(s *Stream) { archiveOf(s) }},
		{"unreadable", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 1}, 50, func(s *Stream) {
			a := archiveOf(s)
			s.SetSpill(func(p *Spill) {
				a.put(p)
				if p.ID == 1 {
					a.mu.Lock()
					delete(a.data, p.ID) // as a value whose checksum fails
					a.mu.Unlock()
				}
			})
		}},
		{"history", Options{Rotate: Rotation{Kind: RotateSize, Size: 4 << 10}, Keep: 4, RAM: 128 << 10, Compress: CompressGzip}, 3000, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			tt.o.Now, tt.o.Location = c.now, time.UTC
			s, err := New("debug", tt.o)
			require.NoError(t, err)
			defer s.Close()
			if tt.setup != nil {
				tt.setup(s)
			}
			if tt.name == "history" {
				feed(t, s, c, start, time.Second, tt.lines)
			} else {
				for i := range tt.lines {
					s.WriteLine(1, line(i))
				}
			}
			held := int(s.Stats().Lines)
			switch whole := string(s.AppendTail(nil, 1<<20)); tt.name {
			case "dropped":
				assert.Contains(t, whole, " lines dropped\n")
			case "unreadable":
				assert.Contains(t, whole, " lines unreadable: ")
			case "history":
				assert.Positive(t, s.Stats().Blocks)
			}
			for _, n := range []int{0, 1, 3, 10, held - 1, held, held + 1, 60, 1000, 1 << 20} {
				want := s.AppendTail(nil, n)
				var got batches
				written, err := s.WriteTail(&got, n)
				require.NoError(t, err)
				assert.Equal(t, int64(len(want)), written, "n=%d", n)
				if !assert.Equal(t, string(want), got.String(), "n=%d", n) {
					return
				}
				assert.LessOrEqual(t, got.most, followBatch, "n=%d", n)
			}
		})
	}
}

// TestWriteTailHoldsABatch: a tail of a whole 1 MiB ring allocates a
// batch or so, not the ring's worth that AppendTail does.
func TestWriteTailHoldsABatch(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 256 << 10}, Keep: 3})
	require.NoError(t, err)
	defer s.Close()
	pad := strings.Repeat("x", 90)
	for i := range 12000 {
		s.WriteLine(1, fmt.Appendf(nil, "%05d %s\n", i, pad))
	}
	alloc := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	whole := alloc(func() { _ = s.AppendTail(nil, 1<<20) })
	n := int64(0)
	streamed := alloc(func() { n, err = s.WriteTail(io.Discard, 1<<20) })
	require.NoError(t, err)
	assert.Greater(t, n, int64(800<<10))
	assert.Greater(t, whole, uint64(800<<10))
	assert.Less(t, streamed, uint64(2*followBatch), "bytes allocated to write %d", n)
}

// TestWriteTailStopsOnError: the first error of the writer ends the tail.
func TestWriteTailStopsOnError(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 256 << 10}, Keep: 3})
	require.NoError(t, err)
	defer s.Close()
	for i := range 50000 {
		s.WriteLine(1, line(i))
	}
	w := &failing{after: 2}
	n, err := s.WriteTail(w, 1<<20)
	assert.ErrorIs(t, err, io.ErrShortWrite)
	assert.Equal(t, 3, w.calls)
	assert.Greater(t, n, int64(followBatch))
	assert.LessOrEqual(t, n, int64(2*followBatch))
}

// failing takes after writes whole, then fails.
type failing struct{ after, calls int }

func (f *failing) Write(p []byte) (int, error) {
	f.calls++
	if f.calls > f.after {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

// TestWriteTailWhileTheRingMoves: lines the ring gives up while the
// reader takes the tail are told as missed, the rest come in order, and
// none written after the call comes.
func TestWriteTailWhileTheRingMoves(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 64 << 10}, Keep: 1})
	require.NoError(t, err)
	defer s.Close()
	next := 0
	for range 20000 {
		s.WriteLine(1, line(next))
		next++
	}
	var out bytes.Buffer
	_, err = s.WriteTail(writerFunc(func(p []byte) (int, error) {
		for range 20000 { // the writer laps the ring meanwhile
			s.WriteLine(1, line(next))
			next++
		}
		return out.Write(p)
	}), 1<<20)
	require.NoError(t, err)
	last, missed := -1, 0
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var i int
		if _, err := fmt.Sscanf(l, "line %d", &i); err == nil {
			assert.Greater(t, i, last, "in order, once")
			last = i
			continue
		}
		assert.Regexp(t, `^… \d+ lines (missed|dropped)$`, l)
		missed++
	}
	assert.LessOrEqual(t, last, 19999, "no line written after the call")
	assert.Positive(t, missed, "the lines the ring gave up are told")
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
