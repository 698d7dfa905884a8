package eventlog

import (
	"cmp"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwlog/gwlog/internal/noescape"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// DefaultRAM is the size of the event ring of a zero Options.
const DefaultRAM = 8 << 20

// MaxRecord is the largest record of an event, in bytes of msgpack: Write
// refuses an event whose record is longer (Stats.TooLarge), as readers
// would take its frame for a corrupt one.
const MaxRecord = 1 << 20

// DefaultStrip is the type prefix left out of EventLog logger names when
// Options.Strip is nil: the WebBrick gateway's event type namespace.
var DefaultStrip = []string{"http://id.webbrick.co.uk/events/"}

// RootLogger is the logger under which event lines are logged:
// EventLog.<type>.
const RootLogger = "EventLog"

// Options configure a Log. The zero value means the defaults.
type Options struct {
	// RAM is the record ring's size in bytes; zero means DefaultRAM.
	RAM int64
	// Segment is the largest segment of the ring: the unit that the index
	// describes and that eviction drops. Zero means RAM/16, at most 1 MiB
	// and at least 4 KiB; with Compress, RAM/64, at most 256 KiB.
	Segment int64
	// Budget is the global RAM cap the ring is reserved from; nil means
	// none.
	Budget *ramlog.Budget
	// Tree gives each event its logger, EventLog.<type> (see LoggerName):
	// its level decides whether the event is kept at all (OFF drops both
	// its line and its record), and it writes the event's text line. Nil
	// means no lines and no level check.
	Tree *levels.Tree
	// Strip are type prefixes left out of logger names; nil means
	// DefaultStrip.
	Strip []string
	// BeforeWrite, when set, sees every event first and may modify it or
	// drop it by returning false. It runs on the writer's goroutine and
	// must not write events itself.
	BeforeWrite func(*Event) bool
	// NextSeq is the Seq of the first event; zero means 1. A store that
	// outlives the process sets it so that Seq keeps increasing.
	NextSeq uint64
	// Now stamps events written without a time; nil means Tree.Now (or
	// time.Now without a Tree).
	Now func() time.Time
	// Compress keeps sealed segments compressed in RAM (docs/design.md,
	// "Compressed history"): the ring holds two segments plain, the live
	// one and one waiting for the Budget's compressor, the column encoder
	// takes four, and the rest of RAM holds blocks. A RAM of less than
	// eight segments stays plain.
	Compress bool
}

// Log is the event log: events kept as msgpack records in a RAM ring,
// each with its one text line on the EventLog stream. Write, Query and
// Series are safe for concurrent use; queries run while writers write.
type Log struct {
	tree    *levels.Tree
	strip   []string
	before  func(*Event) bool
	now     func() time.Time
	segment int64

	// mu: Write takes it, and writes the event's line (Dedup, ring and
	// spiller locks after it) under it; readers take it per segment and
	// read archives without it. See docs/design.md, "Locks".
	mu      sync.RWMutex
	ring    *ramlog.Ring
	index   []segIndex // one per ring segment, in the same order
	seq     uint64     // last Seq given
	buf     []byte     // encoding scratch, guarded by mu
	written uint64

	loggers map[string]typeLogger // by type, guarded by mu
	last    typeLogger            // the type last looked up, guarded by mu
	archive Archive               // older segments kept elsewhere, guarded by mu
	spill   func(*ramlog.Spill)   // sees segments the ring gives up, guarded by mu
	hist    *history              // sealed segments compressed, guarded by mu; nil: plain
	budget  *ramlog.Budget        // the history's share is reserved from

	dropped  atomic.Uint64 // refused by BeforeWrite or an OFF logger, too large, or after Close
	tooLarge atomic.Uint64 // of dropped: records over MaxRecord
	closed   atomic.Bool
}

func (o Options) ram() int64 { return cmp.Or(o.RAM, DefaultRAM) }

// Chunk returns the largest segment of a log made with o: the most a
// block of its compressed history holds plain. Compressed, segments are
// smaller by default (RAM/64, at most 256 KiB): the plain ring and the
// column encoder take a few of them besides the history.
func (o Options) Chunk() int64 {
	ram := o.ram()
	seg := min(max(ram/16, 4<<10), 1<<20)
	if o.Compress {
		seg = min(max(ram/64, 4<<10), 256<<10)
	}
	return min(cmp.Or(o.Segment, seg), ram/2)
}

// Compresses reports whether a log made with o keeps its sealed segments
// compressed: Compress, and RAM for eight segments at least.
func (o Options) Compresses() bool { return o.Compress && historyShare(o.ram(), o.Chunk()) > 0 }

// Compresses reports whether l keeps its sealed segments compressed.
func (l *Log) Compresses() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.hist != nil
}

// New makes an event log.
func New(o Options) (*Log, error) {
	ram := o.ram()
	l := &Log{
		tree: o.Tree, strip: o.Strip, before: o.BeforeWrite, now: o.Now,
		segment: o.Chunk(),
		loggers: make(map[string]typeLogger),
		seq:     max(o.NextSeq, 1) - 1,
	}
	if l.strip == nil {
		l.strip = DefaultStrip
	}
	switch {
	case l.now != nil:
	case l.tree != nil:
		l.now = l.tree.Now // the lines' clock, one read cheaper than time.Now
	default:
		l.now = time.Now
	}
	var hist int64
	if o.Compress {
		hist = historyShare(ram, l.segment)
	}
	plain := ram
	if hist > 0 {
		plain = 2 * l.segment
	}
	r, err := ramlog.NewRing(plain, o.Budget)
	if err != nil {
		return nil, err
	}
	r.OnEvict = l.evicted
	l.ring = r
	l.index = append(l.index, segIndex{id: r.Current().ID})
	if hist > 0 {
		if err := l.startHistory(hist, ram-plain-hist, o.Budget); err != nil {
			r.Release()
			return nil, err
		}
	}
	return l, nil
}

// Close gives the ring's RAM back to its budget. Reads keep working;
// writes after Close are dropped and counted.
func (l *Log) Close() {
	l.mu.Lock()
	l.closed.Store(true)
	l.ring.Release()
	l.mu.Unlock()
	l.stopHistory()
}

// evicted keeps the index in step with the ring; l.mu is held. A segment
// given up plain while older ones are held compressed stays indexed when
// it was spilled: readers find it in the archive, and the gap is closed.
func (l *Log) evicted(_ *ramlog.Ring, g *ramlog.Segment) {
	if l.spill != nil {
		p := l.spillOf(g, false)
		l.spill(&p)
		if l.hist != nil && len(l.hist.blocks) > 0 {
			if i, ok := l.indexOf(g.ID); ok {
				l.index[i].away = true
			}
			return
		}
	}
	l.unindex(g.ID)
}

// LoggerName returns the logger of an event type: EventLog.<type> with a
// Strip prefix removed and "/" turned into ".", so that
// "http://id.webbrick.co.uk/events/time/second" is EventLog.time.second.
func LoggerName(typ string, strip []string) string {
	for _, p := range strip {
		if rest, ok := strings.CutPrefix(typ, p); ok {
			typ = rest
			break
		}
	}
	typ = strings.Trim(strings.ReplaceAll(typ, "/", "."), ".")
	if typ == "" {
		return RootLogger
	}
	return RootLogger + "." + typ
}

// maxLoggers bounds the cache of type → logger.
const maxLoggers = 4096

// typeLogger is an event type's logger, with the type as the cache keeps
// it: a copy, so that the caller's strings do not escape.
type typeLogger struct {
	typ string
	lg  *levels.Logger
}

// logger returns the logger of an event type; l.mu is held. Readings come
// in runs of one type, so the type last looked up is tried before the map.
func (l *Log) logger(typ string) *levels.Logger {
	if l.tree == nil {
		return nil
	}
	if l.last.lg != nil && typ == l.last.typ {
		return l.last.lg
	}
	e, ok := l.loggers[typ]
	if !ok {
		lg := l.tree.Get(LoggerName(typ, l.strip))
		if len(l.loggers) >= maxLoggers {
			return lg
		}
		e = typeLogger{strings.Clone(typ), lg}
		l.loggers[e.typ] = e
	}
	l.last = e
	return e.lg
}

// Write assigns the event its Seq (and its Time when zero), writes its
// text line and keeps its record. It returns the Seq, or 0 when the event
// was dropped by BeforeWrite or by its logger's level, or refused: more
// than MaxAttrs attrs, or a record over MaxRecord bytes. The event's
// strings and Attrs are not kept: Write copies what it needs.
func (l *Log) Write(ev Event) uint64 {
	if l.closed.Load() {
		l.dropped.Add(1)
		return 0
	}
	if ev.Time == 0 {
		ev.Time = l.now().UnixNano()
	}
	if l.before != nil {
		// The hook gets a copy made through the encoding: whatever a
		// function value is handed escapes to the heap, and the caller's
		// attrs must not, so that Write allocates nothing without a hook.
		b, _ := ev.MarshalMsg(nil)
		e := new(Event)
		if _, err := e.UnmarshalMsg(b); err != nil || !l.before(e) {
			l.dropped.Add(1)
			return 0
		}
		ev = *e
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lg := l.logger(ev.Type)
	if lg != nil && !lg.Enabled(nil, levels.INFO) {
		l.dropped.Add(1)
		return 0
	}
	l.seq++
	ev.Seq = l.seq
	payload, err := ev.MarshalMsg(l.buf[:0])
	if err != nil {
		l.seq--
		l.dropped.Add(1) // more than MaxAttrs attrs
		return 0
	}
	if len(payload) > MaxRecord {
		l.seq--
		l.dropped.Add(1)
		l.tooLarge.Add(1) // no reader would read it back
		return 0
	}
	l.buf = payload
	if lg != nil {
		// The line comes first, rendered from the event just encoded:
		// the record holds the same values (Value.MarshalMsg).
		// ev is hidden from escape analysis, so that the caller's event
		// (its strings and its Attrs) stays where it is: Write allocates
		// nothing. The line's attrs are rendered into bytes before
		// LogEvent returns, and every sink keeps only copies of those.
		line(lg, noescape.Pointer(&ev))
	}
	l.keep(&ev, payload)
	return ev.Seq
}

// line writes an event's text line: its source as the message, then
// seq, token and its attrs, as its record holds them (nil values left
// out).
func line(lg *levels.Logger, ev *Event) {
	var arr [12]slog.Attr
	attrs := append(arr[:0], slog.Uint64("seq", ev.Seq))
	if ev.Token != "" {
		attrs = append(attrs, slog.String("token", ev.Token))
	}
	for i := range ev.Attrs {
		a := &ev.Attrs[i]
		switch v := a.Value; v.kind {
		case KindString:
			attrs = append(attrs, slog.String(a.Key, v.str))
		case KindFloat:
			attrs = append(attrs, slog.Float64(a.Key, math.Float64frombits(v.num)))
		case KindBool:
			attrs = append(attrs, slog.Bool(a.Key, v.num != 0))
		case KindInt:
			attrs = append(attrs, slog.Int64(a.Key, int64(v.num)))
		}
	}
	lg.LogEvent(time.Unix(0, ev.Time), ev.Source, attrs...)
}

// keep appends the event's record to the ring; l.mu is held.
func (l *Log) keep(ev *Event, payload []byte) {
	var hdr [maxHeader]byte
	h := appendHeader(hdr[:0], payload)
	if cur := l.ring.Current(); cur.Records > 0 && cur.Len()+int64(len(h)+len(payload)) > l.segment {
		l.ring.Rotate(0, 0)
	}
	if !l.ring.Append(ev.Time, h, payload) {
		l.dropped.Add(1) // longer than the ring: cannot happen below 1 MiB
		return
	}
	l.written++
	// The ring may have opened segments (rotation, or a full live one):
	// the index follows it, and the compressor has a sealed one.
	cur := l.ring.Current()
	if last := &l.index[len(l.index)-1]; last.id != cur.ID {
		l.index = append(l.index, segIndex{id: cur.ID})
		if l.hist != nil {
			l.hist.seat.Poke()
		}
	}
	l.index[len(l.index)-1].add(ev)
}

// Stats are an event log's counters.
type Stats struct {
	Written uint64 `json:"written"` // events kept
	Held    uint64 `json:"held"`    // events in the ring
	Evicted uint64 `json:"evicted"` // events that gave way to newer ones
	Dropped uint64 `json:"dropped"` // events refused by BeforeWrite or an OFF logger, too large, or after Close
	// TooLarge is the events among Dropped whose record was over
	// MaxRecord bytes.
	TooLarge uint64 `json:"too_large"`
	Bytes    int64  `json:"bytes"` // bytes held in RAM: the ring's records and the history's blocks
	Cap      int64  `json:"cap"`   // RAM reserved from the cap: the ring's size and the history's share
	RAM      int64  `json:"ram"`   // RAM the log takes: the ring's buffer as far as it has grown, and blocks
	// Plain is the bytes of records held, decompressed; Ratio is Plain
	// per byte of RAM (0 while RAM is 0); Blocks is the sealed segments
	// held compressed.
	Plain  int64   `json:"plain"`
	Ratio  float64 `json:"ratio"`
	Blocks int     `json:"blocks"`
	// Waiting is the sealed segments the ring holds plain, waiting for
	// the compressor (0 when the log is plain).
	Waiting int    `json:"waiting"`
	LastSeq uint64 `json:"last_seq"`
	// First and Last are the times of the oldest and newest events held,
	// in Unix ns; zero while none is.
	First int64 `json:"first"`
	Last  int64 `json:"last"`
}

// Stats returns the log's counters.
func (l *Log) Stats() Stats {
	l.mu.RLock()
	defer l.mu.RUnlock()
	st := Stats{
		Written: l.written, Held: l.ring.Records(), Evicted: l.ring.Evicted(),
		Dropped: l.dropped.Load(), TooLarge: l.tooLarge.Load(), Bytes: l.ring.Len(), Cap: l.ring.Cap(),
		RAM: l.ring.Committed(), Plain: l.ring.Len(), LastSeq: l.seq,
	}
	for _, g := range l.ring.Segments() {
		if g.Records > 0 {
			st.First = cmp.Or(st.First, g.First)
			st.Last = g.Last
		}
	}
	l.histStats(&st)
	if st.RAM > 0 {
		st.Ratio = float64(st.Plain) / float64(st.RAM)
	}
	return st
}
