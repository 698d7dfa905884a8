package spill

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/persist"
)

// open opens the store when the disk is there, and reports whether it
// is. A disk that is not there is said once (per reason); a store that
// was recovered says so.
func (sp *Spiller) open() bool {
	st, err := sp.o.Open(persist.Options{Dir: sp.o.Dir, Force: sp.o.Force, Cap: sp.o.Cap, Keep: sp.o.Keep, Now: sp.o.Now})
	var dev, devName string
	var devAt uint64
	devOK := false
	if err == nil {
		dev, devName, devAt, devOK = findDevice(sp.o.Dir)
	}
	sp.mu.Lock()
	if err != nil {
		reason := err.Error()
		said := reason == sp.stats.Reason
		sp.stats.Reason = reason
		sp.mu.Unlock()
		if !said {
			sp.say(levels.INFO, true, "gwlog: keeping logs in RAM only: "+reason)
		}
		return false
	}
	sp.store = st
	failing := sp.failing
	if !failing {
		// A disk that failed is present again once it takes a flush
		// (reopen): until then Stats goes on saying why it is not.
		sp.stats.Present, sp.stats.Reason = true, ""
	}
	if !sp.writes.devOK {
		sp.writes.dev, sp.writes.devName, sp.writes.devAt, sp.writes.devOK = dev, devName, devAt, devOK
	}
	for _, s := range sp.sources {
		s.placed = false
	}
	sp.mu.Unlock()
	if !failing { // a failed disk says so when it takes a flush again
		sp.say(levels.INFO, true, "gwlog: spilling logs to "+sp.o.Dir)
	}
	sp.report(st)
	return true
}

// reopen opens the store again after it was missing or failed, and
// reports whether the disk took a flush: the store is shown to the
// readers, new events go on after its highest Seq, and what the rings
// hold now is written first.
func (sp *Spiller) reopen() bool {
	if !sp.open() {
		return false
	}
	sp.attachArchives()
	sp.mu.Lock()
	ev := sp.events
	sp.mu.Unlock()
	if n := sp.NextSeq(); n > 0 && ev != nil {
		ev.SkipTo(n - 1)
	}
	if !sp.flushOrLose() {
		return false
	}
	sp.mu.Lock()
	sp.stats.Present, sp.stats.Reason = true, ""
	sp.mu.Unlock()
	return true
}

// lose closes a store that failed: the runtime goes on in RAM only, and
// the queue waits (bounded) for the disk to come back. No lock of the
// spiller's is held.
func (sp *Spiller) lose(err error) {
	sp.mu.Lock()
	said := sp.failing
	sp.failing = true
	sp.mu.Unlock()
	if !said {
		// Handed over before the state changes, so that whoever sees
		// the disk gone in Stats finds the note said too.
		sp.say(levels.ERROR, false, fmt.Sprintf("gwlog: disk %s failed, keeping logs in RAM only until it is back: %v", sp.o.Dir, err))
		sp.handOver()
	}
	sp.mu.Lock()
	store := sp.store
	sp.store = nil
	sp.stats.Present, sp.stats.Reason = false, err.Error()
	srcs := slices.Collect(maps.Values(sp.sources))
	sp.mu.Unlock()
	for _, st := range srcs {
		sp.setArchive(st, false)
	}
	if store != nil {
		store.Close()
	}
}

// flushOrLose flushes, and on a failing disk goes back to RAM only. It
// reports whether the disk took the flush.
func (sp *Spiller) flushOrLose() bool {
	_, err := sp.flushOnce()
	if err == nil {
		return true
	}
	if errors.Is(err, persist.ErrUnavailable) || errors.Is(err, persist.ErrClosed) {
		sp.lose(err)
		return false
	}
	// A refused batch (ErrInvalid) was dropped and counted; said, and
	// the disk stays.
	sp.say(levels.ERROR, false, "gwlog: spill: "+err.Error())
	return true
}

func (sp *Spiller) present() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.store != nil
}

// attachArchives attaches the store to every source's readers.
func (sp *Spiller) attachArchives() {
	sp.mu.Lock()
	srcs := slices.Collect(maps.Values(sp.sources))
	sp.mu.Unlock()
	for _, st := range srcs {
		sp.setArchive(st, true)
	}
}

// flusher is the state of the flusher goroutine: the flush interval, and
// the wait before the disk is looked for again.
type flusher struct {
	sp      *Spiller
	every   time.Duration
	tick    *time.Ticker
	retry   *time.Timer // the disk is looked for again when it fires
	retryC  <-chan time.Time
	backoff time.Duration
	// soon fires FlushUrgent after an urgent line asked, unless a flush
	// came first; soonC is nil while it is not armed.
	soon  *time.Timer
	soonC <-chan time.Time
}

// run is the flusher goroutine: timed and kicked flushes, retention, and
// the disk looked for again; the notes each step queued are handed over
// after it.
func (sp *Spiller) run() {
	f := &flusher{sp: sp, every: sp.o.Flush, tick: time.NewTicker(sp.o.Flush), backoff: sp.o.DetectEvery}
	defer f.tick.Stop()
	retain := time.NewTicker(retainEvery)
	defer retain.Stop()
	if !sp.present() {
		f.arm(sp.o.DetectEvery)
	} else {
		f.flush() // what the rings hold at start
	}
	for {
		sp.handOver()
		select {
		case <-sp.stop:
			if f.retry != nil {
				f.retry.Stop()
			}
			if f.soon != nil {
				f.soon.Stop()
			}
			return
		case d := <-sp.flush:
			if d > 0 && d != f.every {
				f.every = d
				f.tick.Reset(d)
			}
		case <-f.tick.C:
			f.flush()
		case <-sp.urgent:
			f.hurry()
		case <-f.soonC:
			f.flush()
		case <-sp.kick:
			f.flush()
			// The timed flush comes a whole interval after this one, so
			// that a kick does not add a commit to the interval.
			f.tick.Reset(f.every)
		case <-retain.C:
			sp.retain()
		case <-f.retryC:
			f.retryC = nil
			f.look()
		}
	}
}

// hurry makes the next flush come within FlushUrgent (or the flush
// interval, when shorter), unless one is due sooner already.
func (f *flusher) hurry() {
	if f.soonC != nil {
		return
	}
	if f.sp.aheadOfBudget() {
		f.sp.mu.Lock()
		f.sp.putOff++ // the timed flush takes it
		f.sp.mu.Unlock()
		return
	}
	d := min(time.Duration(f.sp.urgentEvery.Load()), f.every)
	f.soon = time.NewTimer(d)
	f.soonC = f.soon.C
}

// arm looks for the disk again after d.
func (f *flusher) arm(d time.Duration) {
	if f.retry != nil {
		f.retry.Stop()
	}
	f.retry = time.NewTimer(d)
	f.retryC = f.retry.C
}

// flush flushes when the disk is there; a disk that fails is looked for
// again after DetectEvery.
func (f *flusher) flush() {
	if f.soon != nil { // this flush takes the urgent lines that asked
		f.soon.Stop()
		f.soon, f.soonC = nil, nil
	}
	if f.sp.present() && !f.sp.flushOrLose() {
		f.backoff = f.sp.o.DetectEvery
		f.arm(f.backoff)
	}
}

// look tries the disk again; one that keeps failing is tried half as
// often each time, down to once a MaxBackoff.
func (f *flusher) look() {
	if f.sp.reopen() {
		f.backoff = f.sp.o.DetectEvery
		return
	}
	if f.sp.Stats().Failures > 0 {
		f.backoff = min(2*f.backoff, f.sp.o.MaxBackoff) // a disk that fails again
	}
	f.arm(f.backoff)
}

// retain runs the store's retention.
func (sp *Spiller) retain() {
	sp.mu.Lock()
	store := sp.store
	sp.mu.Unlock()
	if store != nil {
		_ = store.Retain() // a failure shows on the next write
		sp.report(store)
	}
}
