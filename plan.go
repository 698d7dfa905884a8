package gwlog

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/sysmem"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// plan is what a runtime is built from: the merged config with the
// Options' overrides applied, ring sizes fitted under the cap.
type plan struct {
	conf     *cfg.Config
	ramCap   int64
	capWhy   string // how ramCap was chosen
	maxLine  int
	eventRAM int64 // the event record ring
	// eventsMoved says that event_ram asks for another size than the
	// event ring in place has, which it keeps until a restart.
	eventsMoved bool
	// eventsHeld says that an event log is in place, which keeps its
	// size and eventsZip, whether it compresses, until a restart.
	eventsHeld, eventsZip bool
	streams               []streamPlan
	loggers               []cfg.Logger
}

type streamPlan struct {
	cfg.Stream
	sizedByUser bool // rotate, keep or ram came from a file or Options
	keepByUser  bool // keep came from a file or Options: it bounds compressed history too
	gzipByUser  bool // ram_compress came from a file: the plan never makes it plain
	// plainWhy says why a stream with ram_compress = gzip stays plain
	// (plan.demote); "" when it compresses, or is plain by its config.
	plainWhy string
}

// makePlan applies o's overrides to c. held, when not nil, is the event
// log in place, which keeps its size and compression until a restart.
func makePlan(c *cfg.Config, o Options, held *eventlog.Log) *plan {
	p := &plan{conf: c, maxLine: c.Runtime.MaxLine, eventRAM: c.Runtime.EventRAM}
	var heldEvents int64
	if held != nil {
		heldEvents = held.Stats().Cap
		p.eventsHeld, p.eventsZip = true, held.Compresses()
	}
	p.ramCap, p.capWhy = sysmem.DefaultCap(c.Runtime.RAMCap)
	if where := c.Origins["runtime/ram_cap"]; where.File != "" {
		p.ramCap, p.capWhy = c.Runtime.RAMCap, "set at "+where.String()
	}
	if o.RAMCap != 0 {
		p.ramCap, p.capWhy = o.RAMCap, "set by Options.RAMCap"
	}
	if o.EventRAM != 0 {
		p.eventRAM = o.EventRAM
	}
	eventsByUser := o.EventRAM != 0 || c.Origins["runtime/event_ram"].File != ""
	if p.eventsMoved = eventsByUser && heldEvents != 0 && p.eventRAM != heldEvents; heldEvents != 0 {
		p.eventRAM, eventsByUser = heldEvents, true
	}
	if o.MaxLine != 0 {
		p.maxLine = o.MaxLine
	}
	for _, s := range c.Streams {
		byUser := false
		for _, k := range []string{"rotate", "keep", "ram"} {
			byUser = byUser || c.Origins["stream."+s.Name+"/"+k].File != ""
		}
		keepByUser := c.Origins["stream."+s.Name+"/keep"].File != ""
		gzipByUser := c.Origins["stream."+s.Name+"/ram_compress"].File != ""
		p.streams = append(p.streams, streamPlan{Stream: s, sizedByUser: byUser, keepByUser: keepByUser, gzipByUser: gzipByUser})
	}
	if c.Runtime.Monitor > 0 && !slices.ContainsFunc(p.streams, func(sp streamPlan) bool { return sp.Name == Monitor }) {
		p.streams = append(p.streams, streamPlan{Stream: monitorStream()})
	}
	for _, so := range o.Streams {
		i := slices.IndexFunc(p.streams, func(sp streamPlan) bool { return sp.Name == so.Name })
		if i < 0 {
			p.streams = append(p.streams, streamPlan{Stream: cfg.Stream{Name: so.Name, Keep: ramlog.DefaultKeep, RAMCompress: "none"}, sizedByUser: true})
			i = len(p.streams) - 1
		}
		sp := &p.streams[i]
		sp.Stream = overStream(sp.Stream, so)
		sp.sizedByUser = sp.sizedByUser || so.RAM != 0 || so.Keep != 0 || so.Rotate != (ramlog.Rotation{})
		sp.keepByUser = sp.keepByUser || so.Keep != 0
	}
	p.loggers = slices.Clone(c.Loggers)
	for _, lo := range o.Loggers {
		name := levels.Canonical(lo.Name)
		if name == "" {
			name = "root"
		}
		i := slices.IndexFunc(p.loggers, func(l cfg.Logger) bool { return l.Name == name })
		if i < 0 {
			p.loggers = append(p.loggers, cfg.Logger{Name: name, Propagate: true})
			i = len(p.loggers) - 1
		}
		l := &p.loggers[i]
		if lo.Level != levels.NOTSET {
			l.Level, l.For = lo.Level, 0
		}
		if lo.Streams != nil {
			l.Streams = lo.Streams
		}
		l.Propagate = l.Propagate && !lo.NoPropagate
	}
	p.fit(eventsByUser)
	return p
}

// overStream applies the non-zero fields of o to s.
func overStream(s cfg.Stream, o StreamOptions) cfg.Stream {
	if o.Rotate != (ramlog.Rotation{}) {
		s.Rotate = o.Rotate
	}
	if o.Keep != 0 {
		s.Keep = o.Keep
	}
	if o.RAM != 0 {
		s.RAM = o.RAM
	}
	if o.Level != levels.NOTSET {
		s.Level = o.Level
	}
	if o.Format != "" {
		s.Format = o.Format
	}
	s.Console = s.Console || o.Console
	return s
}

func (sp *streamPlan) ring() ramlog.Options {
	keep := sp.Keep
	if keep == 0 {
		keep = ramlog.KeepNone // "keep = 0" in config: no history
	}
	o := ramlog.Options{Rotate: sp.Rotate, Keep: keep, RAM: sp.RAM}
	if sp.compresses() {
		// The RAM rotate and keep give holds compressed history, as
		// many files as it takes unless keep was set.
		o.Compress = ramlog.CompressGzip
		o.RAM = o.RingSize()
		if !sp.keepByUser && keep != ramlog.KeepNone {
			o.Keep = 0
		}
	}
	return o
}

// compresses reports whether the stream keeps its sealed history
// compressed: ram_compress = gzip, unless the plan made it plain.
func (sp *streamPlan) compresses() bool {
	return !sp.Console && sp.RAMCompress == "gzip" && sp.plainWhy == ""
}

// workMem is what the compressor of the plan's streams and event log
// takes from the cap besides their rings (ramlog.WorkMem), for their
// largest segment.
func (p *plan) workMem() int64 {
	var chunk int64
	for _, sp := range p.streams {
		if o := sp.ring(); sp.compresses() {
			chunk = max(chunk, o.Chunk())
		}
	}
	if o := p.events(); o.Compresses() {
		chunk = max(chunk, o.Chunk())
	}
	if chunk == 0 {
		return 0
	}
	return ramlog.WorkMem(chunk)
}

// events is the event log's options as far as the plan decides them. A
// new event log compresses its sealed segments when a stream does: the
// compressor runs for them anyway, and ram_compress = none on every
// stream turns compression off; one in place keeps what it does.
func (p *plan) events() eventlog.Options {
	zip := p.eventsZip
	if !p.eventsHeld {
		zip = slices.ContainsFunc(p.streams, func(sp streamPlan) bool { return sp.compresses() })
	}
	return eventlog.Options{RAM: p.eventRAM, Compress: zip}
}

// fit sizes the rings under the cap (scale), then keeps plain the
// streams that compression does not pay for (demote), sizing again
// without them until none is left to demote.
func (p *plan) fit(eventsByUser bool) {
	orig, events := slices.Clone(p.streams), p.eventRAM
	for p.scale(eventsByUser); p.demote(); p.scale(eventsByUser) {
		for i := range p.streams {
			why := p.streams[i].plainWhy
			p.streams[i], p.streams[i].plainWhy = orig[i], why
		}
		p.eventRAM = events
	}
}

// demote makes plain the streams whose sealed history would be compressed
// by default but should not be (docs/design.md, "Compressed history"):
// all of them when the rings and the compressor's working memory do not
// fit the cap together, else each whose ring cannot hold the compressor's
// working memory plus two of its segments. A ram_compress set in a file
// is kept. It reports whether it made any plain.
func (p *plan) demote() bool {
	w := p.workMem()
	if w == 0 {
		return false
	}
	over := p.ringBytes() > p.ramCap
	changed := false
	for i := range p.streams {
		sp := &p.streams[i]
		if !sp.compresses() || sp.gzipByUser {
			continue
		}
		o := sp.ring()
		chunk, ring := o.Chunk(), o.RingSize()
		switch need := ramlog.WorkMem(chunk) + 2*chunk; {
		case over:
			sp.plainWhy = fmt.Sprintf("the rings and %s for the compressor do not fit ram_cap %s",
				units.FormatSize(w), units.FormatSize(p.ramCap))
		case ring < need:
			sp.plainWhy = fmt.Sprintf("its ring of %s is less than two segments of %s plus %s for the compressor",
				units.FormatSize(ring), units.FormatSize(chunk), units.FormatSize(ramlog.WorkMem(chunk)))
		default:
			continue
		}
		changed = true
	}
	return changed
}

// shares are the parts, per 100, of what ram_cap leaves after the
// compressor and the rings sized in a file, that the profile's rings
// take when compressed (docs/design.md, "RAM shares"); eventShare is the
// event ring's. Another compressed ring at its default size weighs its
// default size per 100 MiB.
var shares = map[string]int64{Debug: 40, Access: 15, EventLog: 15, Error: 10}

const eventShare = 20

// scale sizes the rings left at their default sizes so that together
// they take what the cap leaves after the compressor and the rings sized
// in a file, as journald's RuntimeMaxUse: compressed rings and the event
// ring in their shares, plain rings at their default sizes, which keep
// bounds, while there is room; when there is not, every such ring
// shrinks in proportion. Sizes the user gave are kept; if those alone do
// not fit, building the runtime reports it.
func (p *plan) scale(eventsByUser bool) {
	avail := p.ramCap - p.workMem()
	var sps []*streamPlan // nil: the event ring
	var weights []int64
	var plain []bool // never grows past its weight, its default size
	add := func(sp *streamPlan, w int64, capped bool) {
		sps, weights, plain = append(sps, sp), append(weights, w), append(plain, capped)
	}
	if eventsByUser {
		avail -= p.eventRAM
	} else {
		add(nil, eventShare<<20, false)
	}
	for i := range p.streams {
		switch sp := &p.streams[i]; {
		case sp.Console:
		case sp.sizedByUser:
			avail -= sp.ring().RingSize()
		default:
			add(sp, sp.weight(), !sp.compresses())
		}
	}
	for i, f := range units.Share(avail, weights, plain) {
		if f > 0 {
			p.resize(sps[i], f)
		}
	}
}

// weight is the stream's weight in scale: its share, or its default size.
func (sp *streamPlan) weight() int64 {
	if share, ok := shares[sp.Name]; ok && sp.compresses() {
		return share << 20
	}
	return sp.ring().RingSize()
}

// resize gives sp (nil: the event ring) f times its weight in scale.
func (p *plan) resize(sp *streamPlan, f float64) {
	const page = 4<<10 - 1
	switch {
	case sp == nil:
		p.eventRAM = max(int64(float64(eventShare<<20)*f)&^page, 4*minSegment)
	case sp.compresses():
		sp.RAM = max(int64(float64(sp.weight())*f)&^page, 2*minSegment)
		if sp.Rotate.Sized() && sp.Rotate.Size > sp.RAM/2 {
			sp.Rotate.Size = max(sp.RAM/2&^page, minSegment)
		}
	case sp.Rotate.Sized():
		sp.Rotate.Size = max(int64(float64(sp.Rotate.Size)*f)&^page, minSegment)
	default:
		sp.RAM = max(int64(float64(sp.ring().RingSize())*f)&^page, 2*minSegment)
	}
}

// minSegment is the least segment that fit shrinks a stream to.
const minSegment = 16 << 10

// ringBytes is what the plan's rings take together, the event ring's
// and the compressor's working memory included.
func (p *plan) ringBytes() int64 {
	n := p.eventRAM + p.workMem()
	for _, sp := range p.streams {
		if !sp.Console {
			n += sp.ring().RingSize()
		}
	}
	return n
}

// formatters compiles every stream's pattern once per distinct pattern;
// a stream with an access format (httplog.IsAccessFormat) writes the
// message alone.
func (p *plan) formatters(o Options) (map[string]*levels.Formatter, error) {
	out := make(map[string]*levels.Formatter)
	var errs []error
	for _, sp := range p.streams {
		if _, ok := out[sp.Format]; ok {
			continue
		}
		pattern := sp.Format
		if httplog.IsAccessFormat(pattern) {
			pattern = "%(message)s" // the middleware renders the line
		}
		f, err := levels.NewFormatter(levels.FormatterOptions{Pattern: pattern, MaxLine: p.maxLine, Location: o.Location})
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: stream %s: format: %w", ErrConfig, sp.Name, err))
			continue
		}
		out[sp.Format] = f
	}
	return out, errors.Join(errs...)
}

// where names the first config file:line that set one of section's keys,
// as "prod.cfg:12: ", or "" when they are all the profile's.
func (p *plan) where(section string, keys ...string) string {
	for _, k := range keys {
		if o := p.conf.Origins[section+"/"+k]; o.File != "" {
			return o.String() + ": "
		}
	}
	return ""
}
