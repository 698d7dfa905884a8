package levels

import (
	"bytes"
	"strconv"
	"sync"
	"time"
	"unsafe"
)

// Dedup is a Sink that suppresses repeated lines, as syslogd and rsyslog's
// RepeatedMsgReduction do: a line identical to the one before it is
// counted rather than written, and the count goes out as one line "last
// message repeated N times" before the next different line. It sits
// between a Target's Formatter and its sink: Target{Format: f, Sink:
// NewDedup(stream, 30*time.Second)}.
//
// Identical means byte for byte identical but for the time fields
// (%(asctime)s, %(created)f, %(msecs)d, %(relativeCreated)d), which the
// Formatter marks as it renders the line; so two records are repeats when
// everything their target's format shows of them is the same — the level,
// the logger, the message and attrs, the caller if the format names it.
// The comparison is exact, not by a hash.
//
// As in syslogd, the first line is written at once and the repeats that
// follow are counted. The count is written, and counting starts afresh,
// when a different line arrives, when a repeat arrives the window or more
// after the first one counted, and on Expire, Flush and Close. The count
// line is rendered by the target's Formatter as a record of the repeated
// line's level, logger and caller, stamped with the time of the last
// repeat. A single repeat is written as it is rather than as "repeated 1
// times". After a count, the line is still the one repeats are compared
// with: a repeat that comes later is counted again, not written.
//
// Only lines that come through a Logger (or the slog bridge) are compared:
// a line given to WriteLine directly, without its record, writes the
// count first, then goes through, and ends the run.
//
// A Dedup is safe for concurrent use. Once its buffers have grown to the
// stream's longest line (a copy of the last line written, and of the first
// repeat counted), it allocates nothing.
type Dedup struct {
	sink Sink

	// mu guards what follows; lines reach the sink (a ring) under it, so
	// it comes before the ring's lock (docs/design.md, "Locks").
	mu     sync.Mutex
	window time.Duration
	closed bool

	// The line last written through, which later lines are compared with,
	// and the record it came from.
	has    bool
	format *Formatter
	level  Level
	pc     uintptr
	// The record's logger, token and task, copied: keeping the strings
	// would make every record's contents escape to the heap.
	name, token, task []byte
	source            []byte // Record.Source
	sourceLine        int
	prev              []byte
	prevSt            stamps

	// The repeats counted and not yet written.
	count int
	first int64  // the first one's time, Unix ns
	last  int64  // the latest one's time
	held  []byte // the first one, written as it is when it is the only one

	out []byte // the count line, rendered
	msg []byte // its message
}

// NewDedup returns a Dedup that writes to sink and counts the repeats that
// come within window of the first one counted. A window of zero or less
// holds a count until a different line arrives, Flush or Close.
func NewDedup(sink Sink, window time.Duration) *Dedup {
	return &Dedup{sink: sink, window: window}
}

// Sink returns the sink that d writes to.
func (d *Dedup) Sink() Sink { return d.sink }

// Window returns d's window.
func (d *Dedup) Window() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.window
}

// SetWindow changes d's window; a count under way keeps counting.
func (d *Dedup) SetWindow(window time.Duration) {
	d.mu.Lock()
	d.window = window
	d.mu.Unlock()
}

// WriteLine implements Sink for lines that come without their record: the
// count held, if any, is written first, then line, and the next line
// starts a new run.
func (d *Dedup) WriteLine(when int64, line []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.flush()
		d.has = false
	}
	d.sink.WriteLine(when, line)
}

// writeRecord takes line, rendered by f from rec with its time fields at
// st: it is counted if it repeats the line before, else written.
func (d *Dedup) writeRecord(f *Formatter, rec *Record, when int64, line []byte, st *stamps) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		d.sink.WriteLine(when, line)
		return
	}
	if d.has && f == d.format && sameBut(d.prev, &d.prevSt, line, st) {
		if d.count > 0 && d.window > 0 && when-d.first >= int64(d.window) {
			d.flush()
		}
		if d.count == 0 {
			d.first = when
			d.held = append(d.held[:0], line...)
		}
		d.count++
		d.last = when
		return
	}
	d.flush()
	d.sink.WriteLine(when, line)
	d.has, d.format, d.prevSt, d.level, d.pc = true, f, *st, rec.Level, rec.PC
	d.name = append(d.name[:0], rec.Logger...)
	d.token = append(d.token[:0], rec.Token...)
	d.task = append(d.task[:0], rec.Task...)
	d.source, d.sourceLine = append(d.source[:0], rec.Source...), rec.SourceLine
	d.prev = append(d.prev[:0], line...)
}

// Expire writes the count held if its window has passed by now, so that a
// count does not wait for the next line of a quiet stream: call it from a
// timer (gwlog's runtime does, every window).
func (d *Dedup) Expire(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.count > 0 && d.window > 0 && now.UnixNano()-d.first >= int64(d.window) {
		d.flush()
	}
}

// Flush writes the count held, if any, whatever its window.
func (d *Dedup) Flush() {
	d.mu.Lock()
	d.flush()
	d.mu.Unlock()
}

// Close writes the count held, if any, and turns suppression off for good:
// later lines go straight through, so that a line logged while a new
// configuration replaces d is not lost. It does not close the sink.
func (d *Dedup) Close() {
	d.mu.Lock()
	d.flush()
	d.closed, d.has = true, false
	d.prev, d.held, d.out, d.msg, d.name, d.token, d.task, d.source = nil, nil, nil, nil, nil, nil, nil, nil
	d.mu.Unlock()
}

// flush writes the count held; d.mu is held.
func (d *Dedup) flush() {
	switch {
	case d.count == 0:
		return
	case d.count == 1:
		d.sink.WriteLine(d.first, d.held)
	default:
		d.msg = append(d.msg[:0], "last message repeated "...)
		d.msg = strconv.AppendInt(d.msg, int64(d.count), 10)
		d.msg = append(d.msg, " times"...)
		// The formatter copies the strings and keeps nothing (see Record),
		// so they can be views of d's buffers.
		rec := Record{Level: d.level, Logger: view(d.name), Message: view(d.msg), PC: d.pc, Token: view(d.token), Task: view(d.task),
			Source: view(d.source), SourceLine: d.sourceLine}
		if d.last != 0 {
			rec.Time = time.Unix(0, d.last)
		}
		d.out = d.format.Append(d.out[:0], &rec)
		d.sink.WriteLine(d.last, d.out)
	}
	d.count = 0
}

// view returns b as a string without copying; b must not change while the
// string is in use.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// maxStamps is how many time fields stamps hold. The lines of a format
// with more are compared whole, time and all, so they never repeat.
const maxStamps = 8

// stamps are where a line's time fields are, as byte offsets from the
// line's start, in order. (A line is at most 1 MiB and its marker.)
type stamps struct {
	n int // ranges in r; -1 when the line has more than maxStamps
	r [maxStamps][2]int32
}

func (st *stamps) add(from, to int) {
	switch st.n {
	case -1:
	case len(st.r):
		st.n = -1
	default:
		st.r[st.n] = [2]int32{int32(from), int32(to)}
		st.n++
	}
}

// sameBut reports whether lines a and b are the same but for their time
// fields, at as and bs: the same number of them, and between them the same
// bytes. A line cut at MaxLine may have lost the end of a range.
func sameBut(a []byte, as *stamps, b []byte, bs *stamps) bool {
	if as.n != bs.n {
		return false
	}
	if as.n < 0 {
		return bytes.Equal(a, b)
	}
	ai, bi := 0, 0
	for k := range as.n {
		af, at := min(int(as.r[k][0]), len(a)), min(int(as.r[k][1]), len(a))
		bf, bt := min(int(bs.r[k][0]), len(b)), min(int(bs.r[k][1]), len(b))
		if !bytes.Equal(a[ai:af], b[bi:bf]) {
			return false
		}
		ai, bi = at, bt
	}
	return bytes.Equal(a[ai:], b[bi:])
}

// KeepDedup wraps sink in a Dedup when window is positive. It keeps was,
// the Dedup of the target sink replaces, when that wraps the same sink,
// with the new window, so that a reload neither loses nor cuts short a
// count under way.
func KeepDedup(was, sink Sink, window time.Duration) Sink {
	if window <= 0 {
		return sink
	}
	if d, ok := was.(*Dedup); ok && d.Sink() == sink {
		d.SetWindow(window)
		return d
	}
	return NewDedup(sink, window)
}

// RetireDedups closes the Dedups of the targets in old that cur no
// longer uses, so that their counts are written; a record on its way to
// one of them still gets through.
func RetireDedups(old, cur map[string]Target) {
	for name, tg := range old {
		if d, ok := tg.Sink.(*Dedup); ok && cur[name].Sink != Sink(d) {
			d.Close()
		}
	}
}

// ExpireDedups writes the repeat counts of targets' Dedups whose window
// has passed by now.
func ExpireDedups(targets map[string]Target, now time.Time) {
	for _, tg := range targets {
		if d, ok := tg.Sink.(*Dedup); ok {
			d.Expire(now)
		}
	}
}

// CloseDedups writes the repeat counts held by targets' Dedups and makes
// them pass lines through.
func CloseDedups(targets map[string]Target) {
	for _, tg := range targets {
		if d, ok := tg.Sink.(*Dedup); ok {
			d.Close()
		}
	}
}
