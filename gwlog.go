package gwlog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// Options configure a Runtime. The zero value is the embedded minimal
// profile: the five standard streams, root at WARNING, the access and
// EventLog loggers at INFO, a 100 MiB RAM cap.
type Options struct {
	// Profile is "minimal" (the default: root WARNING, RAM only) or
	// "disk" (root INFO).
	Profile string
	// RAMCap is the hard cap on the bytes of all rings together; zero
	// means 100 MiB. Streams whose sizes are left at their defaults
	// shrink in proportion when they would not fit.
	RAMCap int64
	// Streams adjust the standard streams by name, or add streams. Zero
	// fields keep the stream's defaults.
	Streams []StreamOptions
	// Loggers configure named loggers; they apply over the profile's.
	Loggers []LoggerOptions
	// MaxLine caps a line's bytes; zero means 16 KiB.
	MaxLine int
	// Screen receives the screen stream; nil means os.Stderr.
	Screen io.Writer
	// Location is the time zone of timestamps and of time rotation; nil
	// means time.Local.
	Location *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// StreamOptions adjust one stream. The zero value of each field keeps the
// stream's default (for a new stream: size 1 MiB rotation, keep 5, level
// NOTSET, levels.DefaultPattern).
type StreamOptions struct {
	// Name is the stream's name; its files are Name.log, Name.log.1, …
	Name string
	// Rotate says when a new segment starts; the zero Rotation keeps the
	// default.
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
	// Level is the logger's own level; NOTSET keeps the profile's, which
	// for most loggers is to inherit the parent's.
	Level levels.Level
	// Streams are the logger's own streams; nil keeps the profile's.
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

var day = ramlog.Rotation{Kind: ramlog.RotateTime, Every: ramlog.Midnight}

// standardStreams is the streams table of DESIGN.md.
func standardStreams() []StreamOptions {
	return []StreamOptions{
		{Name: Access, Rotate: day, Keep: 7, Format: "%(message)s"},
		{Name: Error, Rotate: day, Keep: 7, Level: levels.ERROR,
			Format: "%(asctime)s %(levelname)s %(name)s %(filename)s:%(lineno)d %(message)s %(attrs)s"},
		{Name: EventLog, Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 1 << 20}, Keep: 5,
			Format: "%(asctime)s %(name)s %(message)s %(attrs)s"},
		{Name: Debug, Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 1 << 20}, Keep: 5},
		{Name: Screen, Console: true, Format: "%(asctime)s %(levelname)s %(message)s %(attrs)s"},
	}
}

// profileLoggers is the logger setup of a profile.
func profileLoggers(profile string) ([]LoggerOptions, error) {
	root := levels.WARNING
	switch profile {
	case "", "minimal":
	case "disk":
		root = levels.INFO
	default:
		return nil, fmt.Errorf("%w: profile %q (want minimal or disk)", ErrConfig, profile)
	}
	return []LoggerOptions{
		{Name: "root", Level: root, Streams: []string{Debug, Error}},
		{Name: "access", Level: levels.INFO, Streams: []string{Access}},
		{Name: "EventLog", Level: levels.INFO, Streams: []string{EventLog}},
		{Name: ScreenLogger, Level: levels.INFO, Streams: []string{Screen}},
	}, nil
}

// Runtime wires the logger tree to RAM streams under one cap. Its methods
// are safe for concurrent use.
type Runtime struct {
	tree     *levels.Tree
	budget   *ramlog.Budget
	streams  map[string]*ramlog.Stream
	order    []string // ring streams in the order they were declared
	consoles map[string]*console
	fsys     *ramlog.FS

	closeOnce sync.Once
}

// Open builds a runtime from o. An error names the option at fault.
func Open(o Options) (*Runtime, error) {
	budget, err := ramlog.NewBudget(o.RAMCap)
	if err != nil {
		return nil, fmt.Errorf("%w: ram_cap: %w", ErrConfig, err)
	}
	rt := &Runtime{
		tree:     levels.NewTree(levels.Options{Now: o.Now}),
		budget:   budget,
		streams:  make(map[string]*ramlog.Stream),
		consoles: make(map[string]*console),
	}
	rt.fsys = ramlog.NewFS(rt.Streams)
	ok := false
	defer func() {
		if !ok {
			rt.closeStreams()
		}
	}()

	targets, err := rt.buildStreams(o)
	if err != nil {
		return nil, err
	}
	configs, err := loggerConfigs(o, targets)
	if err != nil {
		return nil, err
	}
	rt.tree.Configure(configs)
	ok = true
	return rt, nil
}

// buildStreams makes every stream of o merged over the standard ones and
// returns their targets by name.
func (rt *Runtime) buildStreams(o Options) (map[string]levels.Target, error) {
	specs := standardStreams()
	sizedByUser := make([]bool, len(specs))
	for _, so := range o.Streams {
		i := slices.IndexFunc(specs, func(s StreamOptions) bool { return s.Name == so.Name })
		if i < 0 {
			specs = append(specs, so)
			sizedByUser = append(sizedByUser, true)
			continue
		}
		specs[i] = merge(specs[i], so)
		sizedByUser[i] = sizedByUser[i] || so.RAM != 0 || so.Keep != 0 || so.Rotate != (ramlog.Rotation{})
	}
	fitDefaults(specs, sizedByUser, rt.budget.Limit())
	screen := o.Screen
	if screen == nil {
		screen = os.Stderr
	}
	formats := make(map[string]*levels.Formatter)
	targets := make(map[string]levels.Target, len(specs))
	var errs []error
	for _, sp := range specs {
		f, err := formatter(formats, sp.Format, o)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: stream %s: format: %w", ErrConfig, sp.Name, err))
			continue
		}
		var sink levels.Sink
		if sp.Console {
			c := &console{w: screen}
			rt.consoles[sp.Name] = c
			sink = c
		} else {
			ro := ringOptions(sp)
			ro.Budget, ro.Location, ro.Now = rt.budget, o.Location, o.Now
			s, err := ramlog.New(sp.Name, ro)
			if err != nil {
				if errors.Is(err, ramlog.ErrOverBudget) {
					err = fmt.Errorf("%w (ram_cap is %s; lower the rings or raise ram_cap)", err, units.FormatSize(rt.budget.Limit()))
				}
				errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
				continue
			}
			rt.streams[sp.Name] = s
			rt.order = append(rt.order, sp.Name)
			sink = s
		}
		targets[sp.Name] = levels.Target{Name: sp.Name, Level: sp.Level, Format: f, Sink: sink}
	}
	return targets, errors.Join(errs...)
}

// fitDefaults shrinks the rings that keep their default sizes, in
// proportion, when all rings would not fit under limit, so that setting
// ram_cap alone is enough, as journald's RuntimeMaxUse is. Sizes the user
// gave are kept; if those alone do not fit, Open reports it.
func fitDefaults(specs []StreamOptions, byUser []bool, limit int64) {
	var fixed, flexible int64
	for i, sp := range specs {
		if sp.Console {
			continue
		}
		n := ringOptions(sp).RingSize()
		if byUser[i] {
			fixed += n
		} else {
			flexible += n
		}
	}
	if fixed+flexible <= limit || flexible == 0 || fixed >= limit {
		return
	}
	f := float64(limit-fixed) / float64(flexible)
	for i := range specs {
		sp := &specs[i]
		if byUser[i] || sp.Console {
			continue
		}
		if sp.Rotate.Kind == ramlog.RotateSize || sp.Rotate.Kind == ramlog.RotateBoth {
			sp.Rotate.Size = max(int64(float64(sp.Rotate.Size)*f)&^(4<<10-1), minSegment)
		} else {
			sp.RAM = max(int64(float64(ringOptions(*sp).RingSize())*f)&^(4<<10-1), minSegment*2)
		}
	}
}

// minSegment is the least segment that fitDefaults shrinks a stream to.
const minSegment = 16 << 10

func ringOptions(sp StreamOptions) ramlog.Options {
	return ramlog.Options{Rotate: sp.Rotate, Keep: sp.Keep, RAM: sp.RAM}
}

func merge(base, over StreamOptions) StreamOptions {
	if over.Rotate != (ramlog.Rotation{}) {
		base.Rotate = over.Rotate
	}
	if over.Keep != 0 {
		base.Keep = over.Keep
	}
	if over.RAM != 0 {
		base.RAM = over.RAM
	}
	if over.Level != levels.NOTSET {
		base.Level = over.Level
	}
	if over.Format != "" {
		base.Format = over.Format
	}
	base.Console = base.Console || over.Console
	return base
}

// formatter returns the shared formatter of a pattern, so that streams
// with the same pattern render a record once.
func formatter(cache map[string]*levels.Formatter, pattern string, o Options) (*levels.Formatter, error) {
	if f, ok := cache[pattern]; ok {
		return f, nil
	}
	f, err := levels.NewFormatter(levels.FormatterOptions{Pattern: pattern, MaxLine: o.MaxLine, Location: o.Location})
	if err != nil {
		return nil, err
	}
	cache[pattern] = f
	return f, nil
}

// loggerConfigs merges o.Loggers over the profile's and resolves stream
// names to targets.
func loggerConfigs(o Options, targets map[string]levels.Target) (map[string]levels.Config, error) {
	base, err := profileLoggers(o.Profile)
	if err != nil {
		return nil, err
	}
	type spec struct {
		LoggerOptions
		streamsSet bool
	}
	specs := make(map[string]*spec)
	var names []string
	for _, lo := range append(base, o.Loggers...) {
		name := levels.Canonical(lo.Name)
		if name == "" {
			name = "root"
		}
		sp, ok := specs[name]
		if !ok {
			sp = &spec{}
			specs[name] = sp
			names = append(names, name)
		}
		sp.Name = name
		if lo.Level != levels.NOTSET {
			sp.Level = lo.Level
		}
		sp.NoPropagate = sp.NoPropagate || lo.NoPropagate
		if lo.Streams != nil {
			sp.Streams, sp.streamsSet = lo.Streams, true
		}
	}
	configs := make(map[string]levels.Config, len(specs))
	var errs []error
	for _, name := range names {
		sp := specs[name]
		c := levels.Config{Level: sp.Level, Propagate: !sp.NoPropagate}
		for _, s := range sp.Streams {
			t, ok := targets[s]
			if !ok {
				errs = append(errs, fmt.Errorf("%w: logger %s: streams: no stream %q", ErrConfig, name, s))
				continue
			}
			c.Targets = append(c.Targets, t)
		}
		configs[name] = c
	}
	return configs, errors.Join(errs...)
}

// Logger returns the named logger ("" or "root" for the root logger).
func (rt *Runtime) Logger(name string) *levels.Logger { return rt.tree.Get(name) }

// Tree returns the logger tree, to change levels at run time.
func (rt *Runtime) Tree() *levels.Tree { return rt.tree }

// Handler returns an slog.Handler that routes log/slog records through
// the tree: by their "logger" attribute, else to the root logger.
func (rt *Runtime) Handler() slog.Handler {
	return rt.tree.Handler(levels.HandlerOptions{})
}

// Stream returns the named RAM stream, or nil (console streams such as
// screen have no ring).
func (rt *Runtime) Stream(name string) *ramlog.Stream { return rt.streams[name] }

// Streams returns the RAM streams in declaration order.
func (rt *Runtime) Streams() []*ramlog.Stream {
	out := make([]*ramlog.Stream, 0, len(rt.order))
	for _, n := range rt.order {
		out = append(out, rt.streams[n])
	}
	return out
}

// FS returns a read-only file system of every stream's segments by their
// file names (debug.log, debug.log.1, access.log.2026-11-21, …).
func (rt *Runtime) FS() fs.FS { return rt.fsys }

// HTTPHandler returns the read-back HTTP API (GET /streams and GET
// /streams/{name}?n=N).
func (rt *Runtime) HTTPHandler() http.Handler { return httplog.NewHandler(rt) }

// Stats are the runtime's counters.
type Stats struct {
	RAMCap  int64          `json:"ram_cap"`
	RAMUsed int64          `json:"ram_used"` // reserved by rings
	Streams []ramlog.Stats `json:"streams"`
}

// Stats returns the runtime's counters.
func (rt *Runtime) Stats() Stats {
	st := Stats{RAMCap: rt.budget.Limit(), RAMUsed: rt.budget.Used()}
	for _, s := range rt.Streams() {
		st.Streams = append(st.Streams, s.Stats())
	}
	return st
}

// Close detaches every logger and closes the streams: later records are
// dropped, followers end, and the rings' RAM goes back to the budget.
// Readers keep working. Close is idempotent and always returns nil.
func (rt *Runtime) Close() error {
	rt.closeOnce.Do(func() {
		rt.tree.Configure(nil)
		rt.closeStreams()
	})
	return nil
}

func (rt *Runtime) closeStreams() {
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
