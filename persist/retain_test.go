package persist

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetainByAge(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name    string
		streams []string      // written on day 0 (2030-01-01)
		after   time.Duration // from day 0, 12:00
		files   []string      // left, today's (the writer) included
		visible map[string]int
	}{
		{"debug young", []string{"debug"}, 2 * day, []string{"gwlog-2030-01-01.db", "gwlog-2030-01-03.db"}, map[string]int{"debug": 1}},
		{"debug past 48h", []string{"debug"}, 3 * day, []string{"gwlog-2030-01-04.db"}, map[string]int{"debug": 0}},
		{"debug and error, 3 days", []string{"debug", "error"}, 3 * day, []string{"gwlog-2030-01-01.db", "gwlog-2030-01-04.db"},
			map[string]int{"debug": 0, "error": 1}},
		{"debug and error, 14 days", []string{"debug", "error"}, 14 * day, []string{"gwlog-2030-01-01.db", "gwlog-2030-01-15.db"},
			map[string]int{"error": 1}},
		{"debug and error, 15 days", []string{"debug", "error"}, 15 * day, []string{"gwlog-2030-01-16.db"}, map[string]int{"error": 0}},
		{"custom keep", []string{"access"}, 2 * day, []string{"gwlog-2030-01-03.db"}, map[string]int{"access": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			clk := newClock(t0)
			o := Options{Dir: dir, Now: clk.Now, Keep: map[string]time.Duration{"access": time.Hour}}
			s, err := Open(o)
			require.NoError(t, err)
			for _, st := range tt.streams {
				require.NoError(t, s.PutSegments([]Segment{seg(st, 0, 100, clk.Now())}))
			}
			clk.Add(tt.after)
			// Visible at read time before any file goes.
			for st, n := range tt.visible {
				infos, err := s.Segments(st)
				require.NoError(t, err)
				assert.Len(t, infos, n, st)
				if n == 0 {
					_, err := s.Read(st, 0)
					assert.ErrorIs(t, err, ErrNotFound)
				}
			}
			require.NoError(t, s.Close())
			// Reopening starts today's file and applies retention.
			s = open(t, o)
			assert.Equal(t, tt.files, files(t, dir))
			require.NoError(t, s.Retain())
			assert.Equal(t, tt.files, files(t, dir))
		})
	}
}

func TestRetainWhileRunning(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	s := open(t, Options{Dir: dir, Now: clk.Now})
	for i := range uint64(5) {
		require.NoError(t, s.PutSegments([]Segment{seg("debug", i, 100, clk.Now())}))
		clk.Add(24 * time.Hour)
	}
	// The roll-over to a new day retains on its own.
	assert.Equal(t, []string{"gwlog-2030-01-03.db", "gwlog-2030-01-04.db", "gwlog-2030-01-05.db"}, files(t, dir))
	clk.Add(48 * time.Hour)
	require.NoError(t, s.Retain())
	assert.Equal(t, []string{"gwlog-2030-01-05.db"}, files(t, dir), "the file being written stays")
	assert.Equal(t, uint64(4), s.Stats().Deleted)
}

func TestRetainByCap(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	const size = 1 << 20
	o := Options{Dir: dir, Now: clk.Now, Cap: 10 * size}
	s := open(t, o)
	var id uint64
	for range 8 {
		for range 2 {
			require.NoError(t, s.PutSegments([]Segment{seg("events", id, size, clk.Now())}))
			id++
		}
		clk.Add(24 * time.Hour)
	}
	st := s.Stats()
	assert.LessOrEqual(t, st.DiskBytes, int64(o.Cap), "within the budget after every write")
	left := files(t, dir)
	assert.Less(t, len(left), 8)
	assert.Equal(t, "gwlog-2030-01-08.db", left[len(left)-1], "the newest stays")
	// Whole files went, oldest first: what is left is a run of the newest
	// days, and of IDs.
	infos, err := s.Segments("events")
	require.NoError(t, err)
	require.NotEmpty(t, infos)
	for i, in := range infos {
		assert.Equal(t, id-uint64(len(infos))+uint64(i), in.ID)
	}
	for i := 1; i < len(left); i++ {
		assert.Less(t, left[i-1], left[i])
	}
	t.Logf("%d files, %d bytes on disk, ids %d..%d", len(left), st.DiskBytes, infos[0].ID, id-1)

	// A smaller budget on reopen deletes down to it, but never today's
	// file.
	require.NoError(t, s.Close())
	o.Cap = 1
	s = open(t, o)
	assert.Equal(t, []string{"gwlog-2030-01-09.db"}, files(t, dir))
	assert.Equal(t, id, s.NextID("events"))
}

func TestFileSizeParts(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	s := open(t, Options{Dir: dir, Now: clk.Now, FileSize: 3 << 20})
	for i := range uint64(8) {
		require.NoError(t, s.PutSegments([]Segment{seg("debug", i, 1<<20, clk.Now())}))
	}
	got := files(t, dir)
	require.Greater(t, len(got), 1)
	assert.Equal(t, "gwlog-2030-01-01.db", got[0])
	assert.Equal(t, "gwlog-2030-01-01.1.db", got[1])
	infos, err := s.Segments("debug")
	require.NoError(t, err)
	assert.Equal(t, []uint64{0, 1, 2, 3, 4, 5, 6, 7}, ids(infos))
	for _, in := range infos {
		b, err := s.Read("debug", in.ID)
		require.NoError(t, err)
		assert.Equal(t, data("debug", in.ID, 1<<20), b)
	}
	require.NoError(t, s.Close())
	s = open(t, Options{Dir: dir, Now: clk.Now, FileSize: 3 << 20})
	infos, err = s.Segments("debug")
	require.NoError(t, err)
	assert.Len(t, infos, 8)
}

func TestParseName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
		part int
	}{
		{"gwlog-2026-11-21.db", true, 0},
		{"gwlog-2026-11-21.3.db", true, 3},
		{"gwlog-2026-11-21.0.db", false, 0},
		{"gwlog-2026-11-21.03.db", false, 0},
		{"gwlog-2026-11-21.+3.db", false, 0},
		{"gwlog-2026-11-21.db.corrupt-1795219200", false, 0},
		{"gwlog-2026-13-21.db", false, 0},
		{"gwlog-2026-11-21x.db", false, 0},
		{"other.db", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			day, part, ok := parseName(tt.name)
			assert.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, tt.part, part)
				assert.Equal(t, tt.name, fileName(day, part))
			}
		})
	}
}
