package gwlog

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/spill"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

// Options configure a Runtime. The zero value is the embedded minimal
// profile: the five standard streams, root at WARNING, the access and
// EventLog loggers at INFO, a 100 MiB RAM cap. The fields other than
// Configs override what the config files say.
type Options struct {
	// Configs are config files (log.cfg, then prod.cfg), later ones
	// overriding earlier ones key by key; a name ending in "?" may be
	// missing. They are re-read every [runtime] reload interval and on
	// Reload.
	Configs []string
	// Profile is "minimal" (root WARNING, RAM only) or "disk" (root
	// INFO) when no config file names one; empty means minimal.
	Profile string
	// RAMCap is the hard cap on the bytes of all rings together; zero
	// keeps the config's (100 MiB by default). Streams whose sizes are
	// left at their defaults shrink in proportion when they would not fit.
	RAMCap int64
	// Streams adjust streams by name, or add streams. Zero fields keep
	// the config's values.
	Streams []StreamOptions
	// Loggers configure named loggers over the config's.
	Loggers []LoggerOptions
	// MaxLine caps a line's bytes; zero keeps the config's (16 KiB).
	MaxLine int
	// EventRAM is the size of the event record ring, within RAMCap; zero
	// keeps the config's (8 MiB).
	EventRAM int64
	// BeforeWrite, when set, sees every event first and may modify it or
	// drop it (eventlog.Options.BeforeWrite).
	BeforeWrite func(*eventlog.Event) bool
	// Screen receives the console streams; nil means os.Stderr.
	Screen io.Writer
	// Location is the time zone of timestamps and of time rotation; nil
	// means time.Local.
	Location *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DiskRetry is how often a missing disk is looked for, and the first
	// wait before a failed one is tried again (doubling up to 5 minutes);
	// zero means 30 s.
	DiskRetry time.Duration
}

// StreamOptions adjust one stream. The zero value of each field keeps the
// stream's configured value (for a new stream: size 1 MiB rotation, keep
// 5, level NOTSET, levels.DefaultPattern).
type StreamOptions struct {
	// Name is the stream's name; its files are Name.log, Name.log.1, …
	Name string
	// Rotate says when a new segment starts; the zero Rotation keeps the
	// configured one.
	Rotate ramlog.Rotation
	// Keep is the number of history segments kept in RAM.
	Keep int
	// RAM is the ring's size; zero derives it from Rotate and Keep.
	RAM int64
	// Level is the least level the stream takes.
	Level levels.Level
	// Format is the line pattern (levels.NewFormatter).
	Format string
	// Console sends the stream to Options.Screen instead of a ring.
	Console bool
}

// LoggerOptions configure one named logger.
type LoggerOptions struct {
	// Name is the dotted logger name; "root" is the root logger.
	Name string
	// Level is the logger's own level; NOTSET keeps the configured one,
	// which for most loggers is to inherit the parent's.
	Level levels.Level
	// Streams are the logger's own streams; nil keeps the configured ones.
	Streams []string
	// NoPropagate stops records at this logger: its ancestors' streams
	// do not get them.
	NoPropagate bool
}

// The standard streams.
const (
	Access   = "access"
	Error    = "error"
	EventLog = "EventLog"
	Debug    = "debug"
	Screen   = "screen"
)

// ScreenLogger is the logger whose records go to the console (and, as
// every logger's, to the debug stream): start-up and stop messages.
const ScreenLogger = "screen"

// Runtime wires the logger tree to RAM streams under one cap, and keeps
// them in step with the config files. Its methods are safe for concurrent
// use.
type Runtime struct {
	opts   Options
	tree   *levels.Tree
	budget *ramlog.Budget
	fsys   *ramlog.FS
	screen *console
	events *eventlog.Log
	spill  *spill.Spiller // the disk path; nil when no disk is configured
	// detached is set once Close has detached the loggers: the disk
	// path's last notes go to the console.
	detached atomic.Bool
	// ingest reads the syslog ingest's counters; nil for none (SetIngest).
	ingest atomic.Pointer[func() syslog.Stats]
	// access maps streams to their access formats (AccessFormat), set
	// by apply.
	access atomic.Pointer[map[string]string]

	// mu guards the fields below; held to apply a config. It comes first
	// in the lock order (docs/design.md, "Locks"): notes of a reload are
	// written under it, through Dedups and rings into the spiller.
	mu         sync.RWMutex
	streams    map[string]*ramlog.Stream
	order      []string // ring streams in the order they were declared
	targets    map[string]levels.Target
	plan       *plan
	files      cfg.Files               // the config files as last applied
	saidBad    string                  // the reload error last said, until a reload works
	saidPlain  map[string]bool         // streams said to stay plain, until they compress
	forwards   []namedForward          // running syslog destinations
	webhooks   []namedWebhook          // running webhook alerts
	shippers   []namedShipper          // running fleet destinations (loki, otlp, influx)
	forwarding map[string]running      // all of them by name, with their config
	temps      map[string]*temporary   // levels raised for a while
	pinned     map[string]levels.Level // levels set for good by SetLevel
	spent      map[string]string       // config temporaries that ran out, by their setting
	closed     bool
	stop       chan struct{} // closed by Close: ends the watcher
	watching   sync.WaitGroup
}

// Open builds a runtime from o and its config files. An error names the
// file:line or option at fault.
func Open(o Options) (*Runtime, error) {
	files, err := cfg.ReadFiles(o.Configs)
	if err != nil {
		return nil, &configError{err}
	}
	c, err := files.Parse(o.Profile)
	if err != nil {
		return nil, &configError{err}
	}
	p := makePlan(c, o, nil)
	budget, err := ramlog.NewBudget(p.ramCap)
	if err != nil {
		return nil, fmt.Errorf("%w: ram_cap: %w", ErrConfig, err)
	}
	screen := o.Screen
	if screen == nil {
		screen = os.Stderr
	}
	rt := &Runtime{
		opts:      o,
		tree:      levels.NewTree(levels.Options{Now: o.Now}),
		budget:    budget,
		screen:    &console{w: screen},
		streams:   make(map[string]*ramlog.Stream),
		temps:     make(map[string]*temporary),
		pinned:    make(map[string]levels.Level),
		spent:     make(map[string]string),
		saidPlain: make(map[string]bool),
		stop:      make(chan struct{}),
	}
	rt.fsys = ramlog.NewFS(rt.Streams)
	rt.mu.Lock()
	err = rt.apply(p)
	rt.files = files
	rt.mu.Unlock()
	if err == nil {
		rt.spill = rt.openSpill(p)
		eo := p.events()
		eo.Budget, eo.Tree, eo.BeforeWrite, eo.Now, eo.NextSeq = budget, rt.tree, o.BeforeWrite, o.Now, rt.spill.NextSeq()
		rt.events, err = eventlog.New(eo)
		if err != nil {
			err = fmt.Errorf("%w: event_ram: %w", ErrConfig, err)
		} else {
			rt.mu.Lock()
			err = rt.startForwards(p)
			rt.mu.Unlock()
		}
	}
	if err != nil {
		rt.tree.Configure(nil)
		rt.detached.Store(true)
		rt.mu.Lock()
		rt.stopForwards() // those that started before one failed
		rt.mu.Unlock()
		rt.closeStreams()
		if rt.events != nil {
			rt.events.Close()
		}
		rt.spill.Close()
		return nil, err
	}
	rt.spill.Follow(rt.Streams(), rt.events)
	rt.hurryErrors()
	rt.spill.Start()
	if len(o.Configs) > 0 {
		rt.watching.Go(rt.watch)
	}
	rt.watching.Go(rt.monitor)
	return rt, nil
}

// Logger returns the named logger ("" or "root" for the root logger).
func (rt *Runtime) Logger(name string) *levels.Logger { return rt.tree.Get(name) }

// Tree returns the logger tree. Levels set on it directly last until the
// next config is applied; SetLevel's survive reloads.
func (rt *Runtime) Tree() *levels.Tree { return rt.tree }

// Handler returns an slog.Handler that routes log/slog records through
// the tree: by their "logger" attribute, else to the root logger.
func (rt *Runtime) Handler() slog.Handler {
	return rt.tree.Handler(levels.HandlerOptions{})
}

// Events returns the event log: Write events, Query them, graph a Series.
func (rt *Runtime) Events() *eventlog.Log { return rt.events }

// Stream returns the named RAM stream, or nil (console streams such as
// screen have no ring).
func (rt *Runtime) Stream(name string) *ramlog.Stream {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.streams[name]
}

// StreamFormatter returns the formatter of the named stream's lines, or
// nil for no such stream: httplog reads lines back with it (level,
// logger, time and token filters).
func (rt *Runtime) StreamFormatter(name string) *levels.Formatter {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.targets[name].Format
}

// Streams returns the RAM streams in declaration order.
func (rt *Runtime) Streams() []*ramlog.Stream {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.streamsLocked()
}

// streamsLocked is Streams with rt.mu held.
func (rt *Runtime) streamsLocked() []*ramlog.Stream {
	out := make([]*ramlog.Stream, 0, len(rt.order))
	for _, n := range rt.order {
		out = append(out, rt.streams[n])
	}
	return out
}

// RAMCap returns the cap in force and how it was chosen: set in a file
// (its file:line), by Options.RAMCap, or the default (100 MiB, but never
// more than a quarter of the machine's memory).
func (rt *Runtime) RAMCap() (int64, string) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.plan.ramCap, rt.plan.capWhy
}

// Config returns the configuration in force: the merged config files
// (or the embedded profile), before Options' overrides. It is shared: do
// not modify it.
func (rt *Runtime) Config() *cfg.Config {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	return rt.plan.conf
}

// AccessFormat returns the access format the config gives the stream
// (combined, common, w3c or an Apache pattern; see httplog.IsAccessFormat),
// or "" when its format is a levels pattern. httplog.Middleware calls it
// per request so that a reload changes the access lines' format.
func (rt *Runtime) AccessFormat(stream string) string {
	if m := rt.access.Load(); m != nil {
		return (*m)[stream]
	}
	return ""
}

// FS returns a read-only file system of every stream's segments by their
// file names (debug.log, debug.log.1, access.log.2026-11-21, …).
func (rt *Runtime) FS() fs.FS { return rt.fsys }

// HTTPHandler returns the read-back HTTP API (package httplog).
func (rt *Runtime) HTTPHandler() http.Handler { return httplog.NewHandler(rt) }

// Stats are the runtime's counters.
type Stats struct {
	RAMCap   int64                           `json:"ram_cap"`
	RAMUsed  int64                           `json:"ram_used"` // reserved by rings
	Streams  []ramlog.Stats                  `json:"streams"`
	Events   eventlog.Stats                  `json:"events"`
	Forwards map[string]forward.Stats        `json:"forwards,omitempty"` // by destination
	Webhooks map[string]forward.WebhookStats `json:"webhooks,omitempty"`
	// Shippers are the fleet destinations' counters (loki, otlp,
	// influx), by destination.
	Shippers map[string]forward.ShipStats `json:"shippers,omitempty"`
	// Disk is the disk path's counters, with the store's (bytes written,
	// fsyncs, write amplification); nil when no disk is configured.
	Disk *SpillStats `json:"disk,omitempty"`
	// Syslog is the local syslog ingest's counters; nil unless SetIngest
	// named it.
	Syslog *syslog.Stats `json:"syslog,omitempty"`
}

// Stats returns the runtime's counters.
func (rt *Runtime) Stats() Stats {
	st := Stats{RAMCap: rt.budget.Limit(), RAMUsed: rt.budget.Used(), Events: rt.events.Stats(), Disk: rt.spill.Stats()}
	rt.mu.RLock()
	for _, f := range rt.forwards {
		if st.Forwards == nil {
			st.Forwards = make(map[string]forward.Stats)
		}
		st.Forwards[f.name] = f.Stats()
	}
	for _, w := range rt.webhooks {
		if st.Webhooks == nil {
			st.Webhooks = make(map[string]forward.WebhookStats)
		}
		st.Webhooks[w.name] = w.Stats()
	}
	for _, s := range rt.shippers {
		if st.Shippers == nil {
			st.Shippers = make(map[string]forward.ShipStats)
		}
		st.Shippers[s.name] = s.Stats()
	}
	rt.mu.RUnlock()
	for _, s := range rt.Streams() {
		st.Streams = append(st.Streams, s.Stats())
	}
	if f := rt.ingest.Load(); f != nil {
		in := (*f)()
		st.Syslog = &in
	}
	return st
}

// SetIngest makes Stats, and so /stats and the monitor line, carry the
// counters of the local syslog ingest that feeds the runtime, read with
// f (syslog.Server.Stats), which must be safe for concurrent use and
// take no lock of the runtime's; nil takes them out.
func (rt *Runtime) SetIngest(f func() syslog.Stats) {
	if f == nil {
		rt.ingest.Store(nil)
		return
	}
	rt.ingest.Store(&f)
}

// StatsJSON returns Stats for the read-back API's GET /stats.
func (rt *Runtime) StatsJSON() any { return rt.Stats() }

// Close stops watching the config files, detaches every logger and closes
// the streams: later records are dropped, followers end, temporary levels
// are cancelled, and the rings' RAM goes back to the budget. Readers keep
// working. Close is idempotent and always returns nil.
func (rt *Runtime) Close() error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil
	}
	rt.closed = true
	close(rt.stop)
	for _, tmp := range rt.temps {
		tmp.stop()
	}
	rt.tree.Configure(nil)
	rt.detached.Store(true)
	levels.CloseDedups(rt.targets) // the repeat counts held, before the streams close
	rt.stopForwards()
	rt.mu.Unlock()
	rt.watching.Wait()
	rt.closeStreams()
	rt.events.Close()
	rt.spill.Close()
	return nil
}

func (rt *Runtime) closeStreams() {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	for _, s := range rt.streams {
		s.Close()
	}
}

// console is a stream that writes to a terminal instead of a ring.
type console struct {
	mu sync.Mutex
	w  io.Writer
}

// WriteLine implements levels.Sink. A failing console is ignored: the
// line is in the debug stream too.
func (c *console) WriteLine(_ int64, line []byte) {
	c.mu.Lock()
	_, _ = c.w.Write(line)
	c.mu.Unlock()
}
