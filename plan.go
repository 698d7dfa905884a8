package gwlog

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// plan is what a runtime is built from: the merged config with the
// Options' overrides applied, ring sizes fitted under the cap.
type plan struct {
	conf     *cfg.Config
	ramCap   int64
	maxLine  int
	eventRAM int64 // the event record ring
	streams  []streamPlan
	loggers  []cfg.Logger
}

type streamPlan struct {
	cfg.Stream
	sizedByUser bool // rotate, keep or ram came from a file or Options
	keepByUser  bool // keep came from a file or Options: it bounds compressed history too
}

// makePlan applies o's overrides to c.
func makePlan(c *cfg.Config, o Options) *plan {
	p := &plan{conf: c, ramCap: c.Runtime.RAMCap, maxLine: c.Runtime.MaxLine, eventRAM: c.Runtime.EventRAM}
	if o.RAMCap != 0 {
		p.ramCap = o.RAMCap
	}
	if o.EventRAM != 0 {
		p.eventRAM = o.EventRAM
	}
	eventsByUser := o.EventRAM != 0 || c.Origins["runtime/event_ram"].File != ""
	if o.MaxLine != 0 {
		p.maxLine = o.MaxLine
	}
	for _, s := range c.Streams {
		byUser := false
		for _, k := range []string{"rotate", "keep", "ram"} {
			byUser = byUser || c.Origins["stream."+s.Name+"/"+k].File != ""
		}
		keepByUser := c.Origins["stream."+s.Name+"/keep"].File != ""
		p.streams = append(p.streams, streamPlan{Stream: s, sizedByUser: byUser, keepByUser: keepByUser})
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
	if sp.RAMCompress == "gzip" {
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

// workMem is what the compressor of the plan's streams takes from the
// cap besides their rings (ramlog.WorkMem), for their largest segment.
func (p *plan) workMem() int64 {
	var chunk int64
	for _, sp := range p.streams {
		if o := sp.ring(); !sp.Console && o.Compress == ramlog.CompressGzip {
			chunk = max(chunk, o.Chunk())
		}
	}
	if chunk == 0 {
		return 0
	}
	return ramlog.WorkMem(chunk)
}

// fit shrinks the rings that keep their default sizes, in proportion,
// when all rings would not fit under the cap, so that setting ram_cap
// alone is enough, as journald's RuntimeMaxUse is. Sizes the user gave are
// kept; if those alone do not fit, building the runtime reports it.
func (p *plan) fit(eventsByUser bool) {
	fixed, flexible := p.workMem(), int64(0)
	if eventsByUser {
		fixed += p.eventRAM
	} else {
		flexible += p.eventRAM
	}
	for _, sp := range p.streams {
		if sp.Console {
			continue
		}
		if n := sp.ring().RingSize(); sp.sizedByUser {
			fixed += n
		} else {
			flexible += n
		}
	}
	if fixed+flexible <= p.ramCap || flexible == 0 || fixed >= p.ramCap {
		return
	}
	f := float64(p.ramCap-fixed) / float64(flexible)
	if !eventsByUser {
		p.eventRAM = max(int64(float64(p.eventRAM)*f)&^(4<<10-1), 4*minSegment)
	}
	for i := range p.streams {
		sp := &p.streams[i]
		if sp.sizedByUser || sp.Console {
			continue
		}
		if sp.Rotate.Sized() {
			sp.Rotate.Size = max(int64(float64(sp.Rotate.Size)*f)&^(4<<10-1), minSegment)
		} else {
			sp.RAM = max(int64(float64(sp.ring().RingSize())*f)&^(4<<10-1), 2*minSegment)
		}
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
