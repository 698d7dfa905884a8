package ramlog

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// settled waits until the compressor has taken every sealed segment.
func settled(t testing.TB, s *Stream) {
	t.Helper()
	waitFor(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.comp == nil || len(s.ring.segs) == 1
	})
}

// feed writes n lines stamped from at on, step apart, moving c along;
// with compression it lets the compressor take each sealed segment, so
// that what is held depends on keep, not on the compressor's speed.
func feed(t *testing.T, s *Stream, c *clock, at time.Time, step time.Duration, n int) {
	for i := range n {
		when := at.Add(time.Duration(i) * step)
		c.set(when)
		s.WriteLine(when.UnixNano(), fmt.Appendf(nil, "%s req %05d path='/api/v1/status' took=%dms", when.Format(time.TimeOnly), i, i%97))
		if s.comp != nil && i%50 == 0 {
			settled(t, s)
		}
	}
	if s.comp != nil {
		settled(t, s)
	}
}

// view is everything the readers show of a stream.
type view struct {
	Tails    map[int][]string
	Segments []SegmentInfo
	Files    map[string]string
	FS       map[string]string
	Dir      []string
	Follow   map[int]string
	Walk     string
	Lines    uint64
	Drops    uint64
}

func look(t *testing.T, s *Stream) view {
	v := view{Tails: map[int][]string{}, Files: map[string]string{}, FS: map[string]string{}, Follow: map[int]string{}}
	for _, n := range []int{1, 10, 500, 1 << 20} {
		v.Tails[n] = s.Tail(n)
		var w bytes.Buffer
		_, err := s.WriteTail(&w, n)
		require.NoError(t, err)
		assert.Equal(t, string(s.AppendTail(nil, n)), w.String(), "WriteTail(%d)", n)
	}
	v.Segments = s.Segments()
	for _, si := range v.Segments {
		data, _, ok := s.AppendFile(nil, si.Name)
		require.True(t, ok, si.Name)
		v.Files[si.Name] = string(data)
	}
	fsys := NewFS(func() []*Stream { return []*Stream{s} })
	entries, err := fs.ReadDir(fsys, ".")
	require.NoError(t, err)
	for _, e := range entries {
		info, err := e.Info()
		require.NoError(t, err)
		v.Dir = append(v.Dir, fmt.Sprint(e.Name(), " ", info.Size()))
		data, err := fs.ReadFile(fsys, e.Name())
		require.NoError(t, err)
		v.FS[e.Name()] = string(data)
	}
	st := s.Stats()
	v.Lines, v.Drops = st.Lines, st.Drops
	for _, n := range []int{7, 300, int(st.Lines)} {
		v.Follow[n] = followed(t, s, n)
	}
	var walk bytes.Buffer
	s.Walk(0, func(p *Spill) {
		fmt.Fprintf(&walk, "%d %s %d %d %d %v\n", p.ID, p.Name, p.First, p.Last, p.Records, p.Live)
		data := p.AppendTo(nil)
		if p.Gzip {
			data, err = DecodeBlock(nil, data)
			require.NoError(t, err)
			assert.Equal(t, p.Size, int64(len(data)))
		}
		walk.Write(data)
	})
	v.Walk = walk.String()
	return v
}

// same compares two views field by field, saying where they part.
func same(t *testing.T, off, on view) {
	t.Helper()
	a, b := reflect.ValueOf(off), reflect.ValueOf(on)
	for i := range a.NumField() {
		x, y := fmt.Sprintf("%+v", a.Field(i).Interface()), fmt.Sprintf("%+v", b.Field(i).Interface())
		if x == y {
			continue
		}
		j := 0
		for j < len(x) && j < len(y) && x[j] == y[j] {
			j++
		}
		from := max(j-200, 0)
		t.Errorf("%s differs at %d:\noff: …%s\non:  …%s", a.Type().Field(i).Name, j, x[from:min(j+200, len(x))], y[from:min(j+200, len(y))])
	}
}

// followed is what FollowTail(n) yields before the next line is written.
func followed(t *testing.T, s *Stream, n int) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var out bytes.Buffer
	for chunk := range s.FollowTailChunks(ctx, n) {
		out.Write(chunk)
		if bytes.Count(out.Bytes(), newline) >= n {
			break
		}
	}
	return out.String()
}

// TestCompressedHistoryReadsTheSame feeds the same lines to a stream with
// compression and one without, where keep (not RAM) bounds what both
// hold, and compares everything their readers show.
func TestCompressedHistoryReadsTheSame(t *testing.T) {
	start := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		rot   Rotation
		keep  int
		lines int
		step  time.Duration
	}{
		{"size", Rotation{Kind: RotateSize, Size: 4 << 10}, 4, 3000, time.Second},
		{"time", Rotation{Kind: RotateTime, Every: 10 * time.Minute}, 3, 6000, 2400 * time.Millisecond},
		{"both", Rotation{Kind: RotateBoth, Every: 10 * time.Minute, Size: 4 << 10}, 6, 4000, 300 * time.Millisecond},
		{"none", Rotation{Kind: RotateNone}, 0, 700, time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var views [2]view
			for i, comp := range []Compression{CompressNone, CompressGzip} {
				c := &clock{t: start}
				s, err := New("debug", Options{Rotate: tt.rot, Keep: tt.keep, RAM: 128 << 10, Location: time.UTC, Now: c.now, Compress: comp})
				require.NoError(t, err)
				feed(t, s, c, start, tt.step, tt.lines)
				views[i] = look(t, s)
				if comp == CompressGzip && tt.rot.Kind != RotateNone {
					st := s.Stats()
					assert.Greater(t, st.Blocks, 0)
					assert.Less(t, st.RAM-s.ring.Cap(), st.Plain-s.ring.Len(), "blocks are smaller than their lines")
				}
				require.NoError(t, s.Close())
			}
			if tt.rot.Kind != RotateNone {
				assert.Greater(t, len(views[0].Segments), 1)
			}
			same(t, views[0], views[1])
		})
	}
}

// TestCompressedHistoryOutlivesPlain: where RAM, not keep, bounds what is
// held, compression holds several times the lines.
func TestCompressedHistoryOutlivesPlain(t *testing.T) {
	start := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	var lines [2]uint64
	for i, comp := range []Compression{CompressNone, CompressGzip} {
		c := &clock{t: start}
		s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 8 << 10}, RAM: 128 << 10, Now: c.now, Compress: comp})
		require.NoError(t, err)
		if comp == CompressGzip {
			s.Reconfigure(Options{Rotate: Rotation{Kind: RotateSize, Size: 8 << 10}, Keep: 0, RAM: 128 << 10, Now: c.now, Compress: comp})
		}
		feed(t, s, c, start, time.Second, 40000)
		st := s.Stats()
		lines[i] = st.Lines
		assert.Equal(t, uint64(40000), st.Lines+st.Drops)
		assert.LessOrEqual(t, st.RAM, int64(128<<10))
		assert.Equal(t, fmt.Sprintf("%s req %05d path='/api/v1/status' took=%dms", start.Add(39999*time.Second).Format(time.TimeOnly), 39999, 39999%97), s.Tail(1)[0])
		require.NoError(t, s.Close())
	}
	assert.Greater(t, lines[1], 4*lines[0], "compressed: %d lines, plain %d", lines[1], lines[0])
}

func TestCorruptBlockIsSkipped(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 4 << 10}, Keep: 5, RAM: 64 << 10, Now: c.now, Compress: CompressGzip})
	require.NoError(t, err)
	defer s.Close()
	feed(t, s, c, c.now(), time.Second, 1000)
	s.mu.Lock()
	n := len(s.hist.blocks)
	var id uint64
	var off int64
	if n >= 3 {
		b := &s.hist.blocks[1]
		id, off = b.ID, b.off
		b.data[len(b.data)/2] ^= 0x5a // in the deflate stream
	}
	s.mu.Unlock()
	require.GreaterOrEqual(t, n, 3)

	_, err = s.hist.AppendArchived(nil, id|blockKey)
	var ce *CorruptionError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, CorruptionError{Stream: "debug", Block: id, Offset: off, Err: ce.Err}, *ce)
	assert.ErrorIs(t, err, ErrCorrupt)

	segs := s.Segments()
	bad := segs[len(segs)-2] // debug.log.4: the second oldest
	data, _, ok := s.AppendFile(nil, bad.Name)
	require.True(t, ok)
	assert.Regexp(t, `^… \d+ lines unreadable: ramlog: stream debug block \d+ at offset \d+: ramlog: corrupt block`, string(data))
	for _, si := range segs {
		if si.Name != bad.Name {
			data, _, _ := s.AppendFile(nil, si.Name)
			assert.NotContains(t, string(data), "unreadable", si.Name)
			assert.Equal(t, si.Size, int64(len(data)), si.Name)
		}
	}
	assert.Len(t, s.Tail(1<<20), int(s.Stats().Lines)-int(bad.Lines)+1+1, "every line but the bad block's, a line saying so and the drop marker")
	// A follower starting back from the newest stops at it.
	assert.True(t, strings.HasSuffix(followed(t, s, int(s.Stats().Lines)), s.Tail(1)[0]+"\n"))
}

func TestReconfigureShrinkKeepsNewestHistory(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	b, err := NewBudget(4 << 20)
	require.NoError(t, err)
	o := Options{Rotate: Rotation{Kind: RotateSize, Size: 8 << 10}, RAM: 256 << 10, Now: c.now, Compress: CompressGzip, Budget: b}
	s, err := New("debug", o)
	require.NoError(t, err)
	feed(t, s, c, c.now(), time.Second, 60000)
	before := s.Stats()
	tail := s.Tail(2000)
	o.RAM = 64 << 10
	require.NoError(t, s.Reconfigure(o))
	after := s.Stats()
	assert.Equal(t, int64(64<<10), after.Cap)
	assert.LessOrEqual(t, after.RAM, int64(64<<10))
	assert.Less(t, after.Lines, before.Lines)
	assert.Equal(t, uint64(60000), after.Lines+after.Drops)
	assert.Equal(t, tail, s.Tail(2000), "the newest lines stay")
	assert.Equal(t, before.Last, after.Last)
	assert.Greater(t, after.First, before.First)
	require.NoError(t, s.Close())
	assert.Zero(t, b.Used(), "the ring, the history's share and the compressor's memory go back")
}

// TestCompressedCapHolds floods a stream with 20 times the budget: what
// the budget has reserved never passes it, the stream's RAM never passes
// its share, and every line is held or counted.
func TestCompressedCapHolds(t *testing.T) {
	const ramCap = 2 << 20
	b, err := NewBudget(ramCap)
	require.NoError(t, err)
	o := Options{Rotate: Rotation{Kind: RotateSize, Size: 32 << 10}, RAM: 512 << 10, Compress: CompressGzip, Budget: b}
	s, err := New("debug", o)
	require.NoError(t, err)
	assert.Equal(t, int64(512<<10)+WorkMem(32<<10), b.Used())
	n := 0
	for written := 0; written < 20*ramCap; n++ {
		l := fmt.Appendf(nil, "2026-11-21 09:00:00,%03d INFO svc request %d handled path='/api/v1/status'", n%1000, n)
		s.WriteLine(0, l)
		written += len(l) + 1
		if n%1000 == 0 {
			st := s.Stats()
			require.LessOrEqual(t, b.Used(), b.Limit())
			require.LessOrEqual(t, st.RAM, st.Cap)
		}
	}
	settled(t, s)
	st := s.Stats()
	assert.Equal(t, uint64(n), st.Lines+st.Drops)
	assert.Greater(t, st.Plain, 3*st.Cap, "compressed history holds more than its RAM")
	require.NoError(t, s.Close())
	assert.Zero(t, b.Used())
}

// corpus returns the realistic logs of /tmp/corpus, or skips.
func corpus(tb testing.TB) []byte {
	files, _ := filepath.Glob("/tmp/corpus/*.log")
	if len(files) == 0 {
		tb.Skip("no /tmp/corpus/*.log (real logs, such as loghub's): the ratio is measured on real logs only")
	}
	var all []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(tb, err)
		all = append(all, data...)
	}
	return all
}

// TestHistoryPerByteOfRAM measures the log a stream holds per byte of the
// RAM it takes, on real logs, once its history is full: at least 5. The
// corpus is written over and over; a block never spans a repeat but at
// its wrap.
func TestHistoryPerByteOfRAM(t *testing.T) {
	data := corpus(t)
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 256 << 10}, RAM: 4 << 20, Compress: CompressGzip})
	require.NoError(t, err)
	defer s.Close()
	fill(t, s, data)
	st := s.Stats()
	ratio := float64(st.Plain) / float64(st.Cap)
	t.Logf("%.1f MiB of log in %.1f MiB of RAM (%d blocks, %.1f MiB taken): %.2f bytes of log per byte of RAM",
		float64(st.Plain)/(1<<20), float64(st.Cap)/(1<<20), st.Blocks, float64(st.RAM)/(1<<20), ratio)
	assert.GreaterOrEqual(t, ratio, 5.0)
}

// fill writes data's lines over and over until the stream drops some,
// at the compressor's pace.
func fill(t testing.TB, s *Stream, data []byte) {
	since := 0
	for s.Stats().Drops == 0 {
		for l := range bytes.Lines(data) {
			s.WriteLine(0, l)
			if since += len(l); since > 64<<10 {
				settled(t, s)
				if s.Stats().Drops > 0 {
					return
				}
				since = 0
			}
		}
	}
}

// BenchmarkWriteLine is a line's cost with compression off and on, on
// real logs when /tmp/corpus has them, and the log held per byte of RAM
// once the history is full (log/RAM).
func BenchmarkWriteLine(b *testing.B) {
	var data []byte
	if files, _ := filepath.Glob("/tmp/corpus/*.log"); len(files) > 0 {
		data = corpus(b)
	} else {
		for i := range 20000 {
			data = fmt.Appendf(data, "2026-11-21 09:00:%02d,%03d INFO svc request %d handled path='/api/v1/status' took=%dms\n", i%60, i%1000, i, i%97)
		}
	}
	lines := bytes.SplitAfter(data, newline)
	for _, comp := range []Compression{CompressNone, CompressGzip} {
		o := Options{Rotate: Rotation{Kind: RotateSize, Size: 256 << 10}, RAM: 4 << 20, Compress: comp}
		if comp == CompressNone {
			o.Keep = 15 // as many as the RAM holds, as compression's Keep 0
		}
		b.Run(comp.String(), func(b *testing.B) {
			s, err := New("debug", o)
			require.NoError(b, err)
			defer s.Close()
			b.SetBytes(int64(len(data) / len(lines)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s.WriteLine(0, lines[i%len(lines)])
			}
			b.StopTimer()
			// The history a stream holds at the compressor's pace.
			full, err := New("debug", o)
			require.NoError(b, err)
			defer full.Close()
			fill(b, full, data)
			st := full.Stats()
			b.ReportMetric(float64(st.Plain)/float64(st.Cap), "log/RAM")
		})
	}
}

// TestReconfigureCompression turns compression on and off on a live
// stream: on, sealed segments go to the history; off, the history is
// dropped (counted) and the lines since stay; the budget is given back
// whole at Close.
func TestReconfigureCompression(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	b, err := NewBudget(8 << 20)
	require.NoError(t, err)
	o := Options{Rotate: Rotation{Kind: RotateSize, Size: 8 << 10}, RAM: 128 << 10, Now: c.now, Budget: b}
	s, err := New("debug", o)
	require.NoError(t, err)
	feed(t, s, c, c.now(), time.Second, 1000)
	assert.Equal(t, int64(128<<10), b.Used())

	o.Compress = CompressGzip
	require.NoError(t, s.Reconfigure(o))
	assert.Equal(t, int64(128<<10)+WorkMem(8<<10), b.Used())
	feed(t, s, c, c.now(), time.Second, 5000)
	st := s.Stats()
	assert.Greater(t, st.Blocks, 0)
	assert.Equal(t, uint64(6000), st.Lines+st.Drops)
	tail := s.Tail(100)

	o.Compress = CompressNone
	require.NoError(t, s.Reconfigure(o))
	st = s.Stats()
	assert.Zero(t, st.Blocks)
	assert.Equal(t, uint64(6000), st.Lines+st.Drops)
	assert.Equal(t, int64(128<<10), b.Used())
	assert.Equal(t, tail, s.Tail(100), "the newest lines stay")
	require.NoError(t, s.Close())
	assert.Zero(t, b.Used())
}

// TestNewStreamJoinsABusyCompressor makes compressed streams while the
// budget's compressor is busy with another's segments: the compressor
// may look at a new stream as soon as it is registered (run with -race).
func TestNewStreamJoinsABusyCompressor(t *testing.T) {
	b, err := NewBudget(64 << 20)
	require.NoError(t, err)
	o := Options{Rotate: Rotation{Kind: RotateSize, Size: 8 << 10}, RAM: 256 << 10, Compress: CompressGzip, Budget: b}
	busy, err := New("busy", o)
	require.NoError(t, err)
	defer busy.Close()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		line := []byte("2026-11-21 23:37:17,123 WARNING svc request handled path='/api/v1/status'")
		for {
			select {
			case <-stop:
				return
			default:
				busy.WriteLine(0, line)
			}
		}
	}()
	for i := range 20 {
		s, err := New(fmt.Sprintf("new%d", i), o)
		require.NoError(t, err)
		s.WriteLine(0, []byte("one line"))
		require.NoError(t, s.Close())
	}
	close(stop)
	<-done
	// The flood may have evicted every segment before the compressor took
	// it: one more, sealed and left alone, it takes.
	for range (8<<10)/50 + 1 {
		busy.WriteLine(0, []byte("2026-11-21 23:37:18,000 INFO svc one more segment"))
	}
	require.Eventually(t, func() bool { return busy.Stats().Blocks > 0 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, busy.Stats().Written, busy.Stats().Lines+busy.Stats().Drops)
}
