package persist

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTripAcrossDays(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	s := open(t, Options{Dir: dir, Now: clk.Now})
	type put struct {
		stream string
		id     uint64
		size   int
	}
	days := [][]put{
		{{"debug", 0, 100}, {"access", 0, 5000}, {"debug", 1, 70000}},
		{{"debug", 2, 1 << 20}, {"access", 1, 1}, {"events", 0, 300}},
	}
	for _, day := range days {
		var segs []Segment
		for _, p := range day {
			segs = append(segs, seg(p.stream, p.id, p.size, clk.Now()))
		}
		require.NoError(t, s.PutSegments(segs))
		clk.Add(24 * time.Hour)
	}
	assert.Equal(t, []string{"gwlog-2030-01-01.db", "gwlog-2030-01-02.db"}, files(t, dir), "one file per UTC day")
	assert.Equal(t, []string{"access", "debug", "events"}, s.Streams())
	for _, name := range files(t, dir) {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Zero(t, fi.Mode().Perm()&^FileMode, "%s: mode %v, at most 0640", name, fi.Mode())
	}

	tests := []struct {
		stream string
		ids    []uint64
		files  []string
	}{
		{"debug", []uint64{0, 1, 2}, []string{"gwlog-2030-01-01.db", "gwlog-2030-01-01.db", "gwlog-2030-01-02.db"}},
		{"access", []uint64{0, 1}, []string{"gwlog-2030-01-01.db", "gwlog-2030-01-02.db"}},
		{"events", []uint64{0}, []string{"gwlog-2030-01-02.db"}},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			infos, err := s.Segments(tt.stream)
			require.NoError(t, err)
			require.Equal(t, tt.ids, ids(infos))
			for i, in := range infos {
				assert.Equal(t, tt.files[i], in.File)
				got, err := s.Read(tt.stream, in.ID)
				require.NoError(t, err)
				want := data(tt.stream, in.ID, int(in.Size))
				assert.Equal(t, want, got)
				assert.Equal(t, tt.stream+".log."+string(rune('0'+in.ID)), in.Name)
				assert.Equal(t, in.Last.Add(-time.Minute), in.First)
				assert.Equal(t, time.UTC, in.Last.Location())
			}
		})
	}
	_, err := s.Read("debug", 9)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Read("nope", 0)
	assert.ErrorIs(t, err, ErrNotFound)

	// AppendSegment appends.
	buf, err := s.AppendSegment([]byte("x"), "access", 1)
	require.NoError(t, err)
	assert.Equal(t, append([]byte("x"), data("access", 1, 1)...), buf)
}

// record stands for the event record of Seq seq: the store takes event
// segments as opaque bytes, so any will do.
func record(seq uint64) []byte { return fmt.Appendf(nil, "event %d\n", seq) }

// eventSeg is an event segment of the records of seqs, with their Seq
// range as a caller gives it.
func eventSeg(id uint64, seqs ...uint64) Segment {
	var b []byte
	for _, q := range seqs {
		b = append(b, record(q)...)
	}
	g := Segment{Stream: "events", ID: id, Events: true, Records: uint64(len(seqs)), Last: t0, Data: b}
	if len(seqs) > 0 {
		g.FirstSeq, g.LastSeq = seqs[0], seqs[len(seqs)-1]
	}
	return g
}

func TestReopenContinuesIDsAndSeq(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	o := Options{Dir: dir, Now: clk.Now}
	s, err := Open(o)
	require.NoError(t, err)
	assert.Zero(t, s.NextID("debug"))
	assert.Zero(t, s.LastSeq())
	require.NoError(t, s.PutSegments([]Segment{
		seg("debug", 0, 10, t0), seg("debug", 1, 10, t0),
		eventSeg(0, 1, 2, 3), eventSeg(1, 4, 300),
	}))
	require.NoError(t, s.PutTail(seg("debug", 2, 5, t0)))
	require.NoError(t, s.Close())

	clk.Add(24 * time.Hour)
	s = open(t, o)
	assert.Equal(t, uint64(3), s.NextID("debug"), "the tail's ID counts")
	assert.Equal(t, uint64(2), s.NextID("events"))
	assert.Equal(t, uint64(300), s.LastSeq())
	infos, err := s.Segments("events")
	require.NoError(t, err)
	require.Len(t, infos, 2)
	assert.Equal(t, [2]uint64{1, 3}, [2]uint64{infos[0].FirstSeq, infos[0].LastSeq})
	assert.Equal(t, [2]uint64{4, 300}, [2]uint64{infos[1].FirstSeq, infos[1].LastSeq})
	assert.True(t, infos[0].Events)

	// Counters survive the deletion of the files that held the segments:
	// the newest file carries them.
	require.NoError(t, s.PutSegments([]Segment{seg("access", 7, 10, clk.Now())}))
	require.NoError(t, s.Close())
	clk.Add(30 * 24 * time.Hour)
	s2, err := Open(o)
	require.NoError(t, err)
	assert.Equal(t, []string{"gwlog-2030-02-01.db"}, files(t, dir), "the 1st and 2nd expired; today's file carries the counters")
	require.NoError(t, s2.Close())
	clk.Add(30 * 24 * time.Hour)
	s2 = open(t, o)
	assert.Equal(t, []string{"gwlog-2030-03-03.db"}, files(t, dir), "and again")
	assert.Equal(t, uint64(3), s2.NextID("debug"))
	assert.Equal(t, uint64(8), s2.NextID("access"))
	assert.Equal(t, uint64(300), s2.LastSeq())
	assert.Empty(t, s2.Streams())
}

// TestSeqFromCaller checks that an event segment's Seq range is the one
// its caller gave, whatever its bytes, and that other segments have none.
func TestSeqFromCaller(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now}
	s, err := Open(o)
	require.NoError(t, err)
	ev := Segment{Stream: "events", ID: 0, Events: true, Records: 5, Last: t0, FirstSeq: 5, LastSeq: 9, Data: []byte("no frames here")}
	lines := seg("debug", 0, 10, t0)
	lines.FirstSeq, lines.LastSeq = 100, 200
	require.NoError(t, s.PutSegments([]Segment{ev, lines}))
	assert.Equal(t, uint64(9), s.LastSeq(), "a segment that is not events has no Seq")
	tail := ev
	tail.ID, tail.Tail, tail.FirstSeq, tail.LastSeq = 1, true, 10, 10
	require.NoError(t, s.PutSegments([]Segment{tail}))
	tail.Data, tail.LastSeq = append(tail.Data, " nor here"...), 12
	require.NoError(t, s.PutSegments([]Segment{tail}))
	require.NoError(t, s.Close())

	s = open(t, o)
	assert.Equal(t, uint64(12), s.LastSeq())
	infos, err := s.Segments("events")
	require.NoError(t, err)
	require.Len(t, infos, 2)
	assert.Equal(t, [2]uint64{5, 9}, [2]uint64{infos[0].FirstSeq, infos[0].LastSeq})
	assert.Equal(t, [2]uint64{10, 12}, [2]uint64{infos[1].FirstSeq, infos[1].LastSeq}, "a tail grown by a part")
	infos, err = s.Segments("debug")
	require.NoError(t, err)
	require.Len(t, infos, 1)
	assert.Zero(t, infos[0].FirstSeq)
	assert.Zero(t, infos[0].LastSeq)
}

func TestTails(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	s := open(t, Options{Dir: dir, Now: clk.Now})
	tail := func(id uint64, n int) Segment {
		g := seg("debug", id, n, clk.Now())
		g.Tail = true
		return g
	}
	read := func(id uint64) (Info, []byte) {
		infos, err := s.Segments("debug")
		require.NoError(t, err)
		for _, in := range infos {
			if in.ID == id {
				b, err := s.Read("debug", id)
				require.NoError(t, err)
				return in, b
			}
		}
		t.Fatalf("no segment %d", id)
		return Info{}, nil
	}
	require.NoError(t, s.PutSegments([]Segment{tail(0, 10)}))
	in, b := read(0)
	assert.True(t, in.Tail)
	assert.Len(t, b, 10)

	require.NoError(t, s.PutSegments([]Segment{tail(0, 20)}))
	in, b = read(0)
	assert.True(t, in.Tail)
	assert.Len(t, b, 20, "a later tail replaces the earlier")

	require.NoError(t, s.PutSegments([]Segment{seg("debug", 0, 30, clk.Now())}))
	in, b = read(0)
	assert.False(t, in.Tail)
	assert.Len(t, b, 30, "the seal replaces the tail")

	require.NoError(t, s.PutSegments([]Segment{tail(0, 5)}))
	in, b = read(0)
	assert.False(t, in.Tail, "a tail never replaces a sealed segment")
	assert.Len(t, b, 30)

	// A tail flushed yesterday, sealed today: the seal in today's file
	// wins, and a stale tail of yesterday never shadows it after reopen.
	require.NoError(t, s.PutSegments([]Segment{tail(1, 40)}))
	clk.Add(24 * time.Hour)
	require.NoError(t, s.PutSegments([]Segment{seg("debug", 1, 50, clk.Now()), tail(2, 1)}))
	in, b = read(1)
	assert.False(t, in.Tail)
	assert.Len(t, b, 50)
	assert.Equal(t, "gwlog-2030-01-02.db", in.File)

	// Both in one batch, in either order.
	require.NoError(t, s.PutSegments([]Segment{tail(3, 1), seg("debug", 3, 60, clk.Now()), tail(3, 2)}))
	in, b = read(3)
	assert.False(t, in.Tail)
	assert.Len(t, b, 60)
}

func TestTailSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	o := Options{Dir: dir, Now: clk.Now}
	s, err := Open(o)
	require.NoError(t, err)
	g := seg("debug", 1, 40, t0)
	g.Tail = true
	require.NoError(t, s.PutSegments([]Segment{g}))
	clk.Add(24 * time.Hour)
	require.NoError(t, s.PutSegments([]Segment{seg("debug", 1, 50, clk.Now())}))
	require.NoError(t, s.Close())
	s = open(t, o)
	infos, err := s.Segments("debug")
	require.NoError(t, err)
	require.Len(t, infos, 1)
	assert.False(t, infos[0].Tail, "the sealed copy of today beats yesterday's tail")
	assert.Equal(t, int64(50), infos[0].Size)
}

func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Dir: dir, Now: newClock(t0).Now})
	require.NoError(t, err)
	require.NoError(t, s.PutSegments([]Segment{seg("debug", 0, 100, t0)}))

	// Held by another Store: a clear error within the timeout.
	start := time.Now()
	_, err = Open(Options{Dir: dir, ReadOnly: true, Timeout: 200 * time.Millisecond})
	assert.ErrorIs(t, err, ErrLocked)
	assert.ErrorContains(t, err, "held by another process")
	assert.ErrorContains(t, err, "gwlog-2030-01-01.db")
	assert.Less(t, time.Since(start), time.Second)

	// A second writer is refused the same way.
	_, err = Open(Options{Dir: dir, Timeout: 100 * time.Millisecond, Now: newClock(t0).Now})
	assert.ErrorIs(t, err, ErrLocked)

	require.NoError(t, s.Close())
	ro, err := Open(Options{Dir: dir, ReadOnly: true, Now: newClock(t0).Now})
	require.NoError(t, err)
	defer ro.Close()
	b, err := ro.Read("debug", 0)
	require.NoError(t, err)
	assert.Equal(t, data("debug", 0, 100), b)
	assert.ErrorIs(t, ro.PutSegments([]Segment{seg("debug", 1, 1, t0)}), ErrReadOnly)

	// Two readers at once are fine.
	ro2, err := Open(Options{Dir: dir, ReadOnly: true, Now: newClock(t0).Now})
	require.NoError(t, err)
	require.NoError(t, ro2.Close())
	assert.Equal(t, []string{"gwlog-2030-01-01.db"}, files(t, dir))
}

func TestInvalid(t *testing.T) {
	s := open(t, Options{Dir: t.TempDir(), Now: newClock(t0).Now})
	big := Segment{Stream: "debug", Data: make([]byte, MaxData+1)}
	tests := []struct {
		name string
		seg  Segment
	}{
		{"no stream", Segment{Data: []byte("x")}},
		{"long stream", Segment{Stream: string(make([]byte, 256))}},
		{"long name", Segment{Stream: "debug", Name: string(make([]byte, 1<<16))}},
		{"too big", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.PutSegments([]Segment{seg("debug", 0, 10, t0), tt.seg})
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Empty(t, s.Streams(), "nothing of the batch is written")
		})
	}
	require.NoError(t, s.PutSegments(nil))
	_, err := Open(Options{})
	assert.ErrorIs(t, err, ErrNoDisk)
}

func TestClosed(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.PutSegments([]Segment{seg("debug", 0, 1, t0)}), ErrClosed)
	_, err = s.Read("debug", 0)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = s.Segments("debug")
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, s.Retain(), ErrClosed)
}

func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	s := open(t, Options{Dir: dir, Now: clk.Now, Keep: map[string]time.Duration{"debug": DefaultKeep}})
	var wg sync.WaitGroup
	for w := range 3 {
		stream := []string{"debug", "access", "events"}[w]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range uint64(20) {
				assert.NoError(t, s.PutSegments([]Segment{seg(stream, i, 1000, clk.Now())}))
				if i%5 == 0 {
					clk.Add(7 * time.Hour)
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				infos, err := s.Segments(stream)
				assert.NoError(t, err)
				for _, in := range infos {
					_, err := s.Read(stream, in.ID)
					assert.NoError(t, err)
				}
				s.Stats()
			}
		}()
	}
	wg.Wait()
	for _, stream := range []string{"debug", "access", "events"} {
		infos, err := s.Segments(stream)
		require.NoError(t, err)
		assert.Len(t, infos, 20)
	}
}

func TestStats(t *testing.T) {
	dir := t.TempDir()
	s := open(t, Options{Dir: dir, Now: newClock(t0).Now})
	const n, size = 8, 1 << 20
	for i := range uint64(n) {
		require.NoError(t, s.PutSegments([]Segment{seg("debug", i, size, t0)}))
	}
	st := s.Stats()
	assert.Equal(t, 1, st.Files)
	assert.Equal(t, n, st.Segments)
	assert.Equal(t, uint64(n), st.Puts)
	assert.Equal(t, uint64(n*size), st.DataBytes)
	assert.Equal(t, uint64(n), st.Commits)
	assert.GreaterOrEqual(t, st.Syncs, uint64(2*n))
	assert.Greater(t, st.DiskBytes, int64(n*size))
	assert.Equal(t, int64(DefaultCap), st.Cap)
	if _, ok := processWriteBytes(); ok && st.ProcessWriteBytes > 0 {
		assert.Greater(t, st.WriteAmp, 0.9)
		assert.LessOrEqual(t, st.WriteAmp, 1.3, "1 MiB segments, one a commit")
		t.Logf("write amplification %.3f (%d bytes for %d)", st.WriteAmp, st.ProcessWriteBytes, st.DataBytes)
	}
}

func TestKeepFor(t *testing.T) {
	o := Options{Keep: map[string]time.Duration{"access": time.Hour}}
	assert.Equal(t, time.Hour, o.KeepFor("access"))
	assert.Equal(t, DefaultDebugKeep, o.KeepFor("debug"))
	assert.Equal(t, DefaultKeep, o.KeepFor("events"))
	assert.Equal(t, DefaultKeep, o.KeepFor("error"))
}

func TestErrorsMatch(t *testing.T) {
	err := error(&CorruptionError{File: "f", Stream: "s", ID: 3, Err: errChecksum})
	assert.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorIs(t, err, errChecksum)
	var ce *CorruptionError
	require.True(t, errors.As(errors.Join(errors.New("x"), err), &ce))
	assert.Equal(t, uint64(3), ce.ID)
	assert.Contains(t, err.Error(), "f: stream s segment 3")
}
