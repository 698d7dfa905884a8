package spill

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// Defaults of a zero Options.
const (
	DefaultFlush = 5 * time.Minute
	// DefaultFlushUrgent is the longest a line at ERROR or above waits
	// before it is written (journald's SyncIntervalSec is for the
	// lines below CRIT; it syncs those at once).
	DefaultFlushUrgent = 5 * time.Second
	DefaultDetectEvery = 30 * time.Second
	DefaultMaxBackoff  = 5 * time.Minute
	DefaultQueueFloor  = 4 << 20
	// DefaultLossEvery is the least time between two lines saying what
	// was lost, as journald says what it suppressed once an interval:
	// under overload they would otherwise come with every kicked flush,
	// into the stream that overflows.
	DefaultLossEvery = time.Minute
	// retainEvery is how often retention runs besides the store's own.
	retainEvery = time.Hour
)

// Options configure a Spiller. The zero value of every field but Dir
// means its default.
type Options struct {
	// Dir is the store's directory (persist.Options.Dir).
	Dir string
	// Force takes Dir as a disk even on the root file system
	// (persist.Options.Force).
	Force bool
	// Cap is the store's budget on disk (persist.Options.Cap).
	Cap int64
	// Keep is how long each stream is kept on disk, by store stream name
	// (persist.Options.Keep).
	Keep map[string]time.Duration
	// Gzip is the set of streams whose sealed segments are stored
	// gzipped; SetGzip changes it.
	Gzip map[string]bool
	// Budget is the rings' RAM cap; copies waiting for the disk draw on
	// it while it has room. Nil: copies hold QueueFloor at most.
	Budget *ramlog.Budget
	// QueueFloor is what copies may hold beyond Budget, so that a cap the
	// rings fill whole still spills; zero means DefaultQueueFloor.
	QueueFloor int64
	// Flush is the interval between flushes; SetFlush changes it. Zero
	// means DefaultFlush.
	Flush time.Duration
	// FlushUrgent is the longest a line for which Urgent was called
	// waits before it is written; SetFlushUrgent changes it. Zero means
	// DefaultFlushUrgent; it is never longer than Flush in effect.
	FlushUrgent time.Duration
	// WriteBudget is disk_write_budget, bytes a day; 0 means none. While
	// the day's writes are ahead of its pace, a line at ERROR or above
	// waits for the timed flush rather than flush_urgent: commits are
	// spaced, never beyond Flush. SetWriteBudget changes it.
	WriteBudget int64
	// DetectEvery is how often a missing disk is looked for; a disk that
	// failed is tried again after twice as long each time, up to
	// MaxBackoff. Zero means DefaultDetectEvery.
	DetectEvery time.Duration
	// MaxBackoff bounds the wait before a failed disk is tried again;
	// zero means DefaultMaxBackoff.
	MaxBackoff time.Duration
	// LossEvery is the least time between two notes saying what was
	// lost; zero means DefaultLossEvery.
	LossEvery time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Notify receives the spiller's notes, in order, on the flusher
	// goroutine or Close's, with no lock held; nil drops them.
	Notify func(Note)
	// Open opens the store; nil means persist.Open. Tests wrap the store
	// to make it fail.
	Open func(persist.Options) (Store, error)
}

// Note is a message of the spiller's for the logs.
type Note struct {
	Level levels.Level
	// Console marks the disk coming and going, which the console shows
	// too; other notes are for the error and debug streams.
	Console bool
	Text    string
}

// Store is what the spiller needs of a persist.Store.
type Store interface {
	PutSegments([]persist.Segment) error
	NextID(stream string) uint64
	LastSeq() uint64
	Streams() []string
	Segments(stream string) ([]persist.Info, error)
	AppendSegment(dst []byte, stream string, id uint64) ([]byte, error)
	Retain() error
	Recovered() []error
	Stats() persist.Stats
	Close() error
}

// Stats are the disk path's counters, with the store's.
type Stats struct {
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
	// Writes are what the disk path wrote, today and a day on average,
	// the budget, and the device's sectors.
	Writes WriteStats     `json:"writes"`
	Store  *persist.Stats `json:"store,omitempty"`
}

// Spiller keeps what the rings give up in a store. Its methods are safe
// for concurrent use; those of a nil Spiller do nothing.
type Spiller struct {
	o     Options
	flush chan time.Duration // a new flush interval
	kick  chan struct{}      // flush now: the queue fills
	// urgent says that a line Urgent was called for waits; the flusher
	// then writes within urgentEvery (ns). pressed is set from Urgent
	// until the next flush begins, so that a burst of errors sends once.
	urgent      chan struct{}
	urgentEvery atomic.Int64
	pressed     atomic.Bool
	stop        chan struct{}
	done        sync.WaitGroup

	dmu sync.Mutex // one hand-over of notes at a time; see the package doc for the order
	fmu sync.Mutex // one flush at a time

	// mu guards what follows. It is taken inside a ring's lock (evicted,
	// and the walks' callbacks), so that nothing may log, call into a
	// ring or wait for the store while holding it.
	mu       sync.Mutex
	store    Store
	sources  map[source]*sourceState
	events   *eventlog.Log // the event log followed, for SkipTo after a disk comes back
	queue    []pending     // evicted before a flush took them
	walked   []pending     // taken by the walks of the flush under way
	inflight []pending     // being written
	held     int64         // bytes of queue and inflight
	reserved int64         // of which reserved from the budget
	stats    Stats
	gzip     map[string]bool
	loss     lossLog
	failing  bool // the disk failed and has not taken a flush since: said once
	writes   writes
	putOff   uint64 // urgent flushes the budget put off
	closed   bool

	nmu   sync.Mutex
	notes []Note // to hand to Notify
}

// New opens the store when the disk is there; else the flusher, once
// started, looks for it every DetectEvery.
func New(o Options) *Spiller {
	if o.Flush <= 0 {
		o.Flush = DefaultFlush
	}
	if o.FlushUrgent <= 0 {
		o.FlushUrgent = DefaultFlushUrgent
	}
	if o.DetectEvery <= 0 {
		o.DetectEvery = DefaultDetectEvery
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.QueueFloor <= 0 {
		o.QueueFloor = DefaultQueueFloor
	}
	if o.LossEvery <= 0 {
		o.LossEvery = DefaultLossEvery
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Open == nil {
		o.Open = openStore
	}
	sp := &Spiller{
		o:       o,
		flush:   make(chan time.Duration, 1),
		kick:    make(chan struct{}, 1),
		urgent:  make(chan struct{}, 1),
		stop:    make(chan struct{}),
		sources: make(map[source]*sourceState),
		gzip:    maps.Clone(o.Gzip),
	}
	sp.stats.Dir = o.Dir
	sp.writes.start, sp.writes.budget = o.Now(), o.WriteBudget
	sp.urgentEvery.Store(int64(o.FlushUrgent))
	sp.open()
	return sp
}

// openStore is persist.Open as Options.Open.
func openStore(o persist.Options) (Store, error) {
	st, err := persist.Open(o)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// KeepFor is how long the store keeps stream: what it was opened with.
func (sp *Spiller) KeepFor(stream string) time.Duration {
	o := persist.Options{Keep: sp.o.Keep}
	return o.KeepFor(stream)
}

// SetGzip applies a reload's compress settings to the segments sealed
// from now on.
func (sp *Spiller) SetGzip(streams map[string]bool) {
	if sp == nil {
		return
	}
	sp.mu.Lock()
	sp.gzip = maps.Clone(streams)
	sp.mu.Unlock()
}

// SetFlush changes the flush interval (a reload).
func (sp *Spiller) SetFlush(d time.Duration) {
	if sp == nil {
		return
	}
	select {
	case <-sp.flush:
	default:
	}
	sp.flush <- d
}

// SetFlushUrgent changes the longest wait of an urgent line (a reload);
// it applies from the next one on.
func (sp *Spiller) SetFlushUrgent(d time.Duration) {
	if sp != nil && d > 0 {
		sp.urgentEvery.Store(int64(d))
	}
}

// SetWriteBudget changes disk_write_budget (a reload): bytes a day, 0
// for none.
func (sp *Spiller) SetWriteBudget(n int64) {
	if sp == nil {
		return
	}
	sp.mu.Lock()
	sp.writes.budget = max(n, 0)
	sp.mu.Unlock()
}

// aheadOfBudget reports whether today's writes are ahead of the write
// budget's pace.
func (sp *Spiller) aheadOfBudget() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.writes.ahead(sp.o.Now())
}

// Urgent says that a line was just written to a ring that must reach the
// disk within FlushUrgent (one at ERROR or above). It never blocks, and
// after the first call until the next flush begins it is an atomic load:
// the root calls it from the logging path (levels.Target.Urgent).
func (sp *Spiller) Urgent() {
	if sp == nil || sp.pressed.Load() || !sp.pressed.CompareAndSwap(false, true) {
		return
	}
	select {
	case sp.urgent <- struct{}{}:
	default:
	}
}

// NextSeq is the Seq the event log starts from: one past the store's; 0
// when no store is open.
func (sp *Spiller) NextSeq() uint64 {
	if sp == nil {
		return 0
	}
	sp.mu.Lock()
	store := sp.store
	sp.mu.Unlock()
	if store == nil {
		return 0
	}
	return store.LastSeq() + 1 // not under sp.mu: the store may be busy
}

// Start places the sources Follow gave on the open store, so that their
// readers see what it holds, hands the notes New queued (the disk found,
// or not) to Notify, and runs the flusher.
func (sp *Spiller) Start() {
	if sp != nil {
		sp.placeAll()
		sp.handOver()
		sp.done.Go(sp.run)
	}
}

// Flush writes what the rings hold now, as a timed flush does; notes go
// to Notify before it returns. more says that segments were left for
// another flush: the copies would have passed the queue's bound.
func (sp *Spiller) Flush() (more bool, err error) {
	if sp == nil {
		return false, nil
	}
	more, err = sp.flushOnce()
	sp.handOver()
	return more, err
}

// Close stops the flusher, spills everything and closes the store; the
// notes left go to Notify.
func (sp *Spiller) Close() {
	if sp == nil {
		return
	}
	close(sp.stop)
	sp.done.Wait()
	for range 64 { // a bound, should the rings outgrow the queue many times
		more, err := sp.flushOnce()
		if err != nil {
			sp.say(levels.ERROR, true, "gwlog: final spill to "+sp.o.Dir+": "+err.Error())
		}
		if !more || err != nil {
			break
		}
	}
	sp.mu.Lock()
	sp.closed = true
	store := sp.store
	sp.store = nil
	sp.mu.Unlock()
	if store != nil { // not under sp.mu: rings evicting meanwhile must not wait for it
		st := store.Stats() // idle: the flusher is done
		store.Close()
		sp.mu.Lock()
		sp.stats.Store = &st
		sp.mu.Unlock()
	}
	sp.mu.Lock()
	for _, q := range sp.queue {
		sp.lostLocked(q.st.name, q.seg.Records, "closed with the disk away")
	}
	sp.release(sp.queue)
	sp.queue = nil
	sp.mu.Unlock()
	sp.handOver()
}

// Stats returns the disk path's counters; nil for a nil Spiller.
func (sp *Spiller) Stats() *Stats {
	if sp == nil {
		return nil
	}
	sp.mu.Lock()
	out := sp.stats
	out.LostBy = maps.Clone(sp.stats.LostBy)
	out.Queued, out.QueueCap = sp.held, sp.o.QueueFloor
	store := sp.store
	var dev string
	var at uint64
	out.Writes, dev, at = sp.writeStats(sp.o.Now())
	sp.mu.Unlock()
	out.Writes.deviceSectors(dev, at)
	if store != nil {
		// Without sp.mu: Stats waits for a commit in progress, and a
		// ring that evicts meanwhile must not.
		st := store.Stats()
		out.Store = &st
	}
	return &out
}

// say queues a note for Notify; any lock may be held.
func (sp *Spiller) say(lv levels.Level, console bool, text string) {
	sp.nmu.Lock()
	if len(sp.notes) < maxNotes {
		sp.notes = append(sp.notes, Note{Level: lv, Console: console, Text: text})
	}
	sp.nmu.Unlock()
}

// maxNotes bounds the notes waiting: a flusher says a few per flush.
const maxNotes = 256

// handOver gives the notes queued to Notify, in order; no lock of the
// spiller's may be held.
func (sp *Spiller) handOver() {
	sp.dmu.Lock()
	defer sp.dmu.Unlock()
	sp.nmu.Lock()
	notes := sp.notes
	sp.notes = nil
	sp.nmu.Unlock()
	if sp.o.Notify == nil {
		return
	}
	for _, n := range notes {
		sp.o.Notify(n)
	}
}
