package gwlog

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// watch re-reads the config files every reload interval until Close.
// In between it wakes every dedup window, when a stream has one, to write
// the repeat counts of streams that have gone quiet. (Only a config file
// can set dedup, so a runtime with dedup always has this watcher.)
func (rt *Runtime) watch() {
	d, _ := rt.interval(reloadEvery)
	next := time.Now().Add(d)
	t := time.NewTimer(min(d, rt.dedupEvery()))
	defer t.Stop()
	for {
		select {
		case <-rt.stop:
			return
		case <-t.C:
		}
		rt.expireRepeats()
		if !time.Now().Before(next) {
			rt.mu.RLock()
			applied := rt.files
			rt.mu.RUnlock()
			if _, on := rt.interval(reloadEvery); on && applied.Changed() {
				_ = rt.Reload() // a failure is reported on the error stream
			}
			d, _ = rt.interval(reloadEvery)
			next = time.Now().Add(d)
		}
		t.Reset(min(time.Until(next), rt.dedupEvery()))
	}
}

// dedupEvery is how often the watcher writes the repeat counts of quiet
// streams: every shortest dedup window in force, or hourly when no stream
// has one. A count is so written at most one window after its own ended.
func (rt *Runtime) dedupEvery() time.Duration {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	every := time.Hour
	for _, sp := range rt.plan.streams {
		if sp.Dedup > 0 {
			every = min(every, sp.Dedup)
		}
	}
	return every
}

// expireRepeats writes the repeat counts whose dedup window has passed.
func (rt *Runtime) expireRepeats() {
	now := time.Now
	if rt.opts.Now != nil {
		now = rt.opts.Now
	}
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	levels.ExpireDedups(rt.targets, now())
}

// interval returns a periodic job's interval from the config in force,
// and whether the job is on; when it is off the job still wakes hourly,
// to notice a config that turns it on.
func (rt *Runtime) interval(of func(cfg.Runtime) time.Duration) (time.Duration, bool) {
	rt.mu.RLock()
	defer rt.mu.RUnlock()
	if d := of(rt.plan.conf.Runtime); d > 0 {
		return d, true
	}
	return time.Hour, false
}

func reloadEvery(r cfg.Runtime) time.Duration { return r.Reload }

// Reload re-reads the config files and applies them atomically: logger
// levels, stream formats, levels and sizes (shrinking a ring keeps its
// newest lines), new streams and loggers. One line on the debug stream
// says what changed. A bad config changes nothing: one line naming
// file:line goes to the error stream and the error is returned.
func (rt *Runtime) Reload() error {
	files, err := cfg.ReadFiles(rt.opts.Configs)
	var c *cfg.Config
	if err == nil {
		c, err = files.Parse(rt.opts.Profile)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return ErrClosed
	}
	if err == nil {
		old := rt.plan.conf
		p := makePlan(c, rt.opts, rt.events)
		if p.eventsMoved {
			rt.note(Debug, levels.INFO, "event_ram changes apply at the next start", slog.Int64("event_ram", p.eventRAM))
		}
		if err = rt.apply(p); err == nil {
			rt.files, rt.saidBad = files, ""
			rt.reloadDisk(old, c)
			rt.note(Debug, levels.INFO, "config reloaded", slog.String("changes", cfg.Diff(old, c)))
			return nil
		}
	}
	// Said once per distinct error: the watcher tries a bad file again
	// every reload interval until it is fixed.
	if said := oneLine(err); said != rt.saidBad {
		rt.noteError("config reload failed, running config kept", slog.String("err", said))
		rt.saidBad = said
	}
	if !errors.Is(err, ErrConfig) {
		err = &configError{err} // cfg's, which names the file
	}
	return err
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// note writes one line of the runtime's own to a stream, whatever the
// loggers' levels; rt.mu is held.
func (rt *Runtime) note(stream string, lv levels.Level, msg string, attrs ...slog.Attr) {
	if t, ok := rt.targets[stream]; ok {
		rt.noteTo(t, lv, msg, attrs...)
	}
}

// noteError writes an error of the runtime's own to the error stream and,
// as debug collects everything, to debug; rt.mu is held.
func (rt *Runtime) noteError(msg string, attrs ...slog.Attr) {
	rt.note(Error, levels.ERROR, msg, attrs...)
	rt.note(Debug, levels.ERROR, msg, attrs...)
}

// noteTo is note for a target in hand; it needs no lock.
func (rt *Runtime) noteTo(t levels.Target, lv levels.Level, msg string, attrs ...slog.Attr) {
	now := time.Now
	if rt.opts.Now != nil {
		now = rt.opts.Now
	}
	var pc [1]uintptr
	runtime.Callers(3, pc[:]) // the caller of note, for formats that name it
	rec := levels.Record{Time: now(), Level: lv, Logger: "gwlog", Message: msg, Attrs: attrs, PC: pc[0]}
	t.Sink.WriteLine(rec.Time.UnixNano(), t.Format.Append(nil, &rec))
}

// apply builds or reshapes the streams and reroutes the loggers after p,
// all or nothing as far as can be checked beforehand; rt.mu is held.
func (rt *Runtime) apply(p *plan) error {
	formats, err := p.formatters(rt.opts)
	if err != nil {
		return err
	}
	var errs []error
	names := make(map[string]bool)
	for _, sp := range p.streams {
		names[sp.Name] = true
		if sp.Console {
			continue
		}
		if err := sp.ring().Check(sp.Name); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s%w", ErrConfig, p.where("stream."+sp.Name, "ram", "rotate", "keep"), err))
		}
	}
	for _, l := range p.loggers {
		for _, s := range l.Streams {
			if !names[s] {
				errs = append(errs, fmt.Errorf("%w: %slogger %s: streams: no stream %q", ErrConfig, p.where("logger."+l.Name, "streams"), l.Name, s))
			}
		}
	}
	if total := p.ringBytes(); total > p.ramCap && len(errs) == 0 {
		parts := []string{"events " + units.FormatSize(p.eventRAM)}
		for _, sp := range p.streams {
			if !sp.Console {
				parts = append(parts, sp.Name+" "+units.FormatSize(sp.ring().RingSize()))
			}
		}
		if wm := p.workMem(); wm > 0 {
			parts = append(parts, "the compressor "+units.FormatSize(wm))
		}
		errs = append(errs, fmt.Errorf("%w: %sthe rings need %s (%s), over ram_cap %s; lower them or raise ram_cap",
			ErrConfig, p.where("runtime", "ram_cap"), units.FormatSize(total), strings.Join(parts, ", "), units.FormatSize(p.ramCap)))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := rt.reshape(p); err != nil {
		return err
	}
	old := rt.targets
	rt.targets = make(map[string]levels.Target, len(p.streams))
	for _, sp := range p.streams {
		var sink levels.Sink = rt.screen
		var urgent func()
		if !sp.Console {
			sink = rt.streams[sp.Name]
			if rt.spill != nil {
				urgent = rt.spill.Urgent // written within flush_urgent
			}
		}
		rt.targets[sp.Name] = levels.Target{Name: sp.Name, Level: sp.Level, Format: formats[sp.Format],
			Sink:       levels.KeepDedup(old[sp.Name].Sink, sink, sp.Dedup),
			EventsOnly: sp.Name == EventLog, // nothing but events writes to it
			Urgent:     urgent, UrgentLevel: levels.ERROR}
	}
	rt.plan = p
	rt.setAccess(p)
	rt.tree.Configure(rt.loggerConfigs())
	levels.RetireDedups(old, rt.targets)
	rt.sayPlain(p)
	if rt.events == nil {
		return nil // Open starts the forwards once the event log exists: influx follows it
	}
	return rt.startForwards(p)
}

// reshape makes the plan's rings: existing streams are reconfigured in
// place (shrinking ones first, so that the cap holds throughout), new ones
// made, dropped ones closed; rt.mu is held.
func (rt *Runtime) reshape(p *plan) error {
	type change struct {
		sp    *streamPlan
		delta int64
	}
	var changes []change
	want := make(map[string]bool)
	for i := range p.streams {
		sp := &p.streams[i]
		if sp.Console {
			continue
		}
		want[sp.Name] = true
		size := sp.ring().RingSize()
		s, ok := rt.streams[sp.Name]
		if ok {
			size -= s.Stats().Cap
		}
		if sp.compresses() && (!ok || s.Compression() == ramlog.CompressNone) {
			size += p.workMem() // it may start the compressor: after the rings that shrink
		}
		changes = append(changes, change{sp, size})
	}
	for name, s := range rt.streams {
		if !want[name] {
			s.Close()
			delete(rt.streams, name)
		}
	}
	slices.SortStableFunc(changes, func(a, b change) int { return int(min(max(a.delta-b.delta, -1), 1)) })
	limitSet := false
	var errs []error
	for _, c := range changes {
		if c.delta > 0 && !limitSet {
			if err := rt.budget.SetLimit(p.ramCap); err != nil {
				errs = append(errs, fmt.Errorf("%w: ram_cap: %w", ErrConfig, err))
			}
			limitSet = true
		}
		o := c.sp.ring()
		o.Budget, o.Location, o.Now = rt.budget, rt.opts.Location, rt.opts.Now
		if s, ok := rt.streams[c.sp.Name]; ok {
			if err := s.Reconfigure(o); err != nil {
				errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
			}
			continue
		}
		s, err := ramlog.New(c.sp.Name, o)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
			continue
		}
		rt.streams[c.sp.Name] = s
	}
	if !limitSet {
		if err := rt.budget.SetLimit(p.ramCap); err != nil {
			errs = append(errs, fmt.Errorf("%w: ram_cap: %w", ErrConfig, err))
		}
	}
	rt.order = rt.order[:0]
	for _, sp := range p.streams {
		if _, ok := rt.streams[sp.Name]; ok {
			rt.order = append(rt.order, sp.Name)
		}
	}
	return errors.Join(errs...)
}

// loggerConfigs is the plan's loggers with their targets and the levels
// in force: a level pinned by SetLevel wins, then a temporary one (set by
// SetLevel for a while, or "level = X for D" in config), then the
// config's; rt.mu is held.
func (rt *Runtime) loggerConfigs() map[string]levels.Config {
	configs := make(map[string]levels.Config, len(rt.plan.loggers)+len(rt.temps)+len(rt.pinned))
	timed := make(map[string]bool)
	for _, l := range rt.plan.loggers {
		c := levels.Config{Level: l.Level, Propagate: l.Propagate}
		for _, s := range l.Streams {
			c.Targets = append(c.Targets, rt.targets[s])
		}
		if l.For > 0 {
			timed[l.Name] = true
			c.Level = rt.armConfigTemp(l)
		}
		configs[l.Name] = c
	}
	for name, tmp := range rt.temps {
		if tmp.fromConfig && !timed[name] {
			tmp.stop()
			delete(rt.temps, name) // its config line is gone
			continue
		}
		c, ok := configs[name]
		if !ok {
			c = levels.Config{Propagate: true}
		}
		c.Level = tmp.raised
		configs[name] = c
	}
	for name := range rt.spent {
		if !timed[name] {
			delete(rt.spent, name) // a new "for" line may arm again
		}
	}
	for name, lv := range rt.pinned {
		c, ok := configs[name]
		if !ok {
			c = levels.Config{Propagate: true}
		}
		c.Level = lv
		configs[name] = c
	}
	return configs
}

// setAccess publishes the streams' access formats for AccessFormat.
func (rt *Runtime) setAccess(p *plan) {
	m := make(map[string]string)
	for _, sp := range p.streams {
		if httplog.IsAccessFormat(sp.Format) {
			m[sp.Name] = sp.Format
		}
	}
	rt.access.Store(&m)
}

// sayPlain writes on debug why a stream with ram_compress = gzip keeps
// its history plain, once until it compresses again; rt.mu is held.
func (rt *Runtime) sayPlain(p *plan) {
	for _, sp := range p.streams {
		if sp.plainWhy != "" && !rt.saidPlain[sp.Name] {
			rt.note(Debug, levels.INFO, "ram_compress off for this stream", slog.String("stream", sp.Name), slog.String("why", sp.plainWhy))
		}
		rt.saidPlain[sp.Name] = sp.plainWhy != ""
	}
}
