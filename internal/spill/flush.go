package spill

import (
	"errors"
	"maps"
	"slices"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// flushOnce writes the queue, the sealed segments not yet written and the
// live tails that grew in one transaction. more says that segments were
// left for another: the copies would have passed the queue's bound.
func (sp *Spiller) flushOnce() (more bool, err error) {
	sp.fmu.Lock()
	defer sp.fmu.Unlock()
	// Before the walks: a line Urgent is called for from now on may be
	// after the walk of its ring, and asks again.
	sp.pressed.Store(false)
	sp.placeAll()
	sp.mu.Lock()
	store := sp.store
	queued := sp.queuedIDs()
	srcs := slices.Collect(maps.Values(sp.sources))
	sp.mu.Unlock()
	if store == nil {
		return false, nil
	}
	full := false
	for _, st := range srcs {
		if st.placed { // else attached by a reload since placeAll: the next flush
			full = sp.walk(st, queued[st]) || full
		}
	}
	// The queue is taken after the walks: a segment evicted while they
	// ran, before they reached it, is in it, and goes with its successors
	// in this commit.
	sp.mu.Lock()
	batch := append(sp.queue, sp.walked...)
	sp.queue, sp.walked = nil, nil
	sp.inflight = batch
	sp.mu.Unlock()
	segs := segments(batch)
	if len(segs) > 0 {
		err = store.PutSegments(segs)
	}
	more, err = sp.settle(batch, err, full)
	if err == nil && len(segs) > 0 {
		st := store.Stats() // not under sp.mu: it waits for the store
		sp.mu.Lock()
		sp.writes.look(st, sp.o.Now())
		sp.mu.Unlock()
	}
	sp.report(store)
	return more, err
}

// queuedIDs are the store IDs of the copies waiting, by source (from a
// failed flush, some may still be in the ring): the walks leave them be;
// sp.mu is held.
func (sp *Spiller) queuedIDs() map[*sourceState]map[uint64]bool {
	queued := make(map[*sourceState]map[uint64]bool)
	for _, c := range sp.queue {
		if queued[c.st] == nil {
			queued[c.st] = make(map[uint64]bool)
		}
		queued[c.st][c.seg.ID] = true
	}
	return queued
}

// walk copies what st's ring holds that the store lacks into sp.walked:
// the sealed segments not yet written, and the live tail when it grew. It
// reports whether a copy found no room.
func (sp *Spiller) walk(st *sourceState, queued map[uint64]bool) (full bool) {
	blocked := false // a copy failed: the later segments wait too, or a gap would open
	st.src.Walk(0, func(p *ramlog.Spill) {
		sp.mu.Lock()
		defer sp.mu.Unlock()
		switch {
		case blocked:
		case queued[p.ID+st.off] && !p.Live:
			st.done = max(st.done, p.ID+1) // a copy from a failed flush
		case st.handed(p.ID) && !p.Live || p.ID < st.done || p.Records == 0:
		case p.Live:
			if st.tailID == p.ID && st.tailRecords == p.Records {
				return // unchanged since the last flush
			}
			if c, ok := sp.copyOf(st, p); ok {
				sp.walked = append(sp.walked, c)
			} else {
				full = true
			}
		default:
			c, ok := sp.copyOf(st, p)
			if !ok {
				full, blocked = true, true // the next flush takes it
				return
			}
			// In sp.walked at once, where readers find it should the
			// ring give it up before this flush is done.
			sp.walked = append(sp.walked, c)
			st.skipTo(p.ID + 1)
		}
	})
	return full
}

// segments are the batch's segments for the store. A block of a ring's
// compressed history goes as it is to a stream the store gzips, and
// decompressed to one it keeps plain. Events carry their own times: an
// event segment's bounds are its earliest and latest, for the readers'
// time filters, with its Seq range (the store does not read event
// records).
func segments(batch []pending) []persist.Segment {
	segs := make([]persist.Segment, len(batch))
	for i := range batch {
		segs[i] = batch[i].seg
		if b := &batch[i]; b.gz && b.seg.Gzip && !b.seg.Tail && !b.seg.Events {
			segs[i].Zipped, segs[i].Plain = true, b.plain
			continue
		}
		segs[i].Data = batch[i].data() // a block of compressed history, decompressed
		if segs[i].Events {
			b := eventlog.Bounds(segs[i].Data)
			segs[i].First, segs[i].Last = units.FromUnixNano(b.First), units.FromUnixNano(b.Last)
			segs[i].FirstSeq, segs[i].LastSeq = b.FirstSeq, b.LastSeq
		}
	}
	return segs
}

// settle accounts for a batch the store took (err nil) or did not, and
// says what there is to say: the disk is back, what was lost. It returns
// flushOnce's results.
func (sp *Spiller) settle(batch []pending, err error, full bool) (more bool, _ error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.inflight = nil
	switch {
	case errors.Is(err, persist.ErrInvalid):
		// Cannot happen with ring segments and valid stream names; were
		// it to, the batch would block every later one: it is dropped,
		// and counted.
		for _, b := range batch {
			sp.lostLocked(b.st.name, b.seg.Records, "the store refused them: "+err.Error())
		}
		sp.release(batch)
		return false, err
	case err != nil:
		sp.stats.Failures++
		// The sealed copies wait for the disk (tails are taken afresh).
		keep, tails := splitTails(batch)
		sp.release(tails)
		sp.queue = append(keep, sp.queue...)
		return false, err
	}
	sp.release(batch)
	back := false
	if len(batch) > 0 {
		sp.stats.Flushes++
		back, sp.failing = sp.failing, false
	}
	if back {
		sp.say(levels.WARNING, true, "gwlog: disk "+sp.o.Dir+" is back: spilling logs again")
	}
	if lost := sp.lostSinceSaid(back); lost != "" {
		sp.say(levels.WARNING, false, lost)
	}
	for src, st := range sp.sources {
		if st.gone {
			delete(sp.sources, src) // spilled: forgotten
		}
	}
	for _, b := range batch {
		sp.stats.Spilled += uint64(len(b.seg.Data))
		if b.seg.Tail {
			b.st.tailID, b.st.tailRecords = b.seg.ID-b.st.off, b.seg.Records
		}
	}
	if full && len(batch) > 0 {
		sp.wake() // the rest, now that the copies are written
	}
	return full && len(batch) > 0, nil
}

// splitTails parts a batch into its sealed copies and its tails.
func splitTails(batch []pending) (sealed, tails []pending) {
	for _, b := range batch {
		if b.seg.Tail {
			tails = append(tails, b)
		} else {
			sealed = append(sealed, b)
		}
	}
	return sealed, tails
}

// report says what the store recovered, on the error stream.
func (sp *Spiller) report(st Store) {
	if st == nil {
		return
	}
	for _, err := range st.Recovered() {
		sp.say(levels.ERROR, false, "gwlog: store: "+err.Error())
	}
}
