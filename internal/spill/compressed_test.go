package spill

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// TestCompressedHistorySpills: a stream keeping its sealed segments
// compressed in RAM hands the store its blocks, walked and dropped alike,
// decompressed, and the segments its ring evicts plain, out of order,
// when the compressor lags; what the store holds reads back as every
// line written.
func TestCompressedHistorySpills(t *testing.T) {
	dir := t.TempDir()
	budget, err := ramlog.NewBudget(64 << 20)
	require.NoError(t, err)
	s, err := ramlog.New("debug", ramlog.Options{Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 8 << 10}, RAM: 64 << 10, Budget: budget, Compress: ramlog.CompressGzip})
	require.NoError(t, err)
	defer s.Close()
	sp := New(Options{Dir: dir, Force: true, Budget: budget})
	sp.Follow([]*ramlog.Stream{s}, nil)
	sp.Start()
	var want []string
	for i := range 30000 {
		l := fmt.Sprintf("2026-11-21 09:00:00,000 INFO svc request %05d handled path='/api/v1/status'", i)
		want = append(want, l)
		s.WriteLine(time.Now().UnixNano(), []byte(l))
		if i%100 == 99 {
			// The compressor's pace, about once a segment: a flood would
			// evict segments plain. Only the live segment is left plain.
			require.Eventually(t, func() bool { st := s.Stats(); return st.Segments-st.Blocks <= 1 }, 10*time.Second, 100*time.Microsecond, "the compressor takes the sealed segment")
		}
		if i%2000 == 1999 {
			// Let the compressor take what was sealed, then spill with
			// blocks in the history.
			if !assert.Eventually(t, func() bool { st := s.Stats(); return st.Segments > 2 && st.Blocks > 0 }, 5*time.Second, time.Millisecond) {
				t.Fatalf("%+v", s.Stats())
			}
			_, err := sp.Flush()
			require.NoError(t, err)
		}
	}
	st := s.Stats()
	assert.Greater(t, st.Blocks, 0, "the history holds blocks")
	assert.Greater(t, st.Drops, uint64(0), "the history gave up blocks to the spill path")
	// Readers of the running stream see the store's, then the history.
	assert.Equal(t, want, s.Tail(len(want)))
	sp.Close()

	v, err := OpenView(dir)
	require.NoError(t, err)
	defer v.Close()
	got := v.Stream("debug").Tail(len(want) + 1)
	require.Len(t, got, len(want))
	assert.Equal(t, want, got)
	for _, l := range got {
		if strings.Contains(l, "unreadable") {
			t.Fatal(l)
		}
	}
}

// zipRecorder is a store that records the segments it is given as
// gzipped blocks (Segment.Zipped), by ID.
type zipRecorder struct {
	Store
	mu     sync.Mutex
	zipped map[uint64][]byte
	plain  int
}

func (z *zipRecorder) PutSegments(segs []persist.Segment) error {
	z.mu.Lock()
	for _, s := range segs {
		if s.Zipped {
			z.zipped[s.ID] = bytes.Clone(s.Data)
		} else if !s.Tail {
			z.plain++
		}
	}
	z.mu.Unlock()
	return z.Store.PutSegments(segs)
}

// TestCompressedBlocksStoredAsTheyAre: with compress = gzip for the
// stream, the blocks of its compressed history go to the store as they
// are (the very bytes the ring holds, marked Zipped), not decompressed
// to be gzipped again, and read back as the lines written.
func TestCompressedBlocksStoredAsTheyAre(t *testing.T) {
	dir := t.TempDir()
	budget, err := ramlog.NewBudget(64 << 20)
	require.NoError(t, err)
	s, err := ramlog.New("debug", ramlog.Options{Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 8 << 10}, RAM: 256 << 10, Budget: budget, Compress: ramlog.CompressGzip})
	require.NoError(t, err)
	defer s.Close()
	rec := &zipRecorder{zipped: make(map[uint64][]byte)}
	sp := New(Options{Dir: dir, Force: true, Budget: budget, Gzip: map[string]bool{"debug": true},
		Open: func(o persist.Options) (Store, error) {
			st, err := persist.Open(o)
			if err != nil {
				return nil, err
			}
			rec.Store = st
			return rec, nil
		}})
	sp.Follow([]*ramlog.Stream{s}, nil)
	var want []string
	for i := range 2000 {
		l := fmt.Sprintf("2026-11-21 09:00:00,000 INFO svc request %05d handled path='/api/v1/status'", i)
		want = append(want, l)
		s.WriteLine(time.Now().UnixNano(), []byte(l))
	}
	// Every sealed segment compressed: the history is blocks only.
	require.Eventually(t, func() bool { st := s.Stats(); return st.Blocks == st.Segments-1 }, 10*time.Second, time.Millisecond)
	blocks := make(map[uint64][]byte)
	s.Walk(0, func(p *ramlog.Spill) {
		if p.Gzip {
			blocks[p.ID] = bytes.Clone(p.A)
		}
	})
	require.NotEmpty(t, blocks)
	sp.Start() // its first flush takes them all
	_, err = sp.Flush()
	require.NoError(t, err)
	sp.Close()

	rec.mu.Lock()
	assert.Len(t, rec.zipped, len(blocks), "each block went to the store zipped")
	held := make(map[string]bool)
	for _, b := range blocks {
		held[string(b)] = true
	}
	for id, b := range rec.zipped {
		assert.True(t, held[string(b)], "segment %d: the ring's block, byte for byte", id)
	}
	rec.mu.Unlock()
	v, err := OpenView(dir)
	require.NoError(t, err)
	defer v.Close()
	assert.Equal(t, want, v.Stream("debug").Tail(len(want)+1))
}
