package spill

import (
	"time"

	"github.com/gwlog/gwlog/persist"
)

// writes accounts for the bytes the disk path had written, from the
// store's ProcessWriteBytes (/proc/self/io write_bytes since the store
// was opened: in gwlogd, the store's writes; in a gateway that links
// gwlog, its own file writes too), by UTC day; guarded by Spiller.mu.
type writes struct {
	start time.Time // when the spiller was made
	day   time.Time // the UTC day today counts
	today uint64
	total uint64
	last  uint64 // ProcessWriteBytes at the last look, for the open store
	// dev is the block device of the store's directory and its sectors
	// written when the spiller was made; ok is false where the kernel
	// does not say (not Linux, no /sys, a filesystem with no device).
	dev, devName string
	devAt        uint64
	devOK        bool
	budget       int64 // bytes a day; 0: none
}

// findDevice notes the block device of dir and its sectors written so
// far, once; no lock of the spiller's is held.
func findDevice(dir string) (dev, name string, at uint64, ok bool) {
	if dev, name, ok = persist.DeviceOf(dir); ok {
		at, ok = persist.DeviceSectors(dev)
	}
	return dev, name, at, ok
}

// look counts what the store wrote since the last look; now is the
// clock. A store opened afresh starts its counter at zero.
func (w *writes) look(st persist.Stats, now time.Time) {
	n := st.ProcessWriteBytes
	if n < w.last {
		w.last = 0 // another store: its counter starts again
	}
	d := n - w.last
	w.last = n
	day := now.UTC().Truncate(24 * time.Hour)
	if !day.Equal(w.day) {
		w.day, w.today = day, 0
	}
	w.today += d
	w.total += d
}

// perDay is the average written a day since start; what one day would
// write at the pace so far, before a day has passed.
func (w *writes) perDay(now time.Time) uint64 {
	el := now.Sub(w.start)
	if el < time.Minute {
		return 0 // too early to say
	}
	return uint64(float64(w.total) * float64(24*time.Hour) / float64(el))
}

// ahead reports whether today's writes are ahead of the budget's pace:
// more than the budget's share of the day gone by, with a tenth of the
// budget of slack so that the day's first commits are not held.
func (w *writes) ahead(now time.Time) bool {
	if w.budget <= 0 {
		return false
	}
	gone := now.UTC().Sub(now.UTC().Truncate(24 * time.Hour))
	share := float64(w.budget) * (float64(gone)/float64(24*time.Hour) + 0.1)
	return float64(w.today) > share
}

// WriteStats are the disk path's writes, in Stats.
type WriteStats struct {
	// Today are the bytes written since midnight UTC, and PerDay the
	// average a day since the runtime started (from the process's
	// write_bytes; 0 where /proc does not say).
	Today  uint64 `json:"today"`
	PerDay uint64 `json:"per_day"`
	// Budget is disk_write_budget, bytes a day; 0: none. Held counts the
	// urgent flushes the budget put off to the timed flush.
	Budget int64  `json:"budget,omitempty"`
	Held   uint64 `json:"held,omitempty"`
	// Device is the block device of the store's directory, and Sectors
	// the 512-byte sectors it took since the runtime started, all
	// writers together (/sys/block/*/stat); empty and 0 where the kernel
	// does not say.
	Device  string `json:"device,omitempty"`
	Sectors uint64 `json:"device_sectors,omitempty"`
}

// writeStats returns the writes' counters but for the device's, and the
// device to read them from; sp.mu is held.
func (sp *Spiller) writeStats(now time.Time) (out WriteStats, dev string, at uint64) {
	w := &sp.writes
	out = WriteStats{PerDay: w.perDay(now), Budget: w.budget, Held: sp.putOff}
	if w.day.Equal(now.UTC().Truncate(24 * time.Hour)) {
		out.Today = w.today
	}
	if w.devOK {
		out.Device, dev, at = w.devName, w.dev, w.devAt
	}
	return out, dev, at
}

// deviceSectors fills in the sectors written to dev since at; no lock of
// the spiller's is held (it reads /sys).
func (out *WriteStats) deviceSectors(dev string, at uint64) {
	if dev == "" {
		return
	}
	if n, ok := persist.DeviceSectors(dev); ok && n >= at {
		out.Sectors = n - at
	} else {
		out.Device = ""
	}
}
