package levels

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/gwlog/gwlog/internal/noescape"
)

// Logger is a named logger, or a view of one carrying attrs bound by With
// and a group from WithGroup. Its method set mirrors *slog.Logger's, with
// Critical added and gwlog's Level in place of slog.Level. A Logger is safe
// for concurrent use; a call below the logger's level costs an atomic load
// and a compare, and allocates nothing.
type Logger struct {
	n     *node
	bound []byte      // attrs from With, rendered
	battr []slog.Attr // the same attrs, for Record.BoundAttrs
	group string      // "G.H." from WithGroup
}

// Name returns the logger's dotted name ("root" for the root logger).
func (l *Logger) Name() string { return l.n.name }

// EffectiveLevel returns the level that decides whether a record is
// emitted: the logger's own, or its nearest ancestor's that is set.
func (l *Logger) EffectiveLevel() Level { return Level(l.n.eff.Load()) }

// Enabled reports whether a record at lv would reach any target.
func (l *Logger) Enabled(_ context.Context, lv Level) bool {
	return lv >= Level(l.n.gate.Load()) && lv < OFF
}

func (l *Logger) on(lv Level) bool { return lv >= Level(l.n.gate.Load()) }

// Debug logs at DEBUG; args are key-value pairs or slog.Attrs, as for slog.
func (l *Logger) Debug(msg string, args ...any) {
	if l.on(DEBUG) {
		l.write(nil, DEBUG, msg, args, nil)
	}
}

// Info logs at INFO.
func (l *Logger) Info(msg string, args ...any) {
	if l.on(INFO) {
		l.write(nil, INFO, msg, args, nil)
	}
}

// Warn logs at WARNING.
func (l *Logger) Warn(msg string, args ...any) {
	if l.on(WARNING) {
		l.write(nil, WARNING, msg, args, nil)
	}
}

// Error logs at ERROR.
func (l *Logger) Error(msg string, args ...any) {
	if l.on(ERROR) {
		l.write(nil, ERROR, msg, args, nil)
	}
}

// Critical logs at CRITICAL.
func (l *Logger) Critical(msg string, args ...any) {
	if l.on(CRITICAL) {
		l.write(nil, CRITICAL, msg, args, nil)
	}
}

// DebugContext logs at DEBUG with the token and task label of ctx.
func (l *Logger) DebugContext(ctx context.Context, msg string, args ...any) {
	if l.on(DEBUG) {
		l.write(ctx, DEBUG, msg, args, nil)
	}
}

// InfoContext logs at INFO with the token and task label of ctx.
func (l *Logger) InfoContext(ctx context.Context, msg string, args ...any) {
	if l.on(INFO) {
		l.write(ctx, INFO, msg, args, nil)
	}
}

// WarnContext logs at WARNING with the token and task label of ctx.
func (l *Logger) WarnContext(ctx context.Context, msg string, args ...any) {
	if l.on(WARNING) {
		l.write(ctx, WARNING, msg, args, nil)
	}
}

// ErrorContext logs at ERROR with the token and task label of ctx.
func (l *Logger) ErrorContext(ctx context.Context, msg string, args ...any) {
	if l.on(ERROR) {
		l.write(ctx, ERROR, msg, args, nil)
	}
}

// CriticalContext logs at CRITICAL with the token and task label of ctx.
func (l *Logger) CriticalContext(ctx context.Context, msg string, args ...any) {
	if l.on(CRITICAL) {
		l.write(ctx, CRITICAL, msg, args, nil)
	}
}

// Log logs at lv; ctx may be nil.
func (l *Logger) Log(ctx context.Context, lv Level, msg string, args ...any) {
	if l.on(lv) {
		l.write(ctx, lv, msg, args, nil)
	}
}

// LogAttrs logs at lv with typed attrs, the cheapest way to log: with
// attrs built from slog's constructors it allocates nothing. ctx may be nil.
func (l *Logger) LogAttrs(ctx context.Context, lv Level, msg string, attrs ...slog.Attr) {
	if l.on(lv) {
		l.write(ctx, lv, msg, nil, attrs)
	}
}

// LogAttrsAt is LogAttrs for a record stamped t (zero: now): a record
// that arrived from elsewhere, such as a syslog packet, stamped when it
// was received.
func (l *Logger) LogAttrsAt(ctx context.Context, t time.Time, lv Level, msg string, attrs ...slog.Attr) {
	if l.on(lv) && lv < OFF {
		l.writeAt(ctx, t, lv, msg, attrs)
	}
}

// writeAt is write's depth for LogAttrsAt, so that the caller is found.
func (l *Logger) writeAt(ctx context.Context, t time.Time, lv Level, msg string, attrs []slog.Attr) {
	l.emitRecord(ctx, t, lv, msg, attrs, false, origin{})
}

// LogAttrsFrom is LogAttrsAt for a record that another program sent, such
// as a syslog packet: formats show source (the sender's name) as its
// %(filename)s, %(module)s, %(pathname)s and %(funcName)s and line (its
// pid; 0 when unknown) as its %(lineno)d, rather than the Go code that
// passed the record on. source must not change while the call runs.
func (l *Logger) LogAttrsFrom(ctx context.Context, t time.Time, lv Level, source string, line int, msg string, attrs ...slog.Attr) {
	if l.on(lv) && lv < OFF {
		l.emitRecord(ctx, t, lv, msg, attrs, false, origin{source, line})
	}
}

// origin is a record's stand-in for its caller (Record.Source); the
// zero value means the Go caller.
type origin struct {
	source string
	line   int
}

// LogEvent logs an event's text line at INFO, stamped t: the one kind of
// record that targets with EventsOnly (the EventLog stream) take. Package
// eventlog calls it.
func (l *Logger) LogEvent(t time.Time, msg string, attrs ...slog.Attr) {
	if l.on(INFO) {
		l.emitRecord(nil, t, INFO, msg, attrs, true, origin{})
	}
}

// With returns a view of l whose records carry args (key-value pairs or
// slog.Attrs) in addition to their own. The attrs are rendered once, here.
func (l *Logger) With(args ...any) *Logger {
	if len(args) == 0 {
		return l
	}
	c := *l
	attrs := argsToAttrs(nil, args)
	c.bound = appendAttrs(slices.Clip(l.bound), 0, l.group, attrs)
	c.battr = bindAttrs(l.battr, l.group, attrs)
	return &c
}

// bindAttrs adds attrs, which it may keep, to the bound ones; under a
// group ("G.H.") they go in a group attr named "G.H".
func bindAttrs(bound []slog.Attr, group string, attrs []slog.Attr) []slog.Attr {
	if group != "" {
		attrs = []slog.Attr{{Key: group[:len(group)-1], Value: slog.GroupValue(attrs...)}}
	}
	if len(bound) == 0 {
		return attrs
	}
	return append(slices.Clip(bound), attrs...)
}

// WithGroup returns a view of l that puts the keys of later attrs under
// name ("name.key"). An empty name returns l.
func (l *Logger) WithGroup(name string) *Logger {
	if name == "" {
		return l
	}
	c := *l
	c.group = l.group + name + "."
	return &c
}

// Handler returns an slog.Handler that logs through l, so that
// slog.New(l.Handler()) is an *slog.Logger for this logger.
func (l *Logger) Handler() slog.Handler {
	return &handler{l: *l, named: true}
}

// maxAttrsOnStack is how many attrs a call converts without allocating.
const maxAttrsOnStack = 8

func (l *Logger) write(ctx context.Context, lv Level, msg string, args []any, attrs []slog.Attr) {
	if lv >= OFF {
		return // OFF is a setting, not a record level
	}
	var arr [maxAttrsOnStack]slog.Attr
	if len(args) > 0 {
		attrs = argsToAttrs(arr[:0], unescaped(args))
	}
	l.emitRecord(ctx, time.Time{}, lv, msg, attrs, false, origin{})
}

// emitRecord builds the record, stamped t or now, and emits it.
func (l *Logger) emitRecord(ctx context.Context, t time.Time, lv Level, msg string, attrs []slog.Attr, event bool, from origin) {
	n := l.n
	r := n.route.Load()
	if t.IsZero() {
		t = n.tree.now()
	}
	rec := Record{
		Time:       t,
		Level:      lv,
		Logger:     n.name,
		Message:    msg,
		Bound:      l.bound,
		BoundAttrs: l.battr,
		Group:      l.group,
		Attrs:      attrs,
		Event:      event,
		nameText:   n.text,
	}
	switch {
	case from.source != "":
		rec.Source, rec.SourceLine = from.source, from.line
	case lv >= r.callerMin:
		var pcs [1]uintptr
		// Skip Callers, emitRecord, write and the exported method.
		runtime.Callers(4, pcs[:])
		rec.PC = pcs[0]
	}
	if r.ctx && ctx != nil {
		rec.Token, rec.Task = TokenFrom(ctx), TaskFrom(ctx)
	}
	emit(r, &rec)
}

// maxPooled is the largest line buffer returned to the pool.
const maxPooled = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// emit renders rec once per distinct formatter and hands the line to every
// target of r that takes rec's level.
func emit(r *route, rec *Record) {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	var when int64
	if !rec.Time.IsZero() {
		when = rec.Time.UnixNano()
	}
	var last *Formatter
	var st stamps // where buf's time fields are, for Dedup sinks
	var stp *stamps
	if r.dedup {
		stp = &st
	}
	for i := range r.targets {
		t := &r.targets[i]
		if rec.Level < t.Level || (t.EventsOnly && !rec.Event) {
			continue
		}
		if t.Format != last {
			st.n = 0
			buf = t.Format.appendLine(buf[:0], rec, stp)
			last = t.Format
		}
		held := false
		if r.dedup {
			if d, ok := t.Sink.(*Dedup); ok {
				d.writeRecord(t.Format, rec, when, buf, &st)
				held = true
			}
		}
		switch {
		case held:
		case t.clean != nil:
			t.clean.WriteCleanLine(when, buf) // appendLine escapes CR and LF
		default:
			t.Sink.WriteLine(when, buf)
		}
		if t.Urgent != nil && rec.Level >= t.UrgentLevel {
			t.Urgent()
		}
	}
	if cap(buf) <= maxPooled {
		*bp = buf
		bufPool.Put(bp)
	}
}

// unescaped returns args hidden from escape analysis, so that a caller's
// arguments (the variadic slice and the values boxed into it) stay on its
// stack: Info("m", "temp", t) then allocates nothing. It is sound because
// nothing keeps a record's args past the call: they are rendered into
// bytes before write returns, and every sink, Dedup included, keeps only
// copies of those bytes. A change that keeps a Record or its Attrs beyond
// the call must drop this.
func unescaped(args []any) []any { return *noescape.Pointer(&args) }

// badKey is the key of a value that came without one, as in slog.
const badKey = "!BADKEY"

// argsToAttrs converts slog-style arguments: a string key and its value, or
// an slog.Attr; anything else gets the key !BADKEY.
func argsToAttrs(dst []slog.Attr, args []any) []slog.Attr {
	for len(args) > 0 {
		switch x := args[0].(type) {
		case string:
			if len(args) == 1 {
				return append(dst, slog.String(badKey, x))
			}
			dst = append(dst, slog.Any(x, args[1]))
			args = args[2:]
		case slog.Attr:
			dst = append(dst, x)
			args = args[1:]
		default:
			dst = append(dst, slog.Any(badKey, x))
			args = args[1:]
		}
	}
	return dst
}
