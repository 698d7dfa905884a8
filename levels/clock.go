package levels

import (
	"sync/atomic"
	"time"
)

// wallClock is the wall clock read through the monotonic one: time.Now
// reads both (two clock reads, ~60 ns in a VM and costly on ARM), while
// a record needs the wall time only. now adds the monotonic time to an
// offset taken from time.Now at most a second earlier, so that a step of
// the wall clock (NTP at boot) shows in the stamps within a second (a
// line racing the new reading may still take the old offset), and a slew
// errs by well under a millisecond. The zero value is ready; it is safe
// for concurrent use and allocates nothing.
type wallClock struct {
	offset atomic.Int64 // wall minus monotonic, in ns
	until  atomic.Int64 // monotonic ns from which offset is taken again; 0: not yet taken
}

// reanchor is how often the clock reads the wall clock again.
const reanchor = time.Second

// monoStart is the origin of the monotonic readings.
var monoStart = time.Now()

func (c *wallClock) now() time.Time {
	m := int64(time.Since(monoStart))
	if u := c.until.Load(); m < u && m >= u-int64(reanchor) {
		return time.Unix(0, m+c.offset.Load())
	}
	t := time.Now()
	m = int64(t.Sub(monoStart))
	c.offset.Store(t.UnixNano() - m)
	c.until.Store(m + int64(reanchor))
	return t
}
