package eventlog

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/ramlog"
)

// memArchive keeps the segments a log spills, as a disk store would.
type memArchive struct {
	mu   sync.Mutex
	segs []ArchivedSegment
	data map[uint64][]byte
}

func (a *memArchive) put(p *ramlog.Spill) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := p.AppendTo(nil)
	if p.Gzip { // a block of compressed history
		var err error
		if b, err = DecodeBlock(nil, p.A, p.Size); err != nil {
			panic(err)
		}
	}
	g := Bounds(b)
	g.Key = p.ID
	a.segs = append(a.segs, g)
	a.data[p.ID] = b
}

func (a *memArchive) ArchivedEvents(before uint64) []ArchivedSegment {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []ArchivedSegment
	for _, g := range a.segs {
		if g.Key < before {
			out = append(out, g)
		}
	}
	return out
}

func (a *memArchive) ArchivedRing(id uint64) (ArchivedSegment, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, g := range a.segs {
		if g.Key == id {
			return g, true
		}
	}
	return ArchivedSegment{}, false
}

func (a *memArchive) AppendArchived(dst []byte, key uint64) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.data[key]
	if !ok {
		return dst, fmt.Errorf("no segment %d", key)
	}
	return append(dst, b...), nil
}

func TestArchiveQuerySeriesScanSeeOneHistory(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 16 << 10, Segment: 4 << 10})
	a := &memArchive{data: make(map[uint64][]byte)}
	l.SetSpill(a.put)
	l.SetArchive(a)
	const n = 2000
	for i := range n {
		require.NotZero(t, l.Write(temp(i, fmt.Sprintf("wb/%d", i%3), float64(i))))
	}
	require.NotEmpty(t, a.segs, "the ring spilled")
	held := l.Stats().Held
	require.Less(t, held, uint64(n), "the ring alone does not hold them all")

	// The live tail is also offered, as a flush would: its events must not
	// be read twice.
	l.Walk(0, func(p *ramlog.Spill) {
		if p.Live {
			p.ID += 1000 // a key of its own, as a store's tail would have
			a.put(p)
		}
	})

	all := collect(t, l, Filter{})
	require.Len(t, all, n)
	for i, ev := range all {
		require.Equal(t, uint64(i+1), ev.Seq, "no gap, no duplicate, in order")
	}
	rev := collect(t, l, Filter{Reverse: true, Limit: 5})
	assert.Equal(t, []uint64{n, n - 1, n - 2, n - 3, n - 4}, seqs(rev))
	early := collect(t, l, Filter{Source: "wb/1", Until: t0.Add(30 * time.Minute)})
	assert.Equal(t, []uint64{2, 5, 8, 11, 14, 17, 20, 23, 26, 29}, seqs(early), "archived events match filters")

	// 80 minutes divide a day, so that t0 (midnight) starts a bucket.
	s, err := l.Series(SeriesQuery{Attr: "val", Since: t0, Until: t0.Add(n * time.Minute), Step: 80 * time.Minute})
	require.NoError(t, err)
	require.Len(t, s.Buckets, n/80)
	for i, b := range s.Buckets {
		assert.Equal(t, 80, b.Count, "bucket %d", i)
		assert.Equal(t, float64(i*80), b.Min)
		assert.Equal(t, float64(i*80+79), b.Max)
	}

	count := 0
	l.Scan(func(payload []byte) bool {
		count++
		assert.Equal(t, uint64(count), seqOf(payload))
		return true
	})
	assert.Equal(t, n, count)
}

func TestBoundsTakesEarliestAndLatest(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 64 << 10})
	for _, m := range []int{5, 2, 9, 7} { // times out of order, as callers may give them
		l.Write(temp(m, "wb/1", float64(m)))
	}
	var got ArchivedSegment
	l.Walk(0, func(p *ramlog.Spill) { got = Bounds(p.AppendTo(nil)) })
	assert.Equal(t, ArchivedSegment{FirstSeq: 1, LastSeq: 4, First: temp(2, "", 0).Time, Last: temp(9, "", 0).Time}, got)
	assert.Equal(t, ArchivedSegment{}, Bounds([]byte("not frames")))
}

// TestArchiveReadsWhatTheRingGaveUpMidQuery: a segment the ring gives up
// after a query listed it, and before the query read it, is read from the
// archive, so the query sees its snapshot whole; without an archive the
// query says ErrEvicted.
func TestArchiveReadsWhatTheRingGaveUpMidQuery(t *testing.T) {
	for _, archived := range []bool{true, false} {
		t.Run(fmt.Sprintf("archive=%v", archived), func(t *testing.T) {
			l, _ := newLog(t, Options{RAM: 16 << 10, Segment: 4 << 10})
			a := &memArchive{data: make(map[uint64][]byte)}
			if archived {
				l.SetSpill(a.put)
				l.SetArchive(a)
			}
			const n = 150 // within the ring: every segment listed is the ring's
			for i := range n {
				l.Write(temp(i, "wb/1", float64(i)))
			}
			require.Empty(t, a.segs, "nothing spilled yet")
			var got []uint64
			var errs []error
			for ev, err := range l.Query(Filter{}) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if got = append(got, ev.Seq); len(got) == 1 {
					for i := range 2 * n { // the ring gives up what the query listed
						l.Write(temp(n+i, "wb/2", 0))
					}
				}
			}
			if !archived {
				require.NotEmpty(t, errs)
				assert.ErrorIs(t, errs[0], ErrEvicted)
				return
			}
			require.Empty(t, errs)
			require.Len(t, got, n, "the snapshot, whole")
			for i, seq := range got {
				require.Equal(t, uint64(i+1), seq)
			}

			// Series and Scan too, reading while a writer makes the
			// ring give up segments (a bounded number of events).
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := range 20_000 {
					l.Write(temp(i%n, "wb/3", 1))
					if i%50 == 0 {
						time.Sleep(100 * time.Microsecond)
					}
				}
			}()
			for reads := 0; ; reads++ {
				s, err := l.Series(SeriesQuery{Attr: "val", Since: t0, Until: t0.Add(n * time.Minute), Step: n * time.Minute})
				require.NoError(t, err)
				require.Empty(t, s.Errors)
				var seq uint64
				l.Scan(func(payload []byte) bool {
					next := seqOf(payload)
					require.Equal(t, seq+1, next, "Scan: no gap, no duplicate")
					seq = next
					return true
				})
				select {
				case <-done:
					t.Logf("%d reads while the writer ran", reads+1)
					return
				default:
				}
			}
		})
	}
}
