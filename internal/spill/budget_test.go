package spill

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/persist"
)

// TestUrgentFlush: a line Urgent is called for is written within
// FlushUrgent, long before Flush; while the day's writes are ahead of
// the write budget, it waits for the timed flush instead, and the put-off
// is counted.
func TestUrgentFlush(t *testing.T) {
	h := newHarness(t, Options{Flush: time.Hour, FlushUrgent: 20 * time.Millisecond})
	flushes := func() uint64 { return h.sp.Stats().Flushes }
	h.log("first", 3, "")
	h.sp.Start()
	// The flusher's first flush writes them: after it, only an urgent
	// line makes the flusher flush (Flush is an hour).
	require.Eventually(t, func() bool { return flushes() > 0 }, 10*time.Second, 5*time.Millisecond)
	f0 := flushes()

	h.log("error", 1, "")
	h.sp.Urgent()
	require.Eventually(t, func() bool { return flushes() > f0 }, 10*time.Second, 5*time.Millisecond, "flushed within flush_urgent")
	v := h.sp.Stats()
	assert.Zero(t, v.Writes.Held)
	assert.Zero(t, v.Writes.Budget)

	if _, ok := persistWriteBytes(h); !ok {
		t.Skip("no /proc/self/io write_bytes here: no budget to be ahead of")
	}
	assert.Positive(t, v.Writes.Today, "counted from the process's write_bytes")
	h.sp.SetWriteBudget(1) // a byte a day: ahead of it at once
	f1 := flushes()
	h.log("error", 1, "again")
	h.sp.Urgent()
	require.Eventually(t, func() bool { return h.sp.Stats().Writes.Held == 1 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, f1, flushes(), "the budget put the flush off to the timed one")
	assert.Equal(t, int64(1), h.sp.Stats().Writes.Budget)
	h.flush() // the timed flush, by hand
	assert.Greater(t, flushes(), f1)
	view := h.view()
	assert.Equal(t, []string{"error 000 ", "error 000 again"}, view.Stream("debug").Tail(2))
}

// TestWritesDevice: where the kernel says which block device holds the
// store, Stats names it and counts the sectors written to it since
// start, which the commits' fdatasyncs make more than none.
func TestWritesDevice(t *testing.T) {
	h := newHarness(t, Options{})
	if _, _, ok := persist.DeviceOf(h.dir); !ok {
		t.Skip("no block device with a stat file holds " + h.dir)
	}
	h.log("line", 50, "")
	h.flush()
	w := h.sp.Stats().Writes
	assert.NotEmpty(t, w.Device)
	assert.Positive(t, w.Sectors)
}

// persistWriteBytes tells whether the store counts the process's writes.
func persistWriteBytes(h *harness) (uint64, bool) {
	st := h.sp.Stats().Store
	return st.ProcessWriteBytes, st != nil && st.ProcessWriteBytes > 0
}

// TestWritesByDay: what the store wrote counts towards the UTC day it was
// written on, a store opened afresh starts its counter again, the
// average a day is the pace since start, and the budget's pace is a
// share of the day gone by plus a tenth.
func TestWritesByDay(t *testing.T) {
	day := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	w := writes{start: day, budget: 10 << 20}
	w.look(persist.Stats{ProcessWriteBytes: 1 << 20}, day.Add(time.Hour))
	w.look(persist.Stats{ProcessWriteBytes: 3 << 20}, day.Add(12*time.Hour))
	assert.Equal(t, uint64(3<<20), w.today)
	assert.Equal(t, uint64(6<<20), w.perDay(day.Add(12*time.Hour)), "3 MiB in half a day")
	assert.Zero(t, w.perDay(day.Add(time.Second)), "too early to say")
	// Half the day gone: the pace allows 60% of 10 MiB.
	assert.False(t, w.ahead(day.Add(12*time.Hour)))
	w.look(persist.Stats{ProcessWriteBytes: 7 << 20}, day.Add(12*time.Hour))
	assert.True(t, w.ahead(day.Add(12*time.Hour)), "7 MiB by noon of a 10 MiB day")
	assert.False(t, w.ahead(day.Add(23*time.Hour)))

	// The next day, and a store opened afresh.
	w.look(persist.Stats{ProcessWriteBytes: 1 << 20}, day.Add(25*time.Hour))
	assert.Equal(t, uint64(1<<20), w.today)
	assert.Equal(t, uint64(8<<20), w.total)
	w.budget = 0
	assert.False(t, w.ahead(day.Add(25*time.Hour)), "no budget")
}
