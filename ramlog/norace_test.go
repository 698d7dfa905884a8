//go:build !race

package ramlog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteLineAllocatesNothing(t *testing.T) {
	for _, rot := range []Rotation{{Kind: RotateSize, Size: 4096}, {Kind: RotateTime, Every: time.Minute}, {Kind: RotateNone}} {
		for _, comp := range []Compression{CompressNone, CompressGzip} {
			s, err := New("x", Options{Rotate: rot, Keep: 3, RAM: 64 << 10, Compress: comp})
			require.NoError(t, err)
			writeAllocatesNothing(t, s, rot.String()+" "+comp.String())
			s.Close()
		}
	}
}

// writeAllocatesNothing checks that WriteLine allocates nothing (the
// compressor's goroutine makes a block per segment: far less than one
// per line).
func writeAllocatesNothing(t *testing.T, s *Stream, name string) {
	{
		l := []byte("2026-11-21 23:37:17,123 INFO svc request handled path='/api/v1/status'\n")
		// Warm up past the first rotations so that the segment table has
		// its working size.
		for range 10000 {
			s.WriteLine(0, l)
		}
		assert.Zero(t, testing.AllocsPerRun(10000, func() { s.WriteLine(0, l) }), name)
	}
}

// TestRingFullAppendAllocatesNothing: once a ring has grown to its size,
// appending allocates nothing; growing allocates once per doubling.
func TestRingFullAppendAllocatesNothing(t *testing.T) {
	r, err := NewRing(1<<20, nil)
	require.NoError(t, err)
	rec := make([]byte, 100)
	grows := testing.AllocsPerRun(1, func() {
		for i := range 10500 { // just past 1 MiB
			if i%100 == 99 {
				r.Rotate(0, i)
			}
			r.Append(0, rec, nil)
		}
	})
	assert.LessOrEqual(t, grows, 10.0, "a handful of doublings and segment table growth")
	assert.Equal(t, int64(1<<20), r.Committed())
	n := 0
	assert.Zero(t, testing.AllocsPerRun(10000, func() {
		if n++; n%100 == 0 {
			r.Rotate(0, n)
		}
		r.Append(0, rec, nil)
	}))
}
