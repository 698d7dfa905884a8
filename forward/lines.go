package forward

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// entry is one line of a batch; its parts are offsets into the batch's
// arena.
type entry struct {
	t                      int64 // Unix ns
	level                  levels.Level
	known                  bool // level read from the line
	marker                 bool // the in-band "… N lines missed", not a line of the stream
	line, logger, token    [2]int32
	lineEnd, loggerEnd, tk int32
}

// batch is the lines of one stream waiting to be sent together.
type batch struct {
	stream  string
	arena   []byte
	entries []entry
	lines   int // entries that are lines of the stream
	first   time.Time
}

func (b *batch) reset() {
	b.arena, b.entries, b.lines = b.arena[:0], b.entries[:0], 0
}

func (b *batch) text(r [2]int32) []byte { return b.arena[r[0]:r[1]] }

// add copies line into the batch with what was read from it.
func (b *batch) add(line []byte, now time.Time, p parsed) {
	if len(b.entries) == 0 {
		b.first = time.Now()
	}
	at := int32(len(b.arena))
	b.arena = append(b.arena, line...)
	e := entry{t: p.t, level: p.level, known: p.known, line: [2]int32{at, at + int32(len(line))}}
	if e.t == 0 {
		e.t = now.UnixNano()
	}
	if p.logger[1] > 0 {
		e.logger = [2]int32{at + p.logger[0], at + p.logger[1]}
	}
	if p.token[1] > 0 {
		e.token = [2]int32{at + p.token[0], at + p.token[1]}
	}
	b.entries = append(b.entries, e)
	b.lines++
}

// addMissed says in-band that n lines were lost.
func (b *batch) addMissed(n uint64, now time.Time) {
	if len(b.entries) == 0 {
		b.first = time.Now()
	}
	at := int32(len(b.arena))
	b.arena = append(b.arena, "… "...)
	b.arena = strconv.AppendUint(b.arena, n, 10)
	b.arena = append(b.arena, " lines missed"...)
	b.entries = append(b.entries, entry{t: now.UnixNano(), level: levels.WARNING, known: true, marker: true,
		line: [2]int32{at, int32(len(b.arena))}})
}

// parsed is what a line tells of itself, read by its stream's Scanner:
// its time, level, logger and token; offsets are into the line, zero
// when absent.
type parsed struct {
	t             int64
	level         levels.Level
	known         bool
	logger, token [2]int32
}

// defaultScanner reads the lines of a stream whose pattern is not given:
// the default pattern's.
var defaultScanner, _ = levels.NewScanner("", nil)

// scannerOf returns the i-th of scanners, or the default pattern's.
func scannerOf(scanners []*levels.Scanner, i int) *levels.Scanner {
	if i < len(scanners) && scanners[i] != nil {
		return scanners[i]
	}
	return defaultScanner
}

// parseLine reads line as sc's pattern formats it; a line of another
// shape tells nothing.
func parseLine(sc *levels.Scanner, line []byte) parsed {
	var p parsed
	var li levels.LineInfo
	if !sc.Scan(line, &li) {
		return p
	}
	if li.Found&levels.FoundTime != 0 {
		p.t = li.Time
	}
	if li.Found&levels.FoundLevel != 0 {
		p.level, p.known = li.Level, true
	}
	if li.Found&levels.FoundLogger != 0 {
		p.logger = within(line, li.Logger)
	}
	switch {
	case li.Found&levels.FoundToken != 0:
		p.token = within(line, li.Token)
	case sc.TokenInAttrs():
		p.token = tokenAttr(line)
	}
	return p
}

// within returns where sub, a view of line, lies in it.
func within(line, sub []byte) [2]int32 {
	if len(sub) == 0 {
		return [2]int32{}
	}
	at := int32(cap(line) - cap(sub))
	return [2]int32{at, at + int32(len(sub))}
}

// tokenAttr returns where the value of the token='X' attr lies in line,
// as %(attrs)s writes it for a pattern without %(token)s: between the
// quotes, up to the first quote not escaped. It is the last such text in
// the line: attr values escape their quotes, so the text can only stand
// in the attrs or the message before them.
func tokenAttr(line []byte) [2]int32 {
	const key = " token='"
	i := bytes.LastIndex(line, []byte(key))
	if i < 0 {
		return [2]int32{}
	}
	start := i + len(key)
	for j := start; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '\'':
			if j == start {
				return [2]int32{}
			}
			return [2]int32{int32(start), int32(j)}
		}
	}
	return [2]int32{}
}

// follower is one stream's place: the index of the next line (the
// stream's Written count when it was written) and, while the budget holds
// lines back, where that began.
type follower struct {
	s    *Shipper
	st   *ramlog.Stream
	sc   *levels.Scanner // reads the stream's lines
	from ramlog.Mark     // where following began: a new budget period reads again from here
	idx  uint64          // the next line's index
	// seen is the index up to which lines were counted once (sent,
	// skipped, lost or held back); a line read again below it is not
	// counted again.
	seen uint64
	// Holding back: lines from heldFrom that are below the budget level
	// wait; those at it were sent, their indexes in sentOver.
	holding  bool
	heldFrom uint64
	period   time.Time
	held     uint64 // lines held back, waiting
	sentOver map[uint64]struct{}
	b        batch
	body     []byte       // the batch's request, kept for the next
	zipped   bytes.Buffer // body gzipped, kept too
	next     time.Time    // pacing
}

// followLines ships one stream until ctx ends.
func (s *Shipper) followLines(ctx context.Context, st *ramlog.Stream, sc *levels.Scanner, m ramlog.Mark) {
	f := &follower{s: s, st: st, sc: sc, from: m, idx: m.Written, seen: m.Written, next: time.Now(),
		sentOver: make(map[uint64]struct{})}
	f.b.stream = st.Name()
	for f.run(ctx) && ctx.Err() == nil {
		if f.holding && s.newPeriod(f.period) {
			f.holding = false
		}
		// Read again from the start: what was held back goes now, what
		// went already is skipped.
		f.idx = f.from.Written
	}
}

// run follows from f.idx's place until ctx ends, the stream is closed
// or, while holding back, a new budget period may have begun: it reports
// whether to read again then.
func (f *follower) run(ctx context.Context) (again bool) {
	s := f.s
	runCtx := ctx
	if f.holding {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
		wait := max(f.period.Add(s.o.BudgetPeriod).Sub(s.o.Now()), time.Second)
		t := time.AfterFunc(wait, cancel)
		defer t.Stop()
	}
	for chunk := range f.st.FollowFromChunks(runCtx, f.from) {
		if n, ok := missed(bytes.TrimSuffix(chunk, []byte{'\n'})); ok {
			f.missed(n)
			continue
		}
		if f.holding && s.newPeriod(f.period) {
			f.flush(ctx)
			return true
		}
		if !f.holding && f.idx >= f.seen {
			if over, p := s.overBudget(); over {
				f.flush(ctx)
				f.setHeld(0)
				f.holding, f.heldFrom, f.period = true, f.idx, p
				clear(f.sentOver)
				// Read on with a timer for the period's end, so that what
				// is held back goes then even if nothing more is logged.
				return true
			}
		}
		now := time.Now()
		for rest := chunk; len(rest) > 0; {
			i := bytes.IndexByte(rest, '\n')
			line := rest[:max(i, 0)]
			if i < 0 {
				line, rest = rest, nil
			} else {
				rest = rest[i+1:]
			}
			f.line(line, now)
			if len(f.b.arena) >= s.o.BatchBytes && !f.flush(ctx) {
				return false
			}
		}
		if len(f.b.entries) > 0 && (f.idx >= f.st.Mark().Written || time.Since(f.b.first) >= s.o.BatchWait) {
			// Caught up: let more lines come for the rest of the batch's
			// wait (the ring holds them), then send.
			if wait := s.o.BatchWait - time.Since(f.b.first); wait > 0 {
				select {
				case <-ctx.Done():
					return false
				case <-time.After(wait):
				}
			}
			if !f.flush(ctx) {
				return false
			}
		}
	}
	// The sequence ended: ctx, the stream closed, or the period's timer
	// while holding back (runCtx alone ended), which reads again.
	return f.holding && ctx.Err() == nil && runCtx.Err() != nil
}

// line handles the line of index f.idx.
func (f *follower) line(line []byte, now time.Time) {
	s := f.s
	i := f.idx
	f.idx++
	first := i >= f.seen
	if first {
		f.seen = i + 1
	}
	p := parseLine(f.sc, line)
	if !first {
		// Read again after a new budget period began: only the lines held
		// back go now.
		if _, done := f.sentOver[i]; done || i < f.heldFrom || p.known && p.level < s.o.Level || f.holding {
			return
		}
		f.setHeld(f.held - 1)
		f.b.add(line, now, p)
		return
	}
	if p.known && p.level < s.o.Level {
		s.skipped.Add(1)
		s.handled.Add(1)
		return
	}
	if f.holding && (!p.known || p.level < s.o.BudgetLevel) {
		f.setHeld(f.held + 1)
		return
	}
	if f.holding {
		f.sentOver[i] = struct{}{}
	}
	f.b.add(line, now, p)
}

// setHeld sets the lines the follower holds back, keeping the shipper's
// sum of them.
func (f *follower) setHeld(n uint64) {
	f.s.heldLines.Add(n - f.held) // wraps around to a decrease
	f.held = n
}

// missed accounts for n lines the ring gave up before they were read.
func (f *follower) missed(n uint64) {
	s := f.s
	start, end := f.idx, f.idx+n
	f.idx = end
	var lost uint64
	if end > f.seen {
		fresh := end - max(start, f.seen)
		lost += fresh
		s.handled.Add(fresh)
		f.seen = end
	}
	if start < f.seen && f.held > 0 {
		// Lines held back, read again: those the ring gave up meanwhile
		// are lost.
		again := min(f.seen, end) - max(start, f.heldFrom)
		if max(start, f.heldFrom) < min(f.seen, end) {
			for i := max(start, f.heldFrom); i < min(f.seen, end); i++ {
				if _, done := f.sentOver[i]; done {
					again--
				}
			}
			again = min(again, f.held)
			f.setHeld(f.held - again)
			lost += again
			s.handled.Add(again)
		}
	}
	if lost > 0 {
		s.lost.Add(lost)
		f.b.addMissed(lost, time.Now())
	}
}

// flush sends the batch; false when ctx ended first (the batch is
// dropped: its lines are still in the ring for whoever follows next).
func (f *follower) flush(ctx context.Context) bool {
	s := f.s
	if len(f.b.entries) == 0 {
		return true
	}
	if !pace(ctx, &f.next, f.b.lines, s.o.ReplayRate) {
		return false
	}
	// The request: a Loki push (JSON, one Loki stream per label set;
	// docs/format.md, "Fleet forwarding") or an OTLP/HTTP
	// ExportLogsServiceRequest (protobuf), gzipped.
	contentType := "application/json"
	if s.o.Kind == OTLP {
		f.body, contentType = s.appendOTLP(f.body[:0], &f.b), "application/x-protobuf"
	} else {
		f.body = s.appendLoki(f.body[:0], &f.b)
	}
	s.gzipInto(&f.zipped, f.body)
	err := s.post(ctx, contentType, f.zipped.Bytes(), f.b.lines)
	if ctx.Err() != nil {
		return false
	}
	if err == nil {
		s.sent.Add(uint64(f.b.lines))
	}
	// Sent, or rejected for good and counted so: handled either way. A
	// line held back and sent now was counted in Lag all along.
	s.handled.Add(uint64(f.b.lines))
	f.b.reset()
	return true
}
