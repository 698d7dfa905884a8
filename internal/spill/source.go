package spill

import (
	"fmt"
	"math"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// source is what the spiller reads: a ring stream or the event log.
type source interface {
	SetSpill(func(*ramlog.Spill))
	Walk(from uint64, fn func(*ramlog.Spill)) uint64
}

// sourceState is the spiller's state of one ring.
type sourceState struct {
	src    source
	name   string // the store's stream name
	events bool
	off    uint64 // store ID = ring ID + off
	done   uint64 // ring IDs below were handed to the disk path
	// ahead are IDs above done handed over out of order: a stream that
	// keeps compressed history evicts a plain segment (its compressor
	// lagging) while older blocks are still held, and spilled later.
	ahead  map[uint64]bool
	placed bool // off was chosen for the open store
	// The tail last written, so that an unchanged one is not rewritten
	// (tailRecords 0: none), and its ID not taken for the store's own.
	tailID, tailRecords uint64
	gone                bool // closed by a reload: spilled once more, then forgotten
}

// handed reports whether segment id was handed to the disk path; sp.mu
// is held.
func (st *sourceState) handed(id uint64) bool { return id < st.done || st.ahead[id] }

// hand notes segment id handed to the disk path: done moves past it when
// it is next, else it is ahead; sp.mu is held.
func (st *sourceState) hand(id uint64) {
	switch {
	case id < st.done:
	case id == st.done:
		st.done++
		for st.ahead[st.done] {
			delete(st.ahead, st.done)
			st.done++
		}
	default:
		if st.ahead == nil {
			st.ahead = make(map[uint64]bool)
		}
		st.ahead[id] = true
	}
}

// skipTo moves done to id at least, as a walk does: it goes oldest
// first, so what it passed is handed over or gone; sp.mu is held.
func (st *sourceState) skipTo(id uint64) {
	for k := range st.ahead {
		if k < id {
			delete(st.ahead, k)
		}
	}
	st.done = max(st.done, id)
	for st.ahead[st.done] {
		delete(st.ahead, st.done)
		st.done++
	}
}

// pending is a copy on its way to the store.
type pending struct {
	st       *sourceState
	seg      persist.Segment
	reserved bool // its bytes are reserved from the RAM budget
	// gz says that seg.Data is a block of a stream's compressed history
	// (ramlog.Spill.Gzip), plain bytes long: it is decompressed for the
	// store by segments, outside any lock, and for readers as they read.
	gz    bool
	plain int64
}

// data returns c's plain bytes (an event block's frames); a block that
// cannot be decompressed becomes a line saying so, its lines counted as
// lost to readers.
func (c *pending) data() []byte {
	if !c.gz {
		return c.seg.Data
	}
	var b []byte
	var err error
	if c.st.events {
		b, err = eventlog.DecodeBlock(make([]byte, 0, c.plain), c.seg.Data, c.plain)
	} else {
		b, err = ramlog.DecodeBlock(make([]byte, 0, c.plain), c.seg.Data)
	}
	if err != nil {
		return fmt.Appendf(nil, "… %d lines unreadable: %s\n", c.seg.Records, err)
	}
	return b
}

// size returns the plain size of c's data.
func (c *pending) size() int64 {
	if c.gz {
		return c.plain
	}
	return int64(len(c.seg.Data))
}

// Follow makes the spiller follow the streams and the event log given
// (stored as their names and eventlog.SpillName); those it followed
// before and that are not given any more are spilled once more by the
// next flush, then forgotten. Call it with the rings a runtime holds, at
// start and after every reload.
func (sp *Spiller) Follow(streams []*ramlog.Stream, events *eventlog.Log) {
	if sp == nil {
		return
	}
	live := make(map[source]bool, len(streams)+1)
	for _, s := range streams {
		sp.attach(s, s.Name())
		live[s] = true
	}
	if events != nil {
		sp.attach(events, eventlog.SpillName)
		live[events] = true
	}
	sp.mu.Lock()
	sp.events = events
	for src, st := range sp.sources {
		if !live[src] {
			st.gone = true // closed: what it holds goes with the next flush
		}
	}
	sp.mu.Unlock()
}

// attach makes the spiller follow src, stored as name; it is idempotent.
func (sp *Spiller) attach(src source, name string) {
	sp.mu.Lock()
	st, ok := sp.sources[src]
	if !ok {
		_, events := src.(*eventlog.Log)
		st = &sourceState{src: src, name: name, events: events}
		sp.sources[src] = st
	}
	present := sp.store != nil
	sp.mu.Unlock()
	if ok {
		return
	}
	src.SetSpill(func(p *ramlog.Spill) { sp.evicted(st, p) })
	if present {
		sp.setArchive(st, true)
	}
}

// setArchive attaches (or detaches) the store to st's readers; sp.mu is
// not held (the ring's lock is taken).
func (sp *Spiller) setArchive(st *sourceState, on bool) {
	a := &storeArchive{h: sp, st: st}
	switch src := st.src.(type) {
	case *ramlog.Stream:
		if on {
			src.SetArchive(a)
		} else {
			src.SetArchive(nil)
		}
	case *eventlog.Log:
		if on {
			src.SetArchive(a)
		} else {
			src.SetArchive(nil)
		}
	}
}

// evicted copies a segment the ring gives up into the queue, unless a
// flush took it already; it runs under the ring's lock.
func (sp *Spiller) evicted(st *sourceState, p *ramlog.Spill) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.store == nil || sp.closed || st.handed(p.ID) || p.Records == 0 {
		if sp.store == nil && sp.failing && !st.handed(p.ID) {
			st.hand(p.ID)
			sp.lostLocked(st.name, p.Records, "the disk was away") // RAM only
		}
		return
	}
	st.hand(p.ID)
	c, ok := sp.copyOf(st, p)
	if !ok {
		sp.lostLocked(st.name, p.Records, "the spill queue was full (flushes are slower than the logs, or ram_cap is small)")
		sp.wake()
		return
	}
	sp.queue = append(sp.queue, c)
	if sp.filling() {
		sp.wake()
	}
}

// copyOf copies p for the store, when there is room: in the RAM budget
// while it has some, else within the floor; sp.mu is held.
func (sp *Spiller) copyOf(st *sourceState, p *ramlog.Spill) (pending, bool) {
	n := int64(p.Len())
	c := pending{st: st}
	switch {
	case n > persist.MaxData:
		return c, false // no store takes it (a segment over 64 MiB)
	case sp.o.Budget != nil && sp.o.Budget.Reserve(n) == nil:
		c.reserved = true
		sp.reserved += n
	case sp.held-sp.reserved+n > sp.o.QueueFloor && sp.held > 0:
		// No room; but a copy alone always goes, so that a segment
		// bigger than the floor still spills.
		return c, false
	}
	sp.held += n
	c.seg = sp.segment(st, p)
	c.gz, c.plain = p.Gzip, p.Size
	return c, true
}

// release gives back the room of copies written or dropped; sp.mu is
// held.
func (sp *Spiller) release(cs []pending) {
	for _, c := range cs {
		n := int64(len(c.seg.Data))
		sp.held -= n
		if c.reserved {
			sp.reserved -= n
			sp.o.Budget.Release(n)
		}
	}
}

// filling reports whether the copies hold three quarters of the room
// they may have (what they hold, the budget's free bytes and the floor),
// so that a flush should not wait for the timer; sp.mu is held.
func (sp *Spiller) filling() bool {
	room := sp.held + sp.o.QueueFloor
	if b := sp.o.Budget; b != nil {
		room += max(b.Limit()-b.Used(), 0)
	}
	return sp.held >= room*3/4
}

// segment copies p for the store; sp.mu is held.
func (sp *Spiller) segment(st *sourceState, p *ramlog.Spill) persist.Segment {
	return persist.Segment{
		Stream: st.name, ID: p.ID + st.off, Name: p.Name,
		First: units.FromUnixNano(p.First), Last: units.FromUnixNano(p.Last), Records: p.Records,
		Events: st.events, Tail: p.Live, Gzip: sp.gzip[st.name], Data: p.AppendTo(make([]byte, 0, p.Len())),
	}
}

// wake asks the flusher for a flush now.
func (sp *Spiller) wake() {
	select {
	case sp.kick <- struct{}{}:
	default:
	}
}

// placeAll places the sources not placed for the open store.
func (sp *Spiller) placeAll() {
	sp.mu.Lock()
	var todo []*sourceState
	for _, st := range sp.sources {
		if !st.placed {
			todo = append(todo, st)
		}
	}
	sp.mu.Unlock()
	for _, st := range todo {
		oldest := st.src.Walk(math.MaxUint64, func(*ramlog.Spill) {})
		sp.mu.Lock()
		store := sp.store
		sp.mu.Unlock()
		if store == nil {
			return
		}
		next := store.NextID(st.name) // the store may be busy: not under sp.mu
		sp.mu.Lock()
		if sp.store == store && !st.placed {
			from := max(oldest, st.done)
			for _, q := range sp.queue {
				if q.st == st {
					from = min(from, q.seg.ID-st.off)
				}
			}
			if st.tailRecords > 0 && next == st.tailID+st.off+1 {
				next-- // our own tail: the sealed segment replaces it
			}
			sp.place(st, from, oldest, next)
		}
		sp.mu.Unlock()
	}
}

// place chooses st's offset for the open store, so that its IDs go on
// from the store's: from is the lowest ring ID still to be written, and
// oldest the ring's oldest. A store that lacks what was written before
// (another disk, or a directory made anew) gets again what the ring
// still holds. sp.mu is held.
func (sp *Spiller) place(st *sourceState, from, oldest, next uint64) {
	st.placed = true
	if from+st.off >= next {
		want := oldest
		if next > st.off {
			want = max(oldest, next-st.off)
		}
		if want < st.done {
			st.done, st.tailRecords, st.ahead = want, 0, nil
		}
		return
	}
	shift := next - (from + st.off)
	st.off += shift
	for i := range sp.queue {
		if sp.queue[i].st == st {
			sp.queue[i].seg.ID += shift
		}
	}
	st.tailRecords = 0 // the tail goes again, under its new ID
}
