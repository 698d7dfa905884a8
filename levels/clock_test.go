package levels

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestWallClock: the clock agrees with time.Now, reads the wall clock
// again once its offset is a second old (so that a step shows), and
// keeps an offset younger than that.
func TestWallClock(t *testing.T) {
	var c wallClock
	near := func(got time.Time, msg string) {
		t.Helper()
		d := time.Since(got)
		assert.True(t, d > -time.Second/10 && d < time.Second/10, "%s: %v off time.Now", msg, d)
	}
	near(c.now(), "first read")
	near(c.now(), "through the monotonic clock")
	assert.Equal(t, time.Local, c.now().Location())

	// The wall clock was stepped an hour ahead of the offset, which is
	// now a second old.
	c.offset.Store(c.offset.Load() - int64(time.Hour))
	c.until.Store(int64(time.Since(monoStart)))
	near(c.now(), "after a second the wall clock is read again")

	// Within the second the offset is kept, stepped or not.
	c.offset.Store(c.offset.Load() - int64(time.Hour))
	assert.InDelta(t, float64(-time.Hour), float64(c.now().Sub(time.Now())), float64(time.Second/10))
}
