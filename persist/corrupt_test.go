package persist

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// flip overwrites the byte at off of file with its complement.
func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, off)
	require.NoError(t, err)
	b[0] ^= 0xff
	_, err = f.WriteAt(b, off)
	require.NoError(t, err)
}

// find returns the only offset of pattern in the file at path.
func find(t *testing.T, path string, pattern []byte) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, 1, bytes.Count(b, pattern), "the pattern is in the file once")
	return int64(bytes.Index(b, pattern))
}

func TestCorruptValue(t *testing.T) {
	const n = 9000
	tests := []struct {
		name string
		off  int64 // from the start of the value's header
	}{
		{"magic", 0},
		{"version", 1},
		{"flags", 2},
		{"length", 4},
		{"crc", 9},
		{"first data byte", headerSize},
		{"middle", headerSize + n/2},
		{"last data byte", headerSize + n - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Dir: dir, Now: newClock(t0).Now}
			s, err := Open(o)
			require.NoError(t, err)
			require.NoError(t, s.PutSegments([]Segment{seg("debug", 0, n, t0), seg("debug", 1, n, t0), seg("debug", 2, n, t0)}))
			require.NoError(t, s.Close())

			path := filepath.Join(dir, "gwlog-2030-01-01.db")
			flip(t, path, find(t, path, data("debug", 1, n))-headerSize+tt.off)

			s = open(t, o)
			assert.Empty(t, s.Recovered(), "bbolt does not see inside values: the file passes its check")
			_, err = s.Read("debug", 1)
			var ce *CorruptionError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, CorruptionError{File: "gwlog-2030-01-01.db", Stream: "debug", ID: 1, Err: ce.Err}, *ce)
			assert.ErrorIs(t, err, ErrCorrupt)
			for _, id := range []uint64{0, 2} {
				b, err := s.Read("debug", id)
				require.NoError(t, err, "the other values read")
				assert.Equal(t, data("debug", id, n), b)
			}
			assert.Equal(t, uint64(1), s.Stats().Corrupt)
			require.NoError(t, s.PutSegments([]Segment{seg("debug", 3, 10, t0)}), "and the store goes on")
		})
	}
}

func TestCorruptInfo(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now}
	s, err := Open(o)
	require.NoError(t, err)
	segs := []Segment{seg("debug", 0, 100, t0), seg("debug", 1, 100, t0), seg("debug", 2, 100, t0)}
	require.NoError(t, s.PutSegments(segs))
	require.NoError(t, s.Close())

	path := filepath.Join(dir, "gwlog-2030-01-01.db")
	in := segs[1].info()
	flip(t, path, find(t, path, appendInfo(nil, &in))+20) // records

	s = open(t, o)
	infos, err := s.Segments("debug")
	assert.Equal(t, []uint64{0, 2}, ids(infos))
	var ce *CorruptionError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, uint64(1), ce.ID)
	assert.Equal(t, "gwlog-2030-01-01.db", ce.File)
	assert.ErrorIs(t, err, errChecksum)
	_, err = s.Segments("access")
	assert.NoError(t, err, "other streams are not concerned")
	assert.Equal(t, uint64(1), s.Stats().Corrupt, "the info left out is counted, though no value was read")
	require.NoError(t, s.Close())

	ro, err := Open(Options{Dir: dir, ReadOnly: true, Now: o.Now})
	require.NoError(t, err)
	defer ro.Close()
	assert.Equal(t, uint64(1), ro.Stats().Corrupt, "and by an offline reader, which reads nothing")
}

// fileDamage is a way TestCorruptFiles damages a store file at path, and
// whether its one segment is salvaged.
type fileDamage struct {
	name     string
	damage   func(t *testing.T, path string)
	salvaged bool
}

// fileDamages are the damages TestCorruptFiles makes. Cut in half, the
// segment's value is cut, and the pages that say which segment it was
// (written after it) are gone.
func fileDamages() []fileDamage {
	return []fileDamage{
		{"garbage", writeGarbage, false},
		{"truncated to half", truncateUsed(0.5), false},
		{"truncated to 100 bytes", func(t *testing.T, path string) { require.NoError(t, os.Truncate(path, 100)) }, false},
		{"truncated to nothing", func(t *testing.T, path string) { require.NoError(t, os.Truncate(path, 0)) }, false},
		{"truncated by a page", truncateUsed(0.99), true},
		{"truncated to 9000 bytes", func(t *testing.T, path string) { require.NoError(t, os.Truncate(path, 9000)) }, false},
		{"meta pages zeroed", zeroMeta, true},
	}
}

// writeGarbage replaces the file at path with 64 KiB of random bytes.
func writeGarbage(t *testing.T, path string) {
	b := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	require.NoError(t, os.WriteFile(path, b, 0o640))
}

// truncateUsed cuts the file to frac of the pages bbolt uses (the file
// may be longer: bbolt grows it ahead).
func truncateUsed(frac float64) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		db, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true})
		require.NoError(t, err)
		var used int64
		require.NoError(t, db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil }))
		require.NoError(t, db.Close())
		require.NoError(t, os.Truncate(path, int64(float64(used)*frac)))
	}
}

// zeroMeta zeroes the file's two meta pages.
func zeroMeta(t *testing.T, path string) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(make([]byte, 8192), 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func TestCorruptFiles(t *testing.T) {
	damages := fileDamages()
	for _, target := range []int{1, 2} { // an older day's file, today's
		for _, d := range damages {
			t.Run(d.name+map[int]string{1: " (older file)", 2: " (today's file)"}[target], func(t *testing.T) {
				leakcheck.Check(t, time.Second) // bbolt's checks end, even of a broken file
				dir := t.TempDir()
				clk := newClock(t0)
				o := Options{Dir: dir, Now: clk.Now}
				s, err := Open(o)
				require.NoError(t, err)
				for day := range uint64(3) {
					require.NoError(t, s.PutSegments([]Segment{seg("error", day, 300<<10, clk.Now())}))
					if day < 2 {
						clk.Add(24 * time.Hour)
					}
				}
				require.NoError(t, s.Close())
				name := fileName(dayOf(clk.Now()).Add(time.Duration(target-2)*24*time.Hour), 0)
				d.damage(t, filepath.Join(dir, name))

				s = open(t, o)
				rec := s.Recovered()
				require.Len(t, rec, 1)
				assert.ErrorIs(t, rec[0], ErrCorrupt)
				assert.Contains(t, rec[0].Error(), name)
				left := files(t, dir)
				aside := left[len(left)-1]
				assert.True(t, strings.HasPrefix(aside, name+".corrupt-"), "renamed aside: %v", left)
				assert.Contains(t, rec[0].Error(), aside)
				assert.Contains(t, left, "gwlog-2030-01-03.db", "today's file, fresh when it was the one damaged")
				var se *SalvageError
				require.ErrorAs(t, rec[0], &se)
				assert.Equal(t, name, se.File)
				assert.Equal(t, aside, se.Aside)

				infos, err := s.Segments("error")
				require.NoError(t, err)
				var want []uint64
				for id := range uint64(3) {
					if id != uint64(target) || d.salvaged {
						want = append(want, id)
					}
				}
				if d.salvaged {
					assert.Equal(t, 1, se.Segments, "the segment is salvaged")
					assert.Equal(t, name, se.Into)
					assert.Contains(t, left, name, "into a fresh file of the same name")
				} else {
					assert.Zero(t, se.Segments)
					assert.Empty(t, se.Into)
				}
				assert.Equal(t, want, ids(infos), "everything else still reads")
				for _, id := range want {
					b, err := s.Read("error", id)
					require.NoError(t, err)
					assert.Equal(t, data("error", id, 300<<10), b)
				}
				require.NoError(t, s.PutSegments([]Segment{seg("error", 3, 10, clk.Now())}))
				assert.Equal(t, uint64(4), s.NextID("error"))
				assert.Equal(t, uint64(1), s.Stats().Recovered)
			})
		}
	}
}

func TestCorruptReadOnly(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gwlog-2030-01-01.db"), []byte("not a database at all, not even close to a page"), 0o640))
	s, err := Open(Options{Dir: dir, ReadOnly: true})
	require.NoError(t, err)
	defer s.Close()
	rec := s.Recovered()
	require.Len(t, rec, 1)
	assert.ErrorIs(t, rec[0], ErrCorrupt)
	assert.Contains(t, rec[0].Error(), "skipped")
	assert.Equal(t, []string{"gwlog-2030-01-01.db"}, files(t, dir), "a reader renames nothing")
	assert.True(t, errors.Is(s.PutSegments([]Segment{seg("debug", 0, 1, t0)}), ErrReadOnly))
}

// TestUnbornFile: a process killed between bbolt's creating today's file
// and create's first commit leaves a file with no bucket. It held
// nothing: Open removes it without calling it corrupt, and today's file
// is made afresh. A read-only store skips it.
func TestUnbornFile(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	o := Options{Dir: dir, Now: clk.Now}
	s, err := Open(o)
	require.NoError(t, err)
	require.NoError(t, s.PutSegments([]Segment{seg("error", 0, 1000, clk.Now())}))
	require.NoError(t, s.Close())
	clk.Add(24 * time.Hour)
	name := fileName(dayOf(clk.Now()), 0)
	db, err := bolt.Open(filepath.Join(dir, name), FileMode, nil)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	ro, err := Open(Options{Dir: dir, Now: clk.Now, ReadOnly: true})
	require.NoError(t, err)
	assert.Empty(t, ro.Recovered())
	assert.Contains(t, files(t, dir), name, "a read-only store leaves it")
	require.NoError(t, ro.Close())

	s = open(t, o)
	assert.Empty(t, s.Recovered(), "nothing was corrupt")
	assert.Zero(t, s.Stats().Recovered)
	for _, f := range files(t, dir) {
		assert.NotContains(t, f, ".corrupt-", "nothing set aside")
	}
	require.NoError(t, s.PutSegments([]Segment{seg("error", 1, 1000, clk.Now())}))
	assert.Equal(t, []string{fileName(t0, 0), name}, files(t, dir), "today's file made again")
	for id := range uint64(2) {
		b, err := s.Read("error", id)
		require.NoError(t, err)
		assert.Equal(t, data("error", id, 1000), b)
	}
}
