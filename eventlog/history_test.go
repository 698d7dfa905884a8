package eventlog

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/ramlog"
)

// reading is the i-th of four sensors' readings, one a second between
// them, with values that wander as real temperatures do.
func reading(i int, r *rand.Rand, v *[4]float64) Event {
	k := i % 4
	v[k] += float64(r.IntN(5)-2) / 10
	return Event{Time: t0.Add(time.Duration(i) * time.Second / 4).UnixNano(), Type: "webbrick/CT",
		Source: "wb/100/CT/" + string(rune('1'+k)), Attrs: []Attr{FloatAttr("val", v[k]), StringAttr("unit", "C")}}
}

// fill writes n readings into l, letting the compressor keep up, as it
// does at a gateway's pace (a flood outruns it: the ring then gives up
// segments plain, as without compression).
func fill(t testing.TB, l *Log, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	v := [4]float64{20, 21, 19, 22}
	for i := range n {
		require.NotZero(t, l.Write(reading(i, r, &v)))
		if i%100 == 0 {
			settled(t, l)
		}
	}
	settled(t, l)
}

// settled waits until the ring holds only its live segment.
func settled(t testing.TB, l *Log) {
	t.Helper()
	l.mu.RLock()
	h := l.hist
	l.mu.RUnlock()
	if h == nil {
		return // plain
	}
	seat := h.seat
	require.Eventually(t, func() bool {
		seat.Poke()
		l.mu.RLock()
		defer l.mu.RUnlock()
		return len(l.ring.Segments()) == 1
	}, 10*time.Second, time.Millisecond)
}

// same fails at the first event where want and got differ.
func same(t *testing.T, want, got []Event) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for i := range want {
		require.Equal(t, want[i], got[i], "event %d of %d", i, len(want))
	}
}

func TestCompressedHistoryReadsAsPlain(t *testing.T) {
	b, err := ramlog.NewBudget(4 << 20)
	require.NoError(t, err)
	z, _ := newLog(t, Options{RAM: 1 << 20, Segment: 32 << 10, Compress: true, Budget: b})
	defer z.Close()
	p, _ := newLog(t, Options{RAM: 64 << 20}) // holds everything, plain
	defer p.Close()
	const n = 60000
	fill(t, z, n)
	fill(t, p, n)

	zs, ps := z.Stats(), p.Stats()
	assert.Greater(t, zs.Blocks, 10)
	assert.EqualValues(t, n, ps.Held)
	assert.LessOrEqual(t, zs.RAM, zs.Cap)
	assert.LessOrEqual(t, b.Used(), b.Limit())
	assert.Greater(t, zs.Ratio, 3.0, "history per byte of RAM")
	assert.EqualValues(t, n, zs.Held+zs.Evicted)
	t.Logf("%d of %d readings in %d KiB of RAM (%d blocks, %.1fx): %.0f readings per MiB",
		zs.Held, n, zs.RAM>>10, zs.Blocks, zs.Ratio, float64(zs.Held)/(float64(zs.RAM)/(1<<20)))

	// Every reader sees the newest zs.Held events of the plain log.
	all := collect(t, p, Filter{})
	got := collect(t, z, Filter{})
	require.Len(t, got, int(zs.Held))
	same(t, all[len(all)-len(got):], got)
	f := Filter{Source: "wb/100/CT/3", Since: time.Unix(0, got[len(got)/2].Time), Until: time.Unix(0, got[len(got)/2].Time).Add(time.Hour)}
	same(t, collect(t, p, f), collect(t, z, f))
	rev := Filter{Reverse: true, Limit: 100, Where: []Cond{{Key: "val", Op: Gt, Value: Float(20)}}}
	same(t, collect(t, p, rev), collect(t, z, rev))
	// From the first whole minute z holds.
	since := time.Unix(0, got[0].Time).Truncate(time.Minute).Add(time.Minute)
	q := SeriesQuery{Attr: "val", Source: "wb/100/CT/1", Since: since, Until: time.Unix(0, got[len(got)-1].Time), Step: time.Minute}
	zq, err := z.Series(q)
	require.NoError(t, err)
	pq, err := p.Series(q)
	require.NoError(t, err)
	assert.Equal(t, pq.Buckets, zq.Buckets)
	var scanned int
	z.Scan(func([]byte) bool { scanned++; return true })
	assert.Equal(t, len(got), scanned)
}

func TestCompressedBlockDamageIsReportedAndSkipped(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 256 << 10, Segment: 16 << 10, Compress: true})
	defer l.Close()
	fill(t, l, 5000)
	held := l.Stats().Held
	l.mu.Lock()
	n := len(l.hist.blocks)
	var bad block
	if n > 2 {
		bad = l.hist.blocks[1]
		bad.data[len(bad.data)/2] ^= 0x55
	}
	l.mu.Unlock()
	require.Greater(t, n, 2)

	var got int
	var cerr *CorruptionError
	for _, err := range l.Query(Filter{}) {
		if err != nil {
			require.ErrorAs(t, err, &cerr)
			continue
		}
		got++
	}
	require.NotNil(t, cerr, "a damaged block is reported")
	assert.Equal(t, bad.id, cerr.Segment)
	assert.Equal(t, bad.off, cerr.Offset)
	assert.ErrorIs(t, cerr, ErrCorrupt)
	assert.EqualValues(t, held-bad.records, got, "the other blocks are read")
}

func TestCompressedHistorySpillsBlocksAndFillsGaps(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 160 << 10, Segment: 16 << 10, Compress: true})
	defer l.Close()
	a := &memArchive{data: make(map[uint64][]byte)}
	var blocks int
	l.SetSpill(func(p *ramlog.Spill) {
		if p.Gzip {
			blocks++
		}
		a.put(p)
	})
	l.SetArchive(a)
	fill(t, l, 100000)
	require.Positive(t, blocks, "blocks go to the spill path as they are")

	// A segment given up plain while older ones are held compressed (a
	// compressor behind a flood) is read from the archive.
	// Write until a sealed segment is caught before the compressor moves
	// it (compressing takes milliseconds; the check follows the seal).
	var gap uint64
	last := 100000
	for ; gap == 0 && last < 200000; last++ {
		l.Write(temp(last, "wb/1", float64(last)))
		l.mu.Lock()
		if segs := l.ring.Segments(); len(segs) > 1 {
			gap = segs[0].ID
			l.ring.EvictOldest()
		}
		l.mu.Unlock()
	}
	require.NotZero(t, gap, "a sealed segment is seen before it is compressed")
	settled(t, l)
	got := seqs(collect(t, l, Filter{}))
	for i := 1; i < len(got); i++ {
		require.Equal(t, got[i-1]+1, got[i], "no gap at segment %d", gap)
	}
	assert.EqualValues(t, last, got[len(got)-1])
	assert.EqualValues(t, 1, got[0], "the archive holds what RAM gave up")

	// Walk hands the blocks over too, as Gzip.
	var walked, zipped int
	l.Walk(0, func(p *ramlog.Spill) {
		walked++
		if p.Gzip {
			_, err := DecodeBlock(nil, p.A, p.Size)
			require.NoError(t, err)
			zipped++
		}
	})
	assert.Positive(t, zipped)
	assert.Equal(t, l.Stats().Blocks+1, walked)
}

func TestCompressionNeedsEightSegments(t *testing.T) {
	assert.False(t, Options{RAM: 120 << 10, Segment: 16 << 10, Compress: true}.Compresses())
	assert.True(t, Options{RAM: 128 << 10, Segment: 16 << 10, Compress: true}.Compresses())
	assert.False(t, Options{RAM: 64 << 20}.Compresses())
	l, _ := newLog(t, Options{RAM: 120 << 10, Segment: 16 << 10, Compress: true})
	defer l.Close()
	assert.False(t, l.Compresses())
	assert.EqualValues(t, 120<<10, l.Stats().Cap)
}

func TestCompressedCloseGivesTheShareBack(t *testing.T) {
	b, err := ramlog.NewBudget(8 << 20)
	require.NoError(t, err)
	l, _ := newLog(t, Options{RAM: 1 << 20, Segment: 64 << 10, Compress: true, Budget: b})
	assert.Greater(t, b.Used(), int64(1<<20), "the ring, the history and the compressor")
	fill(t, l, 20000)
	l.Close()
	assert.Zero(t, b.Used())
	assert.Zero(t, l.Write(temp(1, "x", 1)))
	_, err = New(Options{RAM: 16 << 20, Compress: true, Budget: b})
	assert.True(t, errors.Is(err, ramlog.ErrOverBudget), "%v", err)
}
