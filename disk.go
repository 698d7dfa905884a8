package gwlog

import (
	"time"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/internal/spill"
	"github.com/gwlog/gwlog/levels"
)

// SpillStats are the disk path's counters, with the store's.
type SpillStats = spill.Stats

// SpillWrites are what the disk path wrote: today, a day on average, the
// budget, and the device's sectors (SpillStats.Writes).
type SpillWrites = spill.WriteStats

// StoreView reads a disk store without a runtime, for offline readers
// (gwlog -store DIR): its streams and event log hold nothing in RAM and
// read the store's files, read-only, through the same readers as a
// running runtime's (Tail, Segments, FS, Query, Series).
type StoreView = spill.View

// OpenStore opens the store in dir read-only. It fails with an error
// wrapping persist.ErrLocked when a daemon holds the store's file.
func OpenStore(dir string) (*StoreView, error) { return spill.OpenView(dir) }

// openSpill makes the disk path of p, with the store open when its disk
// is there; nil when no disk is configured.
func (rt *Runtime) openSpill(p *plan) *spill.Spiller {
	r := p.conf.Runtime
	if r.Disk == "" {
		return nil
	}
	return spill.New(spill.Options{
		Dir: r.Disk, Force: r.Force, Cap: r.DiskCap, Keep: diskKeep(p.conf), Gzip: gzipped(p.conf),
		Budget: rt.budget, Flush: r.Flush, FlushUrgent: r.FlushUrgent, WriteBudget: r.DiskWriteBudget, DetectEvery: rt.opts.DiskRetry, Now: rt.opts.Now, Notify: rt.spillNote,
	})
}

// hurryErrors gives the streams' targets the disk path's Urgent, which
// apply could not at Open (the spiller is made after the rings), so that
// their lines at ERROR and above are written within flush_urgent.
func (rt *Runtime) hurryErrors() {
	if rt.spill == nil {
		return
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for name, tg := range rt.targets {
		if tg.Sink != rt.screen && tg.Urgent == nil {
			tg.Urgent = rt.spill.Urgent
			rt.targets[name] = tg
		}
	}
	rt.tree.Configure(rt.loggerConfigs())
}

// spillNote writes a note of the disk path's: on the screen logger (the
// console and debug) when the disk comes or goes, else on the logger
// "gwlog"; on the console alone once Close has detached the loggers.
func (rt *Runtime) spillNote(n spill.Note) {
	if rt.detached.Load() {
		rt.screen.WriteLine(0, []byte(n.Text+"\n"))
		return
	}
	name := "gwlog"
	if n.Console {
		name = ScreenLogger
	}
	rt.Logger(name).Log(nil, n.Level, n.Text)
}

// diskKeep maps the streams to their disk_keep.
func diskKeep(c *cfg.Config) map[string]time.Duration {
	keep := make(map[string]time.Duration)
	for _, s := range c.Streams {
		if s.DiskKeep > 0 {
			keep[s.Name] = s.DiskKeep
		}
	}
	return keep
}

// gzipped is the set of c's streams with compress = gzip.
func gzipped(c *cfg.Config) map[string]bool {
	m := make(map[string]bool)
	for _, s := range c.Streams {
		if s.Compress == "gzip" {
			m[s.Name] = true
		}
	}
	return m
}

// reloadDisk applies a new config to the disk path: the flush interval
// and compress at once, and the streams a reload made or closed; the
// disk, its budget and its keeps at the next start (the store is open),
// as a note says; rt.mu is held.
func (rt *Runtime) reloadDisk(old, c *cfg.Config) {
	if rt.spill != nil {
		rt.spill.Follow(rt.streamsLocked(), rt.events)
		rt.spill.SetFlush(c.Runtime.Flush)
		rt.spill.SetFlushUrgent(c.Runtime.FlushUrgent)
		rt.spill.SetWriteBudget(c.Runtime.DiskWriteBudget)
		rt.spill.SetGzip(gzipped(c))
	}
	was, now := old.Runtime, c.Runtime
	if rt.spill == nil && now.Disk == "" {
		return
	}
	if was.Disk != now.Disk || was.Force != now.Force || was.DiskCap != now.DiskCap || rt.keepChanged(c) {
		rt.note(Debug, levels.WARNING, "disk, disk_cap and disk_keep changes apply at the next start")
	}
}

// keepChanged reports whether c keeps a stream on disk for another time
// than the store was opened with.
func (rt *Runtime) keepChanged(c *cfg.Config) bool {
	if rt.spill == nil {
		return false
	}
	for _, s := range c.Streams {
		if s.DiskKeep > 0 && s.DiskKeep != rt.spill.KeepFor(s.Name) {
			return true
		}
	}
	return false
}
