package persist

import (
	bolt "go.etcd.io/bbolt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTailParts: a tail flushed as it grows is written as what it grew by,
// each byte once, and reads back whole, before and after its seal and a
// reopen.
func TestTailParts(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now}
	s, err := Open(o)
	require.NoError(t, err)
	full := data("error", 7, 40_000)
	tail := func(n int) Segment {
		g := seg("error", 7, n, t0)
		g.Tail = true
		return g
	}
	for n := 400; n <= 20_000; n += 400 {
		require.NoError(t, s.PutSegments([]Segment{tail(n), seg("debug", uint64(n), 100, t0)}))
		b, err := s.Read("error", 7)
		require.NoError(t, err)
		require.Equal(t, full[:n], b, "after the flush of %d bytes", n)
	}
	st := s.Stats()
	assert.Equal(t, uint64(20_000+50*100), st.DataBytes, "each byte of the tail written once")

	require.NoError(t, s.PutSegments([]Segment{tail(20_000)}))
	assert.Equal(t, st.DataBytes, s.Stats().DataBytes, "a tail that did not grow writes no data")

	sealed := seg("error", 7, 40_000, t0)
	require.NoError(t, s.PutSegments([]Segment{sealed}))
	assert.Equal(t, st.DataBytes+40_000, s.Stats().DataBytes, "the seal writes the segment whole, once")
	require.NoError(t, s.PutSegments([]Segment{tail(40_000)}), "a tail after the seal is ignored")
	require.NoError(t, s.Close())

	s = open(t, o)
	infos, err := s.Segments("error")
	require.NoError(t, err)
	require.Len(t, infos, 1)
	assert.False(t, infos[0].Tail)
	assert.Equal(t, int64(40_000), infos[0].Size)
	b, err := s.Read("error", 7)
	require.NoError(t, err)
	assert.Equal(t, full, b)
}

// TestTailPartsWholeAgain: a tail that does not extend what the file holds
// (shorter, or other bytes), and one that reached Options.MaxParts, is
// written whole, and reads as written.
func TestTailPartsWholeAgain(t *testing.T) {
	tests := []struct {
		name     string
		maxParts int // Options.MaxParts
		want     int // the bound in effect
	}{
		{"default", 0, DefaultMaxParts},
		{"set", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, Options{Dir: t.TempDir(), Now: newClock(t0).Now, MaxParts: tt.maxParts})
			put := func(g Segment) int {
				g.Tail = true
				before := s.Stats().DataBytes
				require.NoError(t, s.PutSegments([]Segment{g}))
				b, err := s.Read(g.Stream, g.ID)
				require.NoError(t, err)
				require.Equal(t, g.Data, b)
				return int(s.Stats().DataBytes - before)
			}
			g := seg("debug", 1, 1000, t0)
			assert.Equal(t, 1000, put(g))
			g.Data = append(g.Data, "more\n"...)
			assert.Equal(t, 5, put(g), "grown: a part")
			g.Data = g.Data[:500]
			assert.Equal(t, 500, put(g), "shorter: whole")
			other := append(data("access", 1, 500), "and more\n"...)
			g.Data = other
			assert.Equal(t, len(other), put(g), "other bytes: whole")

			for i := range tt.want + 1 {
				g.Data = append(g.Data, byte('a'+i%26))
				written := put(g)
				if i == tt.want-1 {
					assert.Equal(t, len(g.Data), written, "the part past MaxParts: whole")
				} else {
					assert.Equal(t, 1, written)
				}
			}
		})
	}
}

// TestMaxPartsNegative: a negative Options.MaxParts fails Open.
func TestMaxPartsNegative(t *testing.T) {
	s, err := Open(Options{Dir: t.TempDir(), MaxParts: -1})
	if err == nil {
		s.Close()
	}
	assert.Error(t, err)
}

// TestTailPartCorrupt: a damaged part makes its segment a
// *CorruptionError; the other segments read.
func TestTailPartCorrupt(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now, legacyTails: true}
	s, err := Open(o)
	require.NoError(t, err)
	for _, n := range []int{3000, 6000, 9000} {
		g := seg("debug", 1, n, t0)
		g.Tail = true
		require.NoError(t, s.PutSegments([]Segment{g, seg("debug", uint64(n), 100, t0)}))
	}
	require.NoError(t, s.Close())
	path := filepath.Join(dir, "gwlog-2030-01-01.db")
	flip(t, path, find(t, path, data("debug", 1, 9000)[6000:]))

	s = open(t, o)
	_, err = s.Read("debug", 1)
	var ce *CorruptionError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, uint64(1), ce.ID)
	assert.Contains(t, ce.Error(), "part at 6000")
	for _, id := range []uint64{3000, 6000, 9000} {
		b, err := s.Read("debug", id)
		require.NoError(t, err)
		assert.Equal(t, data("debug", id, 100), b)
	}
}

// TestTailPartsFrontCut: a ring that shrinks on reload cuts the front off
// its live segment and keeps its ID; a tail that ends as the stored one
// did, grown, but begins otherwise, is written whole.
func TestTailPartsFrontCut(t *testing.T) {
	s := open(t, Options{Dir: t.TempDir(), Now: newClock(t0).Now})
	put := func(data string) {
		require.NoError(t, s.PutSegments([]Segment{{Stream: "debug", ID: 4, Tail: true, Data: []byte(data)}}))
	}
	put("a\nb\nc\n")
	put("a\nb\nc\nz\n")
	put("b\nc\nz\nz\nz\n")
	b, err := s.Read("debug", 4)
	require.NoError(t, err)
	assert.Equal(t, "b\nc\nz\nz\nz\n", string(b))
}

// TestTailPartsLayout: a tail's parts are buckets, the first too, so that
// growing it does not write its big first part again; its seal leaves one
// value, so that history takes the room its data does.
func TestTailPartsLayout(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now, legacyTails: true}
	s, err := Open(o)
	require.NoError(t, err)
	g := seg("debug", 1, 480_000, t0)
	g.Tail = true
	require.NoError(t, s.PutSegments([]Segment{g}))
	for n := range 6 {
		g = seg("debug", 1, 480_000+(n+1)*120, t0)
		g.Tail = true
		pageAlloc := func() int64 { st := s.w.db.Stats(); return st.TxStats.GetPageAlloc() }
		before := pageAlloc()
		require.NoError(t, s.PutSegments([]Segment{g}))
		alloc := pageAlloc() - before
		assert.Less(t, alloc, int64(64<<10), "flush %d: %d bytes of pages for 120 bytes more", n+1, alloc)
	}
	keys := func(id uint64) (values, buckets int) {
		require.NoError(t, s.w.db.View(func(tx *bolt.Tx) error {
			vb := tx.Bucket(bucketStreams).Bucket([]byte("debug")).Bucket(bucketData).Bucket(key(id))
			return vb.ForEach(func(_, v []byte) error {
				if v == nil {
					buckets++
				} else {
					values++
				}
				return nil
			})
		}))
		return values, buckets
	}
	v, b := keys(1)
	assert.Equal(t, [2]int{0, 7}, [2]int{v, b}, "a tail: a bucket per part")
	require.NoError(t, s.PutSegments([]Segment{seg("debug", 1, 500_000, t0)}))
	v, b = keys(1)
	assert.Equal(t, [2]int{1, 0}, [2]int{v, b}, "sealed: one value")
	got, err := s.Read("debug", 1)
	require.NoError(t, err)
	assert.Equal(t, data("debug", 1, 500_000), got)
	require.NoError(t, s.Close())
}
