package ramlog

import (
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func names(s *Stream) []string {
	var out []string
	for _, si := range s.Segments() {
		out = append(out, si.Name)
	}
	return out
}

func line(i int) []byte { return fmt.Appendf(nil, "line %04d\n", i) } // 10 bytes

func TestSizeRotationNamesAndKeep(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2})
	require.NoError(t, err)
	assert.Equal(t, int64(300), s.Stats().Cap, "(keep+1) × size")
	for i := range 25 {
		s.WriteLine(1, line(i))
	}
	assert.Equal(t, []string{"debug.log", "debug.log.1", "debug.log.2"}, names(s))
	segs := s.Segments()
	assert.Equal(t, uint64(5), segs[0].Lines)
	assert.True(t, segs[0].Live)
	assert.Equal(t, uint64(10), segs[1].Lines)
	assert.Equal(t, uint64(10), segs[2].Lines)
	st := s.Stats()
	assert.Equal(t, uint64(25), st.Written)
	assert.Equal(t, uint64(25), st.Lines+st.Drops)
	assert.Equal(t, uint64(0), st.Drops)

	for i := 25; i < 40; i++ {
		s.WriteLine(1, line(i))
	}
	st = s.Stats()
	assert.Equal(t, uint64(10), st.Drops, "debug.log.3 went")
	assert.Equal(t, uint64(40), st.Lines+st.Drops)
	oldest, info, ok := s.AppendFile(nil, "debug.log.2")
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(string(oldest), "… 10 lines dropped\nline 0010\n"), string(oldest))
	assert.Equal(t, int64(len(oldest)), info.Size)
	assert.Equal(t, uint64(10), info.Dropped)
	live, _, ok := s.AppendFile(nil, "debug.log")
	require.True(t, ok)
	assert.Equal(t, "line 0030\nline 0031\nline 0032\nline 0033\nline 0034\nline 0035\nline 0036\nline 0037\nline 0038\nline 0039\n", string(live))
	_, _, ok = s.AppendFile(nil, "debug.log.3")
	assert.False(t, ok)
}

func TestTimeRotationNames(t *testing.T) {
	loc := time.UTC
	c := &clock{t: time.Date(2026, 11, 20, 23, 58, 0, 0, loc)}
	s, err := New("access", Options{Rotate: Rotation{Kind: RotateTime}, Keep: 2, Location: loc, Now: c.now, RAM: 64 << 10})
	require.NoError(t, err)
	days := []time.Time{
		time.Date(2026, 11, 20, 23, 59, 0, 0, loc),
		time.Date(2026, 11, 21, 0, 0, 0, 0, loc),
		time.Date(2026, 11, 22, 12, 0, 0, 0, loc),
		time.Date(2026, 11, 23, 1, 0, 0, 0, loc),
	}
	for d, at := range days {
		c.set(at) // files follow the wall clock
		for i := range 3 {
			s.WriteLine(at.Add(time.Duration(i)*time.Second).UnixNano(), fmt.Appendf(nil, "day %d req %d\n", d, i))
		}
	}
	assert.Equal(t, []string{"access.log", "access.log.2026-11-22", "access.log.2026-11-21"}, names(s))
	st := s.Stats()
	assert.Equal(t, uint64(3), st.Drops, "the 20th is beyond keep 2")
	data, info, ok := s.AppendFile(nil, "access.log.2026-11-21")
	require.True(t, ok)
	assert.Equal(t, "… 3 lines dropped\nday 1 req 0\nday 1 req 1\nday 1 req 2\n", string(data))
	assert.Equal(t, days[1].Add(2*time.Second), info.Last.UTC())
	assert.Equal(t, days[1], info.First.UTC())

	// A line stamped outside the current period stays in it while the
	// clock is in it: a stray time cannot stall or split the files.
	s.WriteLine(days[2].UnixNano(), []byte("late\n"))
	s.WriteLine(time.Date(2038, 1, 1, 0, 0, 0, 0, loc).UnixNano(), []byte("future\n"))
	assert.Equal(t, []string{"day 3 req 2", "late", "future"}, s.Tail(3))
	assert.Equal(t, []string{"access.log", "access.log.2026-11-22", "access.log.2026-11-21"}, names(s))
	// A line without a time takes the clock's.
	c.set(time.Date(2026, 11, 24, 0, 0, 1, 0, loc))
	s.WriteLine(0, []byte("next day"))
	assert.Equal(t, []string{"access.log", "access.log.2026-11-23", "access.log.2026-11-22"}, names(s))
	assert.Equal(t, []string{"next day"}, s.Tail(1))

	// A clock stepped back starts the file of its period again, under a
	// name of its own.
	c.set(days[3])
	s.WriteLine(0, []byte("stepped back"))
	assert.Equal(t, []string{"access.log", "access.log.2026-11-24", "access.log.2026-11-23"}, names(s)[:3])
	c.set(time.Date(2026, 11, 24, 0, 0, 2, 0, loc))
	s.WriteLine(0, []byte("forward again"))
	// The period's files are numbered from the newest, as size rotation's.
	assert.Equal(t, []string{"access.log", "access.log.2026-11-23", "access.log.2026-11-24"}, names(s)[:3])
}

func TestTimeRotationChunksOneBigPeriod(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	s, err := New("access", Options{Rotate: Rotation{Kind: RotateTime}, RAM: 64 << 10, Location: time.UTC, Now: c.now})
	require.NoError(t, err)
	at := c.now().UnixNano()
	for i := range 20000 {
		s.WriteLine(at, line(i))
	}
	assert.Equal(t, []string{"access.log"}, names(s), "one period is one file however it is chunked")
	st := s.Stats()
	assert.LessOrEqual(t, st.Bytes, int64(64<<10))
	assert.Greater(t, st.Bytes, int64(56<<10), "eviction goes by chunks of an eighth")
	assert.Equal(t, uint64(20000), st.Lines+st.Drops)
	data, _, _ := s.AppendFile(nil, "access.log")
	assert.True(t, strings.HasPrefix(string(data), fmt.Sprintf("… %d lines dropped\n", st.Drops)))
	assert.True(t, strings.HasSuffix(string(data), string(line(19999))))
}

func TestBothRotation(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	c := &clock{t: at}
	s, err := New("access", Options{Rotate: Rotation{Kind: RotateBoth, Every: 10 * time.Minute, Size: 30}, Keep: 10, Location: time.UTC, Now: c.now})
	require.NoError(t, err)
	for i := range 7 {
		s.WriteLine(at.UnixNano(), line(i))
	}
	c.set(at.Add(10 * time.Minute))
	s.WriteLine(at.Add(10*time.Minute).UnixNano(), line(7))
	// Files of one period are numbered from the newest, as size
	// rotation numbers them: .1 is the newer of the period's history.
	assert.Equal(t, []string{"access.log", "access.log.2026-11-21_10-00", "access.log.2026-11-21_10-00.1", "access.log.2026-11-21_10-00.2"}, names(s))
	newest, _, ok := s.AppendFile(nil, "access.log.2026-11-21_10-00")
	require.True(t, ok)
	older, _, ok := s.AppendFile(nil, "access.log.2026-11-21_10-00.1")
	require.True(t, ok)
	assert.Equal(t, string(line(6)), string(newest), "the period's newest file")
	assert.Equal(t, string(line(3))+string(line(4))+string(line(5)), string(older))
	b, err := fs.ReadFile(NewFS(func() []*Stream { return []*Stream{s} }), "access.log.2026-11-21_10-00.2")
	require.NoError(t, err)
	assert.Equal(t, string(line(0))+string(line(1))+string(line(2)), string(b), "the oldest")

	// The next period's files shift as they come, as under size rotation.
	for i := 8; i < 14; i++ {
		s.WriteLine(at.Add(10*time.Minute).UnixNano(), line(i))
	}
	assert.Equal(t, []string{"access.log", "access.log.2026-11-21_10-10", "access.log.2026-11-21_10-10.1",
		"access.log.2026-11-21_10-00", "access.log.2026-11-21_10-00.1", "access.log.2026-11-21_10-00.2"}, names(s))
}

func TestNoRotation(t *testing.T) {
	s, err := New("boot", Options{Rotate: Rotation{Kind: RotateNone}, RAM: 40 << 10})
	require.NoError(t, err)
	for i := range 10000 {
		s.WriteLine(1, line(i))
	}
	assert.Equal(t, []string{"boot.log"}, names(s))
	assert.Equal(t, uint64(10000), s.Stats().Lines+s.Stats().Drops)
}

func TestTailAcrossWrapAndMarker(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 50}, Keep: 1})
	require.NoError(t, err)
	assert.Empty(t, s.Tail(5))
	for i := range 13 {
		s.WriteLine(1, line(i))
	}
	assert.Equal(t, []string{"line 0010", "line 0011", "line 0012"}, s.Tail(3))
	all := s.Tail(100)
	assert.Equal(t, "… 5 lines dropped", all[0])
	assert.Equal(t, "line 0005", all[1])
	assert.Len(t, all, 9)
	assert.Empty(t, s.Tail(0))
}

func TestLinesAreNormalised(t *testing.T) {
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 64}, Keep: 5})
	require.NoError(t, err)
	s.WriteLine(1, []byte("no newline"))
	s.WriteLine(1, nil)
	s.WriteLine(1, []byte(strings.Repeat("é", 100)))
	n, err := s.Write([]byte("two\nlines"))
	require.NoError(t, err)
	assert.Equal(t, 9, n)
	tail := s.Tail(10)
	assert.Equal(t, "no newline", tail[0])
	assert.Equal(t, "", tail[1])
	assert.True(t, strings.HasSuffix(tail[2], "…[truncated]"), tail[2])
	assert.LessOrEqual(t, len(tail[2])+1, 64)
	assert.Equal(t, []string{"two", "lines"}, tail[3:])
	assert.Equal(t, uint64(1), s.Stats().Truncated)
}

func TestBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"bad name", Options{}, `stream name "a/b"`},
		{"negative keep", Options{Keep: -2}, "keep: ramlog: invalid size: -2 is negative"},
		{"negative ram", Options{RAM: -5}, "ram: ramlog: invalid size: -5 is negative"},
		{"ram too small", Options{RAM: 1 << 20}, "1048576 bytes cannot hold two segments of 1048576"},
		{"bad period", Options{Rotate: Rotation{Kind: RotateTime, Every: 90 * time.Second}}, "period 1m30s is not whole minutes"},
		{"negative size", Options{Rotate: Rotation{Size: -1}}, "negative size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "s"
			if tt.name == "bad name" {
				name = "a/b"
			}
			_, err := New(name, tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	for _, bad := range []string{"", ".", "..", "a\x00", "x\\y"} {
		_, err := New(bad, Options{})
		assert.Error(t, err, "%q", bad)
	}
}

func TestCloseRefusesAndCounts(t *testing.T) {
	b, err := NewBudget(10 << 20)
	require.NoError(t, err)
	s, err := New("x", Options{Budget: b})
	require.NoError(t, err)
	assert.Equal(t, int64(6<<20), b.Used())
	s.WriteLine(1, []byte("kept"))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.Equal(t, int64(0), b.Used())
	s.WriteLine(1, []byte("refused"))
	st := s.Stats()
	assert.Equal(t, uint64(1), st.Drops)
	assert.Equal(t, st.Written, st.Lines+st.Drops)
	assert.Equal(t, []string{"kept"}, s.Tail(5), "readers keep working")
}

func TestConcurrentWritersCountEveryLine(t *testing.T) {
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 4096}, Keep: 3})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				s.WriteLine(1, fmt.Appendf(nil, "w%d %d\n", w, i))
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	assert.Equal(t, uint64(20000), st.Written)
	assert.Equal(t, uint64(20000), st.Lines+st.Drops)
	assert.LessOrEqual(t, st.Bytes, st.Cap)
}

func TestLinesStayLines(t *testing.T) {
	s, err := New("x", Options{})
	require.NoError(t, err)
	s.WriteLine(1, []byte("a\nb\r\nc\n"))
	n, err := s.Write([]byte("ctl \x1b[31m\x00 bad \xff end\nsecond\r\n"))
	require.NoError(t, err)
	assert.Equal(t, 29, n)
	assert.Equal(t, []string{`a\nb\r\nc`, `ctl \x1b[31m\x00 bad ` + "\ufffd" + ` end`, `second\r`}, s.Tail(10))
	st := s.Stats()
	assert.Equal(t, uint64(3), st.Lines)
	require.NoError(t, s.Reconfigure(Options{RAM: 1 << 10, Rotate: Rotation{Kind: RotateNone}}))
	st = s.Stats()
	assert.Equal(t, st.Written, st.Lines+st.Drops)
}

func TestReconfigureKeepsNamesUnique(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	s, err := New("m", Options{Rotate: Rotation{Kind: RotateSize, Size: 40}, Keep: 20, Location: time.UTC, Now: c.now})
	require.NoError(t, err)
	for i := range 12 {
		c.set(c.now().Add(5 * time.Minute))
		s.WriteLine(0, line(i))
	}
	kinds := []Options{
		{Rotate: Rotation{Kind: RotateBoth, Every: 10 * time.Minute, Size: 40}, Keep: 20},
		{Rotate: Rotation{Kind: RotateTime, Every: 10 * time.Minute}, Keep: 20, RAM: 64 << 10},
		{Rotate: Rotation{Kind: RotateNone}, RAM: 64 << 10},
		{Rotate: Rotation{Kind: RotateTime, Every: time.Hour}, Keep: 20, RAM: 64 << 10},
		{Rotate: Rotation{Kind: RotateSize, Size: 40}, Keep: 20},
	}
	for _, o := range kinds {
		o.Location, o.Now = time.UTC, c.now
		require.NoError(t, s.Reconfigure(o))
		for i := range 3 {
			c.set(c.now().Add(7 * time.Minute))
			s.WriteLine(0, line(100+i))
		}
		got := names(s)
		seen := map[string]bool{}
		for _, n := range got {
			assert.False(t, seen[n], "%s: %q twice in %q", o.Rotate, n, got)
			seen[n] = true
		}
		st := s.Stats()
		assert.Equal(t, st.Written, st.Lines+st.Drops, o.Rotate.String())
	}
}

func TestKeepNone(t *testing.T) {
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 50}, Keep: KeepNone})
	require.NoError(t, err)
	assert.Equal(t, int64(50), s.Stats().Cap)
	for i := range 12 {
		s.WriteLine(1, line(i))
	}
	assert.Equal(t, []string{"x.log"}, names(s), "the live file only")
	assert.Equal(t, 0, s.Keep())
}

func TestHeaderStartsEveryFile(t *testing.T) {
	s, err := New("access", Options{Rotate: Rotation{Kind: RotateSize, Size: 60}, Keep: 3})
	require.NoError(t, err)
	s.SetHeader([]byte("#Version: 1.0\n#Fields: a b\n\x00bad\n"))
	for i := range 6 {
		s.WriteLine(1, line(i))
	}
	for _, name := range names(s) {
		data, _, ok := s.AppendFile(nil, name)
		require.True(t, ok)
		assert.True(t, strings.HasPrefix(string(data), "#Version: 1.0\n#Fields: a b\nline "), "%s: %q", name, data)
	}
	st := s.Stats()
	assert.Equal(t, st.Written, st.Lines+st.Drops)
}

// TestWriteCleanLine: a clean line is written as WriteLine writes it,
// with its newline or without, and counted the same.
func TestWriteCleanLine(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2})
	require.NoError(t, err)
	s.WriteCleanLine(1, []byte("a clean line\n"))
	s.WriteCleanLine(2, []byte("no newline"))
	s.WriteLine(3, []byte("a\nbroken line"))
	assert.Equal(t, []string{"a clean line", "no newline", `a\nbroken line`}, s.Tail(3))
	assert.Equal(t, uint64(3), s.Stats().Written)
}
