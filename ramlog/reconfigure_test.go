package ramlog

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReconfigureGrowKeepsEverything(t *testing.T) {
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2})
	require.NoError(t, err)
	for i := range 25 {
		s.WriteLine(1, line(i))
	}
	before := s.Tail(100)
	require.NoError(t, s.Reconfigure(Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 9}))
	assert.Equal(t, int64(1000), s.Stats().Cap)
	assert.Equal(t, before, s.Tail(100))
	for i := 25; i < 80; i++ {
		s.WriteLine(1, line(i))
	}
	st := s.Stats()
	assert.Equal(t, uint64(0), st.Drops, "the bigger ring holds all 80")
	assert.Equal(t, uint64(80), st.Lines)
}

func TestReconfigureShrinkKeepsNewest(t *testing.T) {
	b, err := NewBudget(1 << 20)
	require.NoError(t, err)
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 200}, Keep: 4, Budget: b})
	require.NoError(t, err)
	for i := range 90 {
		s.WriteLine(1, line(i)) // 900 bytes in segments of 200
	}
	require.NoError(t, s.Reconfigure(Options{Rotate: Rotation{Kind: RotateSize, Size: 50}, Keep: 1}))
	st := s.Stats()
	assert.Equal(t, int64(100), st.Cap)
	assert.Equal(t, int64(100), b.Used(), "the budget was refunded")
	assert.Equal(t, uint64(90), st.Lines+st.Drops)
	tail := s.Tail(100)
	assert.Equal(t, "line 0089", tail[len(tail)-1], "the newest line is kept")
	assert.Regexp(t, `^… \d+ lines dropped$`, tail[0])
	for i, l := range tail[1:] {
		assert.Equal(t, fmt.Sprintf("line %04d", 90-len(tail)+1+i), l, "contiguous newest lines")
	}
	// And it goes on working at the new size.
	for i := 90; i < 200; i++ {
		s.WriteLine(1, line(i))
	}
	st = s.Stats()
	assert.LessOrEqual(t, st.Bytes, int64(100))
	assert.Equal(t, uint64(200), st.Lines+st.Drops)
	assert.Equal(t, []string{"x.log", "x.log.1"}, names(s))
}

func TestReconfigureRotationAndErrors(t *testing.T) {
	b, err := NewBudget(64 << 10)
	require.NoError(t, err)
	c := &clock{t: time.Date(2026, 11, 21, 10, 5, 0, 0, time.UTC)}
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 1 << 10}, Keep: 3, Budget: b, Location: time.UTC, Now: c.now})
	require.NoError(t, err)
	s.WriteLine(0, []byte("before"))
	err = s.Reconfigure(Options{RAM: 128 << 10, Rotate: Rotation{Kind: RotateTime, Every: 10 * time.Minute}})
	require.ErrorIs(t, err, ErrOverBudget)
	assert.Equal(t, int64(4<<10), s.Stats().Cap, "nothing changed")
	assert.Equal(t, "size 1KiB", s.Rotation().String())
	require.Error(t, s.Reconfigure(Options{Keep: -1}))

	require.NoError(t, s.Reconfigure(Options{RAM: 32 << 10, Rotate: Rotation{Kind: RotateTime, Every: 10 * time.Minute}, Keep: 2, Location: time.UTC, Now: c.now}))
	s.WriteLine(0, []byte("after"))
	assert.Equal(t, []string{"x.log"}, names(s), "what was held is labelled with its period, 10:00")
	c.set(c.now().Add(10 * time.Minute))
	s.WriteLine(0, []byte("next period"))
	assert.Equal(t, []string{"x.log", "x.log.2026-11-21_10-00"}, names(s))
	assert.Equal(t, []string{"before", "after", "next period"}, s.Tail(3))
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.Reconfigure(Options{}), ErrClosed)
}

func TestReconfigureWhileWritingLosesNothingUncounted(t *testing.T) {
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 4 << 10}, Keep: 3})
	require.NoError(t, err)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var sent [3]int
	for w := range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s.WriteLine(0, fmt.Appendf(nil, "w%d %d", w, sent[w]))
				sent[w]++
			}
		})
	}
	for i := range 100 {
		size := int64(1+i%7) << 10
		require.NoError(t, s.Reconfigure(Options{Rotate: Rotation{Kind: RotateSize, Size: size}, Keep: 1 + i%4}))
	}
	close(stop)
	wg.Wait()
	st := s.Stats()
	assert.Equal(t, uint64(sent[0]+sent[1]+sent[2]), st.Written)
	assert.Equal(t, st.Written, st.Lines+st.Drops)
	assert.LessOrEqual(t, st.Bytes, st.Cap)
	// Each writer's held lines are in order: nothing was reordered or torn.
	last := map[string]int{}
	for _, l := range s.Tail(int(st.Lines)) {
		var w string
		var n int
		if _, err := fmt.Sscanf(l, "%s %d", &w, &n); err != nil {
			continue // the drop marker
		}
		if p, ok := last[w]; ok {
			assert.Greater(t, n, p, "%s out of order", w)
		}
		last[w] = n
	}
}
