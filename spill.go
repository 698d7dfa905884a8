package gwlog

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// The disk path. When the configured directory counts as a disk, the
// spiller keeps what the rings give up in a persist.Store:
//
//   - a segment the ring evicts before a flush wrote it is copied into a
//     bounded queue on the writer's goroutine (never a disk write under
//     a stream's lock);
//   - every flush interval, one PutSegments writes the queue, the sealed
//     segments not yet written, and the live segments' tails that grew;
//   - a failing disk (gone, full, read-only) sends the runtime back to RAM
//     only, with one line on the error stream and a counter, and the disk
//     is tried again with backoff; a missing disk is looked for every
//     detectEvery.
//
// Store segment IDs are ring IDs plus a per-source offset, chosen so that
// they go on from the store's NextID: IDs keep increasing across restarts
// and disks. Readers see the store (and the queue) through ramlog.Archive
// and eventlog.Archive, for what the rings no longer hold.

// detectEvery is how often a missing disk is looked for (a variable for
// the tests); a disk that failed is tried again after twice as long each
// time, up to maxBackoff.
var detectEvery = 30 * time.Second

// maxBackoff bounds the wait before a failed disk is tried again.
const maxBackoff = 5 * time.Minute

// queueFloor is what the spill copies may hold beyond the RAM cap, so
// that a cap the rings fill whole still spills.
const queueFloor = 4 << 20

// retainEvery is how often retention runs besides the store's own.
const retainEvery = time.Hour

// spillSource is what the spiller reads: a ring stream or the event log.
type spillSource interface {
	SetSpill(func(*ramlog.Spill))
	Walk(from uint64, fn func(*ramlog.Spill)) uint64
}

// source is the spiller's state of one ring.
type sourceState struct {
	src    spillSource
	name   string // the store's stream name
	events bool
	off    uint64 // store ID = ring ID + off
	done   uint64 // ring IDs below were handed to the disk path
	placed bool   // off was chosen for the open store
	// The tail last written, so that an unchanged one is not rewritten
	// (tailRecords 0: none), and its ID not taken for the store's own.
	tailID, tailRecords uint64
	gone                bool // closed by a reload: spilled once more, then forgotten
}

// pending is a copy on its way to the store.
type pending struct {
	st       *sourceState
	seg      persist.Segment
	reserved bool // its bytes are reserved from the RAM budget
}

// SpillStats are the disk path's counters, with the store's.
type SpillStats struct {
	Dir       string `json:"dir"`
	Present   bool   `json:"present"`          // the store is open and writable
	Reason    string `json:"reason,omitempty"` // why not, when not
	Flushes   uint64 `json:"flushes"`          // flushes that committed something (an idle one writes nothing)
	Spilled   uint64 `json:"spilled_bytes"`    // bytes of segments committed
	Queued    int64  `json:"queued_bytes"`     // bytes of copies waiting, within ram_cap but for up to QueueCap
	QueueCap  int64  `json:"queue_cap"`        // the most the copies may hold beyond ram_cap
	Lost      uint64 `json:"lost_segments"`    // segments given up unspilled: queue full or disk gone
	LostLines uint64 `json:"lost_lines"`       // lines (event records) in them
	// LostBy counts the lost lines by stream ("/events", eventlog.SpillName:
	// event records).
	LostBy   map[string]uint64 `json:"lost_by,omitempty"`
	Failures uint64            `json:"failures"` // writes that failed, and disks lost
	Store    *persist.Stats    `json:"store,omitempty"`
}

type spiller struct {
	rt     *Runtime
	dir    string
	force  bool
	cap    int64
	keep   map[string]time.Duration
	budget *ramlog.Budget // the rings' cap, which copies draw on while it has room
	floor  int64          // what copies may hold beyond the cap
	now    func() time.Time

	flush chan time.Duration // a new flush interval
	kick  chan struct{}      // flush now: the queue fills
	stop  chan struct{}
	done  sync.WaitGroup

	fmu sync.Mutex // one flush at a time

	// mu guards what follows. It is taken inside a ring's lock (evicted,
	// and the walks' callbacks), so that nothing may log, call into a
	// ring or wait for the store while holding it.
	mu       sync.Mutex
	store    *persist.Store
	sources  map[spillSource]*sourceState
	queue    []pending // evicted before a flush took them
	walked   []pending // taken by the walks of the flush under way
	inflight []pending // being written
	held     int64     // bytes of queue and inflight
	reserved int64     // of which reserved from the budget
	stats    SpillStats
	gzip     map[string]bool // streams with compress = gzip
	// What was lost, as last said in the logs (at most once a lossEvery,
	// and when the disk is back), and the causes since.
	said      map[string]uint64
	saidLines uint64
	saidAt    time.Time
	lostWhy   map[string]uint64
	failing   bool // the disk failed and has not taken a flush since: said once
	closed    bool
}

// newSpiller opens the store when c's disk is present. It returns nil
// when no disk is configured.
func newSpiller(rt *Runtime, p *plan) *spiller {
	r := p.conf.Runtime
	if r.Disk == "" {
		return nil
	}
	sp := &spiller{
		rt: rt, dir: r.Disk, force: r.Force, cap: r.DiskCap, keep: diskKeep(p),
		budget:  rt.budget,
		floor:   queueFloor,
		now:     time.Now,
		flush:   make(chan time.Duration, 1),
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		sources: make(map[spillSource]*sourceState),
		gzip:    gzipped(p.conf),
	}
	if rt.opts.Now != nil {
		sp.now = rt.opts.Now
	}
	sp.stats.Dir = r.Disk
	sp.open()
	return sp
}

// keepChanged reports whether c keeps a stream on disk for another time
// than the store was opened with.
func (sp *spiller) keepChanged(c *cfg.Config) bool {
	if sp == nil {
		return false
	}
	o := persist.Options{Keep: sp.keep}
	for _, s := range c.Streams {
		if s.DiskKeep > 0 && s.DiskKeep != o.KeepFor(s.Name) {
			return true
		}
	}
	return false
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

// setGzip applies a reload's compress settings to the segments sealed
// from now on.
func (sp *spiller) setGzip(c *cfg.Config) {
	m := gzipped(c)
	sp.mu.Lock()
	sp.gzip = m
	sp.mu.Unlock()
}

// diskKeep maps the streams to their disk_keep.
func diskKeep(p *plan) map[string]time.Duration {
	keep := make(map[string]time.Duration)
	for _, s := range p.conf.Streams {
		if s.DiskKeep > 0 {
			keep[s.Name] = s.DiskKeep
		}
	}
	return keep
}

// open opens the store when the disk is there, and reports whether it
// is. A disk that is not there is said once, on the screen and debug
// streams; a store that was recovered says so on the error stream.
func (sp *spiller) open() bool {
	st, err := persist.Open(persist.Options{Dir: sp.dir, Force: sp.force, Cap: sp.cap, Keep: sp.keep, Now: sp.now})
	sp.mu.Lock()
	if err != nil {
		reason := err.Error()
		said := reason == sp.stats.Reason
		sp.stats.Reason = reason
		sp.mu.Unlock()
		if !said {
			sp.rt.Logger(ScreenLogger).Info("gwlog: keeping logs in RAM only: " + reason)
		}
		return false
	}
	sp.store = st
	sp.stats.Present, sp.stats.Reason = true, ""
	for _, s := range sp.sources {
		s.placed = false
	}
	failing := sp.failing
	sp.mu.Unlock()
	if !failing { // a failed disk says so when it takes a flush again
		sp.rt.Logger(ScreenLogger).Info("gwlog: spilling logs to " + sp.dir)
	}
	sp.report(st)
	return true
}

// report puts what the store recovered on the error stream. Lines are
// logged without sp.mu: a ring that takes them may evict into the
// spiller.
func (sp *spiller) report(st *persist.Store) {
	if st == nil {
		return
	}
	for _, err := range st.Recovered() {
		sp.rt.Logger("gwlog").Error("gwlog: store: " + err.Error())
	}
}

// nextSeq is the Seq the event log starts from: one past the store's.
func (sp *spiller) nextSeq() uint64 {
	if sp == nil {
		return 0
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.store == nil {
		return 0
	}
	return sp.store.LastSeq() + 1
}

// attach makes the spiller follow src, stored as name; it is idempotent.
func (sp *spiller) attach(src spillSource, name string) {
	if sp == nil {
		return
	}
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

// sync follows the runtime's streams and event log as they are now:
// streams a reload made are attached, and those it closed forgotten; the
// sources are placed on the open store.
func (sp *spiller) sync() {
	if sp != nil {
		sp.syncStreams(sp.rt.Streams())
		sp.placeAll()
	}
}

// syncStreams attaches the runtime's streams in hand (rt.mu held) and
// marks those a reload closed; the flusher places and spills them.
func (sp *spiller) syncStreams(streams []*ramlog.Stream) {
	if sp == nil {
		return
	}
	live := make(map[spillSource]bool, len(streams)+1)
	for _, s := range streams {
		sp.attach(s, s.Name())
		live[s] = true
	}
	if ev := sp.rt.events; ev != nil {
		sp.attach(ev, eventlog.SpillName)
		live[ev] = true
	}
	sp.mu.Lock()
	for src, st := range sp.sources {
		if !live[src] {
			st.gone = true // closed: what it holds goes with the next flush
		}
	}
	sp.mu.Unlock()
}

// setArchive attaches (or detaches) the store to st's readers.
func (sp *spiller) setArchive(st *sourceState, on bool) {
	switch src := st.src.(type) {
	case *ramlog.Stream:
		if on {
			src.SetArchive(&storeArchive{sp: sp, st: st})
		} else {
			src.SetArchive(nil)
		}
	case *eventlog.Log:
		if on {
			src.SetArchive(&storeArchive{sp: sp, st: st})
		} else {
			src.SetArchive(nil)
		}
	}
}

// evicted copies a segment the ring gives up into the queue, unless a
// flush took it already; it runs under the ring's lock.
func (sp *spiller) evicted(st *sourceState, p *ramlog.Spill) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.store == nil || sp.closed || p.ID < st.done || p.Records == 0 {
		if sp.store == nil && sp.failing && p.ID >= st.done {
			st.done = p.ID + 1
			sp.lostLocked(st.name, p.Records, "the disk was away") // RAM only
		}
		return
	}
	st.done = p.ID + 1
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
func (sp *spiller) copyOf(st *sourceState, p *ramlog.Spill) (pending, bool) {
	n := int64(p.Len())
	c := pending{st: st}
	switch {
	case n > persist.MaxData:
		return c, false // no store takes it (a segment over 64 MiB)
	case sp.budget.Reserve(n) == nil:
		c.reserved = true
		sp.reserved += n
	case sp.held-sp.reserved+n > sp.floor && sp.held > 0:
		// No room; but a copy alone always goes, so that a segment
		// bigger than the floor still spills.
		return c, false
	}
	sp.held += n
	c.seg = sp.segment(st, p)
	return c, true
}

// release gives back the room of copies written or dropped; sp.mu is
// held.
func (sp *spiller) release(cs []pending) {
	for _, c := range cs {
		n := int64(len(c.seg.Data))
		sp.held -= n
		if c.reserved {
			sp.reserved -= n
			sp.budget.Release(n)
		}
	}
}

// filling reports whether the copies hold three quarters of the room
// they may have (what they hold, the budget's free bytes and the floor),
// so that a flush should not wait for the timer; sp.mu is held.
func (sp *spiller) filling() bool {
	room := sp.held + max(sp.budget.Limit()-sp.budget.Used(), 0) + sp.floor
	return sp.held >= room*3/4
}

// segment copies p for the store; sp.mu is held.
func (sp *spiller) segment(st *sourceState, p *ramlog.Spill) persist.Segment {
	return persist.Segment{
		Stream: st.name, ID: p.ID + st.off, Name: p.Name,
		First: units.FromUnixNano(p.First), Last: units.FromUnixNano(p.Last), Records: p.Records,
		Events: st.events, Tail: p.Live, Gzip: sp.gzip[st.name], Data: p.AppendTo(make([]byte, 0, p.Len())),
	}
}

// wake asks the flusher for a flush now.
func (sp *spiller) wake() {
	select {
	case sp.kick <- struct{}{}:
	default:
	}
}

// placeAll places the sources not placed for the open store.
func (sp *spiller) placeAll() {
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
func (sp *spiller) place(st *sourceState, from, oldest, next uint64) {
	st.placed = true
	if from+st.off >= next {
		want := oldest
		if next > st.off {
			want = max(oldest, next-st.off)
		}
		if want < st.done {
			st.done, st.tailRecords = want, 0
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

// flushOnce writes the queue, the sealed segments not yet written and the
// live tails that grew in one transaction. more says that segments were
// left for another: the copies would have passed the queue's bound.
func (sp *spiller) flushOnce() (more bool, err error) {
	sp.fmu.Lock()
	defer sp.fmu.Unlock()
	sp.sync()
	sp.mu.Lock()
	store := sp.store
	if store == nil {
		sp.mu.Unlock()
		return false, nil
	}
	// Copies waiting (from a failed flush, some may still be in the
	// ring): the walks leave them be.
	queued := make(map[*sourceState]map[uint64]bool)
	for _, c := range sp.queue {
		if queued[c.st] == nil {
			queued[c.st] = make(map[uint64]bool)
		}
		queued[c.st][c.seg.ID] = true
	}
	srcs := slices.Collect(maps.Values(sp.sources))
	sp.mu.Unlock()
	full := false
	for _, st := range srcs {
		if !st.placed {
			continue // attached by a reload since sync: the next flush
		}
		blocked := false // a copy failed: the later segments wait too, or a gap would open
		st.src.Walk(0, func(p *ramlog.Spill) {
			sp.mu.Lock()
			defer sp.mu.Unlock()
			switch {
			case blocked:
			case queued[st][p.ID+st.off] && !p.Live:
				st.done = max(st.done, p.ID+1) // a copy from a failed flush
			case p.ID < st.done || p.Records == 0:
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
				// In sp.walked at once, where readers find it should
				// the ring give it up before this flush is done.
				sp.walked = append(sp.walked, c)
				st.done = p.ID + 1
			}
		})
	}
	// The queue is taken after the walks: a segment evicted while they
	// ran, before they reached it, is in it, and goes with its successors
	// in this commit.
	sp.mu.Lock()
	batch := append(sp.queue, sp.walked...)
	sp.queue, sp.walked = nil, nil
	sp.inflight = batch
	sp.mu.Unlock()
	segs := make([]persist.Segment, len(batch))
	for i := range batch {
		segs[i] = batch[i].seg
		if segs[i].Events {
			// Events carry their own times: the store's bounds are the
			// earliest and latest, for the readers' time filters.
			b := eventlog.Bounds(segs[i].Data)
			segs[i].First, segs[i].Last = units.FromUnixNano(b.First), units.FromUnixNano(b.Last)
		}
	}
	if len(segs) > 0 {
		err = store.PutSegments(segs)
	}
	defer sp.report(store)
	back, lost := false, ""
	defer func() { // after sp.mu: a line may make a ring evict into the spiller
		if back {
			sp.rt.Logger(ScreenLogger).Warn("gwlog: disk " + sp.dir + " is back: spilling logs again")
		}
		if lost != "" {
			sp.rt.Logger("gwlog").Warn(lost)
		}
	}()
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.inflight = nil
	if errors.Is(err, persist.ErrInvalid) {
		// Cannot happen with ring segments and valid stream names; were
		// it to, the batch would block every later one: it is dropped,
		// and counted.
		for _, b := range batch {
			sp.lostLocked(b.st.name, b.seg.Records, "the store refused them: "+err.Error())
		}
		sp.release(batch)
		return false, err
	}
	if err != nil {
		sp.stats.Failures++
		// The sealed copies wait for the disk (tails are taken afresh).
		var keep, tails []pending
		for _, b := range batch {
			if b.seg.Tail {
				tails = append(tails, b)
			} else {
				keep = append(keep, b)
			}
		}
		sp.release(tails)
		sp.queue = append(keep, sp.queue...)
		return false, err
	}
	sp.release(batch)
	if len(segs) > 0 {
		sp.stats.Flushes++
		back, sp.failing = sp.failing, false
	}
	lost = sp.lostSinceSaid(back)
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
	if full && len(segs) > 0 {
		sp.wake() // the rest, now that the copies are written
	}
	return full && len(segs) > 0, nil
}

// lose closes a store that failed: the runtime goes on in RAM only, and
// the queue waits (bounded) for the disk to come back.
func (sp *spiller) lose(err error) {
	sp.mu.Lock()
	said := sp.failing
	sp.failing = true
	sp.mu.Unlock()
	if !said {
		// Said before the state changes (and without sp.mu), so that
		// whoever sees the disk gone in Stats finds the line too.
		sp.rt.Logger("gwlog").Error(fmt.Sprintf("gwlog: disk %s failed, keeping logs in RAM only until it is back: %v", sp.dir, err))
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

// start runs the flusher.
func (sp *spiller) start(flush time.Duration) {
	if sp == nil {
		return
	}
	sp.done.Go(func() { sp.run(flush) })
}

// setFlush changes the flush interval (a reload).
func (sp *spiller) setFlush(d time.Duration) {
	if sp == nil {
		return
	}
	select {
	case <-sp.flush:
	default:
	}
	sp.flush <- d
}

func (sp *spiller) run(flush time.Duration) {
	if flush <= 0 {
		flush = 30 * time.Second
	}
	tick := time.NewTicker(flush)
	defer tick.Stop()
	retain := time.NewTicker(retainEvery)
	defer retain.Stop()
	var retry *time.Timer // the disk is looked for again when it fires
	var retryC <-chan time.Time
	backoff := detectEvery
	arm := func(d time.Duration) {
		if retry != nil {
			retry.Stop()
		}
		retry = time.NewTimer(d)
		retryC = retry.C
	}
	if !sp.present() {
		arm(detectEvery)
	} else {
		sp.flushOrLose() // what the rings hold at start
	}
	for {
		select {
		case <-sp.stop:
			if retry != nil {
				retry.Stop()
			}
			return
		case d := <-sp.flush:
			if d > 0 && d != flush {
				flush = d
				tick.Reset(d)
			}
		case <-tick.C:
			if sp.present() && !sp.flushOrLose() {
				backoff = detectEvery
				arm(backoff)
			}
		case <-sp.kick:
			if sp.present() && !sp.flushOrLose() {
				backoff = detectEvery
				arm(backoff)
			}
			// The timed flush comes a whole interval after this one, so
			// that a kick does not add a commit to the interval.
			tick.Reset(flush)
		case <-retain.C:
			sp.mu.Lock()
			store := sp.store
			sp.mu.Unlock()
			if store != nil {
				_ = store.Retain() // a failure shows on the next write
				sp.report(store)
			}
		case <-retryC:
			retryC = nil
			if sp.open() {
				sp.attachArchives()
				if n := sp.nextSeq(); n > 0 && sp.rt.events != nil {
					sp.rt.events.SkipTo(n - 1) // new events go on after the disk's
				}
				// What the rings hold now goes first.
				if sp.flushOrLose() {
					backoff = detectEvery
					continue
				}
			}
			if sp.Stats().Failures > 0 {
				backoff = min(2*backoff, maxBackoff) // a disk that fails again
			}
			arm(backoff)
		}
	}
}

// flushOrLose flushes, and on a failing disk goes back to RAM only. It
// reports whether the disk took the flush.
func (sp *spiller) flushOrLose() bool {
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
	sp.rt.Logger("gwlog").Error("gwlog: spill: " + err.Error())
	return true
}

func (sp *spiller) present() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.store != nil
}

// attachArchives attaches the store to every source's readers.
func (sp *spiller) attachArchives() {
	sp.mu.Lock()
	srcs := slices.Collect(maps.Values(sp.sources))
	sp.mu.Unlock()
	for _, st := range srcs {
		sp.setArchive(st, true)
	}
}

// close stops the flusher, spills everything and closes the store.
func (sp *spiller) close() {
	if sp == nil {
		return
	}
	close(sp.stop)
	sp.done.Wait()
	for range 64 { // a bound, should the rings outgrow the queue many times
		more, err := sp.flushOnce()
		if err != nil {
			// The loggers are detached by now: the console is left.
			sp.rt.screen.WriteLine(0, []byte("gwlog: final spill to "+sp.dir+": "+err.Error()+"\n"))
		}
		if !more || err != nil {
			break
		}
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.closed = true
	if sp.store != nil {
		st := sp.store.Stats() // idle: the flusher is done
		sp.stats.Store = &st
		sp.store.Close()
		sp.store = nil
	}
	for _, q := range sp.queue {
		sp.lostLocked(q.st.name, q.seg.Records, "closed with the disk away")
	}
	sp.release(sp.queue)
	sp.queue = nil
}

// lossEvery is the least time between two lines saying what was lost,
// as journald says what it suppressed once an interval: under overload
// they would otherwise come with every kicked flush, into the stream that
// overflows.
const lossEvery = time.Minute

// lostSinceSaid is the line that says what was lost since it was last
// said, in the history where it went missing; "" when nothing was, or
// when the last was said less than lossEvery ago and the disk is not just
// back (the counts wait). sp.mu is held.
func (sp *spiller) lostSinceSaid(back bool) string {
	now := sp.now()
	if sp.stats.LostLines == sp.saidLines || (!back && now.Sub(sp.saidAt) < lossEvery) {
		return ""
	}
	var by []string
	for _, stream := range slices.Sorted(maps.Keys(sp.stats.LostBy)) {
		if n := sp.stats.LostBy[stream] - sp.said[stream]; n > 0 {
			if stream == eventlog.SpillName {
				stream = "event log"
			}
			by = append(by, fmt.Sprintf("%s %d", stream, n))
		}
	}
	var why []string
	for _, cause := range slices.Sorted(maps.Keys(sp.lostWhy)) {
		if len(sp.lostWhy) == 1 {
			why = append(why, cause)
		} else {
			why = append(why, fmt.Sprintf("%s (%d)", cause, sp.lostWhy[cause]))
		}
	}
	msg := fmt.Sprintf("gwlog: %d lines and events were lost before they reached the disk (%s): %s",
		sp.stats.LostLines-sp.saidLines, strings.Join(by, ", "), strings.Join(why, "; "))
	sp.said, sp.saidLines, sp.saidAt = maps.Clone(sp.stats.LostBy), sp.stats.LostLines, now
	clear(sp.lostWhy)
	return msg
}

// lostLocked counts a segment of stream given up unspilled (why: the
// cause, for lostSinceSaid); sp.mu is held.
func (sp *spiller) lostLocked(stream string, records uint64, why string) {
	if sp.lostWhy == nil {
		sp.lostWhy = make(map[string]uint64)
	}
	sp.lostWhy[why] += records
	sp.stats.Lost++
	sp.stats.LostLines += records
	if sp.stats.LostBy == nil {
		sp.stats.LostBy = make(map[string]uint64)
	}
	sp.stats.LostBy[stream] += records
}

// Stats returns the disk path's counters.
func (sp *spiller) Stats() *SpillStats {
	if sp == nil {
		return nil
	}
	sp.mu.Lock()
	out := sp.stats
	out.LostBy = maps.Clone(sp.stats.LostBy)
	out.Queued, out.QueueCap = sp.held, sp.floor
	store := sp.store
	sp.mu.Unlock()
	if store != nil {
		// Without sp.mu: Stats waits for a commit in progress, and a
		// ring that evicts meanwhile must not.
		st := store.Stats()
		out.Store = &st
	}
	return &out
}

// pendingOf lists the copies of st not yet committed, by store ID;
// sp.mu is held.
func (sp *spiller) pendingOf(st *sourceState) []persist.Segment {
	var out []persist.Segment
	for _, list := range [][]pending{sp.inflight, sp.walked, sp.queue} {
		for _, p := range list {
			if p.st == st && !p.seg.Tail {
				out = append(out, p.seg)
			}
		}
	}
	return out
}

// archived lists what the store and the queue hold of st before the ring's
// segment before (a ring ID), oldest first, with each pending copy's data,
// and the store ID of that segment.
func (sp *spiller) archived(st *sourceState, before uint64) (_ []persist.Info, _ map[uint64][]byte, limit uint64) {
	sp.mu.Lock()
	store := sp.store
	limit = before + st.off
	pend := sp.pendingOf(st)
	sp.mu.Unlock()
	if store == nil {
		return nil, nil, limit
	}
	stored, _ := store.Segments(st.name) // corrupt infos are left out, and counted
	data := make(map[uint64][]byte, len(pend))
	infos := make([]persist.Info, 0, len(pend)+len(stored))
	for _, g := range pend { // first: a pending copy is newer than a stored tail of its ID
		data[g.ID] = g.Data
		infos = append(infos, persist.Info{Stream: g.Stream, ID: g.ID, Name: g.Name, First: g.First, Last: g.Last, Records: g.Records, Size: int64(len(g.Data))})
	}
	infos = append(infos, stored...)
	slices.SortStableFunc(infos, func(a, b persist.Info) int { return cmp.Compare(a.ID, b.ID) })
	infos = slices.CompactFunc(infos, func(a, b persist.Info) bool { return a.ID == b.ID })
	i, _ := slices.BinarySearchFunc(infos, limit, func(a persist.Info, id uint64) int { return cmp.Compare(a.ID, id) })
	return infos[:i], data, limit
}

// read returns a segment's data from the queue or the store.
func (sp *spiller) read(st *sourceState, dst []byte, key uint64) ([]byte, error) {
	sp.mu.Lock()
	store := sp.store
	for _, g := range sp.pendingOf(st) {
		if g.ID == key {
			dst = append(dst, g.Data...)
			sp.mu.Unlock()
			return dst, nil
		}
	}
	sp.mu.Unlock()
	if store == nil {
		return dst, persist.ErrClosed
	}
	return store.AppendSegment(dst, st.name, key)
}

// storeArchive shows a ring the store's segments of it (and the copies
// still on their way): ramlog.Archive for a stream, eventlog.Archive for
// the event log.
type storeArchive struct {
	sp *spiller
	st *sourceState
}

func (a *storeArchive) Archived(before uint64) []ramlog.ArchivedSegment {
	infos, _, _ := a.sp.archived(a.st, before)
	out := make([]ramlog.ArchivedSegment, 0, len(infos))
	for _, g := range infos {
		out = append(out, ramlog.ArchivedSegment{Key: g.ID, Name: g.Name, First: units.UnixNano(g.First), Last: units.UnixNano(g.Last), Records: g.Records, Size: g.Size})
	}
	return out
}

func (a *storeArchive) ArchivedEvents(before uint64) []eventlog.ArchivedSegment {
	infos, data, _ := a.sp.archived(a.st, before)
	out := make([]eventlog.ArchivedSegment, 0, len(infos))
	for _, g := range infos {
		if x, ok := eventSegment(g, data); ok {
			out = append(out, x)
		}
	}
	return out
}

// eventSegment describes a stored or pending (data) segment of events;
// ok is false when it holds no valid record.
func eventSegment(g persist.Info, data map[uint64][]byte) (eventlog.ArchivedSegment, bool) {
	x := eventlog.ArchivedSegment{Key: g.ID, First: units.UnixNano(g.First), Last: units.UnixNano(g.Last), FirstSeq: g.FirstSeq, LastSeq: g.LastSeq}
	if b, ok := data[g.ID]; ok { // pending: its bounds are not known yet
		x = eventlog.Bounds(b)
		x.Key = g.ID
	}
	return x, x.FirstSeq != 0
}

func (a *storeArchive) AppendArchived(dst []byte, key uint64) ([]byte, error) {
	return a.sp.read(a.st, dst, key)
}

func (a *storeArchive) ArchivedRing(id uint64) (eventlog.ArchivedSegment, bool) {
	infos, data, limit := a.sp.archived(a.st, id+1)
	if len(infos) == 0 {
		return eventlog.ArchivedSegment{}, false
	}
	g := infos[len(infos)-1]
	if g.ID != limit-1 || g.Tail { // lost, or only its tail was stored
		return eventlog.ArchivedSegment{}, false
	}
	return eventSegment(g, data)
}
