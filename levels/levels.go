package levels

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sink receives formatted lines. WriteLine must not keep line after it
// returns, must not block for long, and must be safe for concurrent use.
// when is the record's time in Unix nanoseconds (0 when the record has
// none), so that a sink can rotate by it; it is an integer rather than a
// time.Time so that the record's attrs stay on the caller's stack.
type Sink interface {
	WriteLine(when int64, line []byte)
}

// CleanSink is a Sink that can take a line known to hold no CR or LF but
// for its final newline without scanning it again: a Formatter's lines
// (ramlog.Stream is one). Targets whose sink is one get lines that way.
type CleanSink interface {
	Sink
	WriteCleanLine(when int64, line []byte)
}

// Target is one destination of a logger's records: a stream, in gwlog.
type Target struct {
	// Name identifies the target; a record reaches a target once even when
	// several loggers on its path name it.
	Name string
	// Level is the least level the target takes; NOTSET takes everything.
	Level Level
	// Format renders the line; targets that share a Formatter share the
	// rendering.
	Format *Formatter
	// Sink receives the line.
	Sink Sink
	// EventsOnly makes the target take event lines (Logger.LogEvent)
	// only, so that nothing else can write to the EventLog stream.
	EventsOnly bool
	// Urgent, when set, is called on the logging goroutine after Sink
	// took a line at UrgentLevel or above (gwlog's disk path then writes
	// it within flush_urgent). It must not block.
	Urgent func()
	// UrgentLevel is the least level for which Urgent is called.
	UrgentLevel Level

	clean CleanSink // Sink, when it is one; set by the route
}

// Options configure a Tree. The zero value means the defaults.
type Options struct {
	// RootLevel is the root logger's level; NOTSET means WARNING.
	RootLevel Level
	// Now stamps records; nil means the wall clock (time.Now's, read
	// through the monotonic clock with the wall clock's offset taken
	// again every second: see Tree.Now).
	Now func() time.Time
}

// Tree is the hierarchy of named loggers, like Python's logging manager:
// "A.B" is the parent of "A.B.C" and "root" (or "") is everyone's ancestor.
// All methods are safe for concurrent use. Configuration changes take a
// lock and republish precomputed routes; the logging path only loads them
// atomically.
type Tree struct {
	now func() time.Time
	clk wallClock

	mu    sync.Mutex // serializes configuration changes
	nodes sync.Map   // name → *node
	root  *node
	all   []*node // guarded by mu
	gate  atomic.Int32
}

// node is one named logger's shared state.
type node struct {
	tree   *Tree
	name   string
	text   string // name as %(name)s writes it: escaped, "root" for the root
	parent *node

	// guarded by tree.mu
	level     Level
	propagate bool
	targets   []Target
	children  []*node

	eff   atomic.Int32 // effective level: nearest level set on the path to root
	gate  atomic.Int32 // least level worth formatting: max(eff, route.min)
	route atomic.Pointer[route]

	base Logger
}

// route is what a record from a node reaches: its own targets, then its
// ancestors' while propagate holds, each target once.
type route struct {
	targets   []Target
	min       Level
	callerMin Level // least level some target that renders the caller takes
	ctx       bool
	dedup     bool // some target's sink is a Dedup: lines note their time fields
}

// NewTree returns a tree whose root logger has o.RootLevel and no targets.
func NewTree(o Options) *Tree {
	t := &Tree{now: o.Now}
	if t.now == nil {
		t.now = t.clk.now
	}
	lv := o.RootLevel
	if lv == NOTSET {
		lv = WARNING
	}
	t.root = t.newNode("root", nil)
	t.root.level = lv
	t.nodes.Store("root", t.root)
	t.mu.Lock()
	t.all = append(t.all, t.root)
	t.refresh()
	t.mu.Unlock()
	return t
}

func (t *Tree) newNode(name string, parent *node) *node {
	n := &node{tree: t, name: name, parent: parent, propagate: true, text: nameText(name)}
	n.base = Logger{n: n}
	return n
}

// nameText is name as %(name)s writes it: escaped, so that a line costs
// a copy of it, and "root" for the root logger.
func nameText(name string) string {
	if name == "" {
		return "root"
	}
	return string(appendText(nil, name, false))
}

// Now returns the time records are stamped with: Options.Now's, or the
// wall clock read through the monotonic one, whose offset is taken from
// time.Now again every second (one clock read per line rather than
// time.Now's two; a step of the wall clock shows within a second). The
// time has no monotonic reading.
func (t *Tree) Now() time.Time { return t.now() }

// Canonical returns the canonical form of a logger name: dots around empty
// components removed, and "" for the root logger, which may be named "",
// "root" or ".".
func Canonical(name string) string {
	if name == "root" {
		return ""
	}
	if !strings.Contains(name, "..") && !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".") {
		return name
	}
	parts := strings.Split(name, ".")
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	return strings.Join(parts, ".")
}

// Get returns the logger with the given dotted name, creating it and its
// ancestors as needed. The same name always returns the same *Logger.
func (t *Tree) Get(name string) *Logger {
	return &t.node(name).base
}

// Root returns the root logger.
func (t *Tree) Root() *Logger { return &t.root.base }

func (t *Tree) node(name string) *node {
	if v, ok := t.nodes.Load(name); ok {
		return v.(*node)
	}
	c := Canonical(name)
	if c == "" {
		return t.root
	}
	if v, ok := t.nodes.Load(c); ok {
		return v.(*node)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.create(c)
}

// MaxNamedByRecords bounds the loggers that records can create by naming
// them through the slog bridge: past it, a record goes to the nearest
// logger that exists, so that a "logger" attribute with ever-new values
// cannot grow the tree without end.
const MaxNamedByRecords = 4096

// GetBounded is Get for names that come from outside — the slog bridge's
// logger attribute, the app name of a syslog packet: once the tree holds
// MaxNamedByRecords loggers it creates no more and returns the nearest
// logger that exists.
func (t *Tree) GetBounded(name string) *Logger { return &t.nodeNamedByRecord(name).base }

// nodeNamedByRecord is node for a name that came with a record.
func (t *Tree) nodeNamedByRecord(name string) *node {
	if v, ok := t.nodes.Load(name); ok {
		return v.(*node)
	}
	c := Canonical(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.all) < MaxNamedByRecords {
		return t.create(c)
	}
	for c != "" {
		if v, ok := t.nodes.Load(c); ok {
			return v.(*node)
		}
		i := strings.LastIndexByte(c, '.')
		if i < 0 {
			break
		}
		c = c[:i]
	}
	return t.root
}

// create makes the node c and its missing ancestors; t.mu is held.
func (t *Tree) create(c string) *node {
	if c == "" {
		return t.root
	}
	if v, ok := t.nodes.Load(c); ok {
		return v.(*node)
	}
	parent := t.root
	if i := strings.LastIndexByte(c, '.'); i >= 0 {
		parent = t.create(c[:i])
	}
	n := t.newNode(c, parent)
	parent.children = append(parent.children, n)
	t.all = append(t.all, n)
	t.update(n)
	t.gate.Store(min(t.gate.Load(), n.gate.Load()))
	t.nodes.Store(c, n)
	return n
}

// Names returns the names of all loggers created so far, sorted; the root
// is "root".
func (t *Tree) Names() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.all))
	for _, n := range t.all {
		names = append(names, n.name)
	}
	slices.Sort(names)
	return names
}

// SetLevel sets the named logger's own level; NOTSET makes it inherit its
// parent's. The root cannot be NOTSET: setting it so restores WARNING.
func (t *Tree) SetLevel(name string, lv Level) {
	n := t.node(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	if n == t.root && lv == NOTSET {
		lv = WARNING
	}
	n.level = lv
	t.refresh()
}

// Level returns the named logger's own level (NOTSET when it inherits).
func (t *Tree) Level(name string) Level {
	n := t.node(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	return n.level
}

// SetTargets replaces the named logger's own targets.
func (t *Tree) SetTargets(name string, targets []Target) {
	n := t.node(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	n.targets = slices.Clone(targets)
	t.refresh()
}

// SetPropagate sets whether the named logger's records also reach its
// ancestors' targets (the default).
func (t *Tree) SetPropagate(name string, on bool) {
	n := t.node(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	n.propagate = on
	t.refresh()
}

// Config is a logger's configuration, as Configure takes it.
type Config struct {
	Level     Level
	Propagate bool
	Targets   []Target
}

// Configure applies configs to the named loggers and resets every other
// logger to NOTSET, propagating, with no targets — all under one lock, so
// that a record sees either the old configuration or the new one. The root
// ("root") defaults to WARNING when absent.
func (t *Tree) Configure(configs map[string]Config) {
	canon := make(map[string]Config, len(configs))
	for name, c := range configs {
		canon[Canonical(name)] = c
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for name := range canon {
		t.create(name)
	}
	for _, n := range t.all {
		key := n.name
		if n == t.root {
			key = ""
		}
		c, ok := canon[key]
		if !ok {
			c = Config{Propagate: true}
		}
		n.level, n.propagate, n.targets = c.Level, c.Propagate, slices.Clone(c.Targets)
		if n == t.root && n.level == NOTSET {
			n.level = WARNING
		}
	}
	t.refresh()
}

// refresh recomputes every node's effective level and route, parents
// before children (t.all is in creation order, parents first); t.mu is held.
func (t *Tree) refresh() {
	gate := OFF
	for _, n := range t.all {
		t.update(n)
		gate = min(gate, Level(n.gate.Load()))
	}
	t.gate.Store(int32(gate))
}

// update recomputes n from its parent's published state; t.mu is held.
func (t *Tree) update(n *node) {
	eff := n.level
	if eff == NOTSET && n.parent != nil {
		eff = Level(n.parent.eff.Load())
	}
	var up *route
	if n.propagate && n.parent != nil {
		up = n.parent.route.Load()
	}
	r := up
	if len(n.targets) > 0 || r == nil {
		r = buildRoute(n.targets, up)
	}
	n.eff.Store(int32(eff))
	n.route.Store(r)
	n.gate.Store(int32(max(eff, r.min)))
}

func buildRoute(own []Target, up *route) *route {
	r := &route{min: OFF, callerMin: OFF}
	add := func(tg Target) {
		if tg.Sink == nil || tg.Format == nil || tg.Level >= OFF {
			return
		}
		for _, have := range r.targets {
			if have.Name == tg.Name {
				return
			}
		}
		tg.clean, _ = tg.Sink.(CleanSink)
		r.targets = append(r.targets, tg)
		r.min = min(r.min, max(tg.Level, 1))
		if tg.Format.NeedsCaller() {
			r.callerMin = min(r.callerMin, max(tg.Level, 1))
		}
		r.ctx = r.ctx || tg.Format.NeedsContext()
		_, d := tg.Sink.(*Dedup)
		r.dedup = r.dedup || d
	}
	for _, tg := range own {
		add(tg)
	}
	if up != nil {
		for _, tg := range up.targets {
			add(tg)
		}
	}
	// Targets that share a formatter sit side by side so that a line is
	// rendered once for them.
	order := make(map[*Formatter]int)
	for i, tg := range r.targets {
		if _, ok := order[tg.Format]; !ok {
			order[tg.Format] = i
		}
	}
	slices.SortStableFunc(r.targets, func(a, b Target) int { return order[a.Format] - order[b.Format] })
	return r
}
