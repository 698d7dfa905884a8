package ramlog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRingAppendEvictWrap(t *testing.T) {
	r, err := NewRing(32, nil)
	require.NoError(t, err)
	var evicted []string
	r.OnEvict = func(r *Ring, g *Segment) {
		evicted = append(evicted, string(r.AppendRange(nil, g.Start, g.End)))
	}
	require.True(t, r.Append(1, []byte("aaaaaaaaaa"), nil)) // 10
	r.Rotate(0, 1)
	require.True(t, r.Append(2, []byte("bbbbbbbbbb"), nil)) // 20
	r.Rotate(0, 2)
	require.True(t, r.Append(3, []byte("cccccccccc"), []byte("!"))) // 31
	require.True(t, r.Append(4, []byte("dd"), nil))                 // 33 > 32: evicts a's segment
	assert.Equal(t, []string{"aaaaaaaaaa"}, evicted)
	assert.Equal(t, uint64(1), r.Evicted())
	assert.Equal(t, int64(23), r.Len())
	assert.Equal(t, "bbbbbbbbbbcccccccccc!dd", string(r.AppendRange(nil, r.Head(), r.Tail())), "read across the wrap")
	segs := r.Segments()
	require.Len(t, segs, 2)
	assert.Equal(t, uint64(1), segs[0].Dropped, "the gap is marked on the new oldest segment")
	assert.Equal(t, uint64(2), segs[1].Records)
	assert.Equal(t, int64(3), segs[1].First)
	assert.Equal(t, int64(4), segs[1].Last)
	assert.Equal(t, uint64(3), r.Records())
	assert.Equal(t, uint64(1), r.HeadRec())
	assert.Equal(t, uint64(4), r.TailRec())
}

func TestRingOpenSegmentGivesWay(t *testing.T) {
	r, err := NewRing(16, nil)
	require.NoError(t, err)
	for range 5 {
		require.True(t, r.Append(0, []byte("0123456"), nil))
	}
	assert.LessOrEqual(t, r.Len(), int64(16))
	assert.Equal(t, uint64(5), r.Records()+r.Evicted(), "every record is held or counted")
	assert.False(t, r.Append(0, make([]byte, 17), nil), "a record longer than the ring is refused")
	assert.False(t, r.Append(0, nil, nil), "an empty record is refused")
}

func TestRingRotateRelabelsEmpty(t *testing.T) {
	r, err := NewRing(64, nil)
	require.NoError(t, err)
	r.Rotate(100, 0)
	r.Rotate(200, 3)
	require.Len(t, r.Segments(), 1)
	assert.Equal(t, int64(200), r.Current().Period)
	assert.Equal(t, 3, r.Current().Part)
}

func TestRingBudget(t *testing.T) {
	b, err := NewBudget(100)
	require.NoError(t, err)
	r1, err := NewRing(60, b)
	require.NoError(t, err)
	_, err = NewRing(41, b)
	require.ErrorIs(t, err, ErrOverBudget)
	assert.Contains(t, err.Error(), "41B more would make 101B of 100B")
	assert.Equal(t, int64(60), b.Used())
	r1.Release()
	r1.Release()
	assert.Equal(t, int64(0), b.Used(), "release is idempotent")
	_, err = NewRing(0, b)
	assert.ErrorIs(t, err, ErrSize)
	_, err = NewBudget(-1)
	assert.ErrorIs(t, err, ErrSize)
	def, err := NewBudget(0)
	require.NoError(t, err)
	assert.Equal(t, int64(DefaultCap), def.Limit())
}

func TestBudgetSetLimit(t *testing.T) {
	b, err := NewBudget(100)
	require.NoError(t, err)
	require.NoError(t, b.Reserve(60))
	require.ErrorIs(t, b.SetLimit(50), ErrOverBudget)
	assert.Equal(t, int64(100), b.Limit())
	require.NoError(t, b.SetLimit(200))
	require.NoError(t, b.Reserve(140))
	require.ErrorIs(t, b.SetLimit(0), ErrSize)
}

// TestRingGrowsAsItFills: a ring commits 64 KiB at first and doubles as
// records come, up to its size, keeping every byte where readers expect
// it; once full it wraps as before.
func TestRingGrowsAsItFills(t *testing.T) {
	const size = 1 << 20
	b, err := NewBudget(size)
	require.NoError(t, err)
	r, err := NewRing(size, b)
	require.NoError(t, err)
	assert.Equal(t, int64(size), b.Used(), "the whole size is reserved")
	assert.Equal(t, int64(firstBuffer), r.Committed(), "but not committed")
	assert.Equal(t, int64(size), r.Cap())
	var want []byte
	rec := make([]byte, 1000)
	seen := map[int64]bool{}
	for i := range 3000 { // 3 MiB through a 1 MiB ring
		for j := range rec {
			rec[j] = byte('a' + (i+j)%26)
		}
		if i%50 == 49 {
			r.Rotate(0, i)
		}
		require.True(t, r.Append(int64(i), rec, nil))
		want = append(want, rec...)
		seen[r.Committed()] = true
		require.GreaterOrEqual(t, r.Committed(), r.Len())
		if i%97 == 0 || i == 2999 {
			held := want[len(want)-int(r.Len()):]
			require.Equal(t, held, r.AppendRange(nil, r.Head(), r.Tail()), "record %d", i)
		}
	}
	assert.Equal(t, int64(size), r.Committed())
	for _, n := range []int64{64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20} {
		assert.True(t, seen[n], "doubled through %d", n)
	}
	assert.Len(t, seen, 5)
	assert.Positive(t, r.Evicted())
	r.Release()
	assert.Zero(t, b.Used())
}
