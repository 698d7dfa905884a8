package ramlog

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Options configure a Stream. The zero value means the defaults.
type Options struct {
	// Rotate says when a new segment starts; the zero value rotates at
	// 1 MiB.
	Rotate Rotation
	// Keep is the number of history segments (files) kept besides the
	// live one; zero means DefaultKeep and KeepNone none.
	Keep int
	// RAM is the ring's size in bytes. Zero means (Keep+1) × Rotate.Size
	// for size rotation, and 512 KiB × (Keep+1) otherwise.
	RAM int64
	// Budget is the global cap the ring is reserved from; nil means none.
	Budget *Budget
	// Location is the wall clock of time rotation and of segment names;
	// nil means time.Local.
	Location *time.Location
	// Now stamps lines written without a time; nil means time.Now.
	Now func() time.Time
	// Compress says how sealed segments are kept: CompressNone (the zero
	// value) keeps them plain in the ring; CompressGzip compresses each
	// into a block of the stream's history, within RAM, on a compressor
	// goroutine, and then Keep zero means as many files as RAM holds.
	Compress Compression
}

// Compression is how a stream keeps its sealed segments in RAM.
type Compression uint8

const (
	// CompressNone keeps sealed segments plain, in the ring.
	CompressNone Compression = iota
	// CompressGzip keeps each sealed segment as one gzip member.
	CompressGzip
)

// String returns "none" or "gzip", what ParseCompression reads.
func (c Compression) String() string {
	if c == CompressGzip {
		return "gzip"
	}
	return "none"
}

// ParseCompression parses "gzip" or "none".
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "gzip":
		return CompressGzip, nil
	case "none":
		return CompressNone, nil
	}
	return 0, fmt.Errorf("%w: want gzip or none, got %q", ErrCompress, s)
}

// RingSize returns the bytes a stream made with o reserves: RAM, or the
// size derived from Rotate and Keep.
func (o Options) RingSize() int64 {
	if o.RAM != 0 {
		return o.RAM
	}
	keep := o.Keep
	switch keep {
	case 0:
		keep = DefaultKeep
	case KeepNone:
		keep = 0
	}
	rot := o.Rotate.withDefaults()
	if rot.Sized() {
		if rot.Size > math.MaxInt64/int64(keep+1) {
			return math.MaxInt64 // no platform has it; New says so
		}
		return int64(keep+1) * rot.Size
	}
	return int64(keep+1) * timedRAMPerSegment
}

// DefaultKeep is the number of history segments of a zero Options.
const DefaultKeep = 5

// KeepNone as Options.Keep keeps no history: only the live segment.
const KeepNone = -1

// timedRAMPerSegment sizes the ring of a time-rotated stream by default.
const timedRAMPerSegment = 512 << 10

// Chunks bound the eviction step of streams whose segments are not
// bounded by a size (time and none rotation).
const (
	minChunk = 4 << 10
	maxChunk = 1 << 20
)

// maxName bounds a stream's name: a file name's length (and what a disk
// store takes).
const maxName = 255

// truncMark ends a line that was longer than a segment may hold.
const truncMark = "…[truncated]\n"

// Stream is a named log stream: a Ring of lines with file-like rotation,
// retention, readers and counters. Lines are stored as written; each ends
// with a newline (one is added when missing). Safe for concurrent use.
type Stream struct {
	name string
	base string // name + ".log"

	// Lock order (docs/design.md, "Locks"): rmu, then mu. mu is taken
	// under a Dedup's lock and the event log's; the spill callback runs
	// under it and takes the spiller's lock, and the Budget's is taken
	// under it. Archives are read without it.
	rmu         sync.Mutex // serializes Reconfigure
	mu          sync.Mutex // guards what follows
	rot         Rotation
	keep        int
	loc         *time.Location
	now         func() time.Time
	chunk       int64 // largest segment
	ring        *Ring
	periodStart int64 // Unix ns; time rotation only
	periodEnd   int64
	written     uint64
	wbytes      uint64
	truncated   uint64
	refused     uint64   // lines not stored: written after Close, or refused
	scratch     []byte   // for lines that need escaping, guarded by mu
	header      [][]byte // lines that start every file (W3C's #Fields:)
	closed      bool
	archive     Archive      // older segments kept elsewhere; nil: none
	spillFn     func(*Spill) // SetSpill's; nil: none
	budget      *Budget
	hist        *history    // sealed segments compressed; nil: CompressNone
	comp        *compressor // what compresses them; nil: CompressNone

	followers atomic.Pointer[[]*follower]
	fmu       sync.Mutex // serializes changes to followers
	done      chan struct{}
}

// New returns a stream named name (its files are name.log, name.log.1, …).
func New(name string, o Options) (*Stream, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	st, err := settle(name, o)
	if err != nil {
		return nil, err
	}
	s := &Stream{name: name, base: name + ".log", done: make(chan struct{}), budget: o.Budget}
	s.apply(st)
	r, err := NewRing(st.plain, o.Budget)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", name, err)
	}
	s.ring = r
	if st.compress {
		if err := s.startHistory(st); err != nil {
			r.Release()
			return nil, fmt.Errorf("stream %s: %w", name, err)
		}
	}
	if s.rot.timed() {
		s.startPeriod(s.now().UnixNano())
	}
	return s, nil
}

// Check reports whether New(name, o) would accept o, without making the
// ring: the budget aside, a stream made or reconfigured with o succeeds.
func (o Options) Check(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	_, err := settle(name, o)
	return err
}

// settings are Options resolved and checked.
type settings struct {
	rot   Rotation
	keep  int
	ram   int64
	chunk int64
	loc   *time.Location
	now   func() time.Time
	// With compression, the plain ring holds plain bytes, the live segment
	// and one sealed waiting for the compressor; the history the rest of
	// ram. Without, plain is ram.
	plain    int64
	compress bool
}

// histCap is the RAM share st leaves to compressed history.
func (st settings) histCap() int64 {
	if !st.compress {
		return 0
	}
	return st.ram - st.plain
}

// settle resolves o's defaults and checks them.
func settle(name string, o Options) (settings, error) {
	st := settings{rot: o.Rotate.withDefaults(), keep: o.Keep, loc: o.Location, now: o.Now}
	if err := st.rot.validate(); err != nil {
		return st, fmt.Errorf("stream %s: rotate: %w", name, err)
	}
	switch {
	case st.keep == 0 && o.Compress == CompressGzip:
		st.keep = maxSegments / 2 // as many as RAM holds
	case st.keep == 0:
		st.keep = DefaultKeep
	case st.keep == KeepNone:
		st.keep = 0
	case st.keep < 0:
		return st, fmt.Errorf("stream %s: keep: %w: %d is negative", name, ErrSize, st.keep)
	case st.keep > maxSegments/2:
		return st, fmt.Errorf("stream %s: keep: %w: %d is over %d", name, ErrSize, st.keep, maxSegments/2)
	}
	if o.RAM < 0 {
		return st, fmt.Errorf("stream %s: ram: %w: %d is negative", name, ErrSize, o.RAM)
	}
	st.ram = o.RingSize()
	if int64(int(st.ram)) != st.ram {
		return st, fmt.Errorf("stream %s: ram: %w: %d does not fit this platform", name, ErrSize, st.ram)
	}
	if st.loc == nil {
		st.loc = time.Local
	}
	if st.now == nil {
		st.now = time.Now
	}
	if st.rot.Sized() {
		if st.rot.Size > st.ram/2 && !(st.keep == 0 && st.rot.Size <= st.ram) {
			return st, fmt.Errorf("stream %s: ram: %w: %d bytes cannot hold two segments of %d", name, ErrSize, st.ram, st.rot.Size)
		}
		st.chunk = st.rot.Size
	} else {
		st.chunk = min(max(st.ram/8, minChunk), maxChunk, st.ram/2)
	}
	if st.chunk < 2 {
		return st, fmt.Errorf("stream %s: ram: %w: %d bytes is too small", name, ErrSize, st.ram)
	}
	if o.Compress > CompressGzip {
		return st, fmt.Errorf("stream %s: %w: unknown kind %d", name, ErrCompress, o.Compress)
	}
	st.plain = st.ram
	if o.Compress == CompressGzip && 2*st.chunk < st.ram {
		st.plain, st.compress = 2*st.chunk, true
	}
	return st, nil
}

// apply installs st; s.mu is held (or s is new).
func (s *Stream) apply(st settings) {
	s.rot, s.keep, s.loc, s.now = st.rot, st.keep, st.loc, st.now
	s.chunk = st.chunk
}

// Reconfigure applies new rotation, keep and ring size to a live stream
// without losing what it holds, but for what no longer fits: shrinking
// keeps the newest lines (the rest are counted as dropped), growing keeps
// everything. A change of rotation seals the live segment. The budget
// stays the one the stream was made with; o.Budget is ignored. On error
// nothing changes.
func (s *Stream) Reconfigure(o Options) error {
	st, err := settle(s.name, o)
	if err != nil {
		return err
	}
	s.rmu.Lock() // one reconfiguration at a time
	defer s.rmu.Unlock()
	s.mu.Lock()
	oldRing, held, closed, c := s.ring.Cap(), s.ring.Len(), s.closed, s.comp
	old := oldRing
	if s.hist != nil {
		old += s.hist.cap
	}
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	// The compressor first, not under s.mu: it may wait for it. What the
	// stream gives back may pay for its working memory (credit).
	total := st.plain + st.histCap()
	var left *compressor
	joined, credit, err := s.compressorFor(st, c, old-total)
	if err != nil {
		return err
	}
	defer func() {
		if left != nil {
			left.leave(s) // after s.mu is released: deferred first
		}
	}()
	var buf []byte
	if total+credit != old {
		// Charge the budget before allocating: a ring the cap cannot hold
		// is refused, not allocated.
		if err := s.ring.charge(old, total+credit); err != nil {
			left = joined
			return fmt.Errorf("stream %s: %w", s.name, err)
		}
	}
	if st.plain != oldRing {
		// Outside the lock: writers go on meanwhile. The buffer grows
		// up to st.plain as lines come.
		buf = make([]byte, min(st.plain, max(held, firstBuffer)))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.ring.charge(total, old) // give it back
		left = joined
		return ErrClosed
	}
	if buf != nil {
		s.ring.resize(uint64(st.plain), buf, s.trimLive)
	}
	left = s.reshapeHistory(st, joined)
	rotChanged := st.rot != s.rot
	s.apply(st)
	if rotChanged {
		s.relabel()
		cur := s.ring.Current()
		s.ring.Rotate(cur.Period, s.partFor(cur.Period, len(s.ring.segs)))
		s.periodStart, s.periodEnd = 0, 0
		if s.rot.timed() {
			s.startPeriod(s.now().UnixNano())
		}
	}
	s.trimKeep()
	if s.comp != nil {
		s.comp.poke()
	}
	return nil
}

// compressorFor readies the compressor a reconfiguration to st needs:
// joins one when the stream had none (joined), or grows c's buffers.
// give is what the stream gives back of the budget, which may pay for
// the working memory; credit is what it did pay. No stream lock is held.
func (s *Stream) compressorFor(st settings, c *compressor, give int64) (joined *compressor, credit int64, err error) {
	switch {
	case st.compress && c == nil:
		joined, credit, err = compressorFor(s.budget, s, st.chunk, give)
	case st.compress:
		credit, err = c.grow(st.chunk, give)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("stream %s: %w", s.name, err)
	}
	return joined, credit, nil
}

// reshapeHistory gives the compressed history st's share: a new one with
// joined, the compressor just joined; the same, shrunk to its newest
// blocks; or none. It returns the compressor left, if any, for the
// caller to leave once s.mu is released; s.mu is held.
func (s *Stream) reshapeHistory(st settings, joined *compressor) (left *compressor) {
	switch {
	case st.compress && s.hist == nil:
		s.hist, s.comp = &history{name: s.name, cap: st.histCap(), ext: s.archive}, joined
	case st.compress:
		s.hist.mu.Lock()
		s.hist.cap = st.histCap()
		s.hist.mu.Unlock()
		for s.hist.size > s.hist.cap { // shrinking keeps the newest
			s.dropBlock()
		}
	case s.hist != nil:
		return s.dropHistory()
	}
	return nil
}

// relabel gives what is held the labels of the new rotation, so that its
// files are named like the ones that follow, each name once: periods from
// each segment's first line, and parts numbering the files of a period in
// order; s.mu is held.
func (s *Stream) relabel() {
	segs := s.ring.segs
	for i := range segs {
		g := &segs[i]
		g.Period, g.Part = 0, 0
		if !s.rot.timed() {
			continue
		}
		if g.Records > 0 {
			start, _ := s.rot.period(time.Unix(0, g.First), s.loc)
			g.Period = start.UnixNano()
		} else if i > 0 {
			g.Period = segs[i-1].Period
		}
		g.Part = s.partFor(g.Period, i)
	}
}

// trimLive finds where to cut the live segment [start, end) so that at
// most limit bytes of whole lines remain, and how many lines go; s.mu is
// held.
func (s *Stream) trimLive(start, end, limit uint64) (cut uint64, lines uint64) {
	cut = end - limit
	a, b := s.ring.slices(start, end)
	from := int(cut - start)
	joined := func(i int) byte {
		if i < len(a) {
			return a[i]
		}
		return b[i-len(a)]
	}
	// Advance to just after the newline that ends the line holding cut-1.
	for from > 0 && from < len(a)+len(b) && joined(from-1) != '\n' {
		from++
	}
	for i := range from {
		if joined(i) == '\n' {
			lines++
		}
	}
	return start + uint64(from), lines
}

func checkName(name string) error {
	if len(name) > maxName {
		return fmt.Errorf("ramlog: stream name %.40q…: %d bytes, over %d", name, len(name), maxName)
	}
	if name == "" || !fs.ValidPath(name) || strings.ContainsAny(name, "/\\") || name == "." {
		return fmt.Errorf("ramlog: stream name %q: want a plain file name", name)
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || c == utf8.RuneError {
			return fmt.Errorf("ramlog: stream name %q: control or invalid character", name)
		}
	}
	return nil
}

// Name returns the stream's name.
func (s *Stream) Name() string { return s.name }

// Rotation returns the stream's rotation with defaults filled in.
func (s *Stream) Rotation() Rotation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rot
}

// Compression returns how the stream keeps its sealed segments now.
func (s *Stream) Compression() Compression {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hist != nil {
		return CompressGzip
	}
	return CompressNone
}

// Keep returns the number of history segments kept.
func (s *Stream) Keep() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keep
}

// Write implements io.Writer: p is written as lines stamped now. It always
// succeeds (lines may later be dropped, and are counted).
func (s *Stream) Write(p []byte) (int, error) {
	var buf []byte
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if !clean(line) {
			buf = AppendClean(buf[:0], line)
			line = buf
		}
		s.WriteLine(0, line)
	}
	return len(p), nil
}

// WriteLine stores one line stamped when (Unix ns; 0 means now). A line
// longer than a segment is cut and marked; a missing newline is added; a
// CR or LF inside is escaped, so that a record is always one line (lines
// from levels never need it; Write cleans arbitrary text fully). WriteLine
// copies line and allocates nothing; it implements levels.Sink.
func (s *Stream) WriteLine(when int64, line []byte) {
	s.writeLine(when, line, false)
}

// WriteCleanLine is WriteLine for a line that holds no CR or LF but for
// a final newline, such as a levels.Formatter's: it is not scanned for
// them. A line that breaks the promise may read back as two.
func (s *Stream) WriteCleanLine(when int64, line []byte) {
	s.writeLine(when, line, true)
}

func (s *Stream) writeLine(when int64, line []byte, clean bool) {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	s.mu.Lock()
	if s.closed {
		s.refused++
		s.written++
		s.mu.Unlock()
		return
	}
	if !clean && breaks(line) {
		s.scratch = AppendClean(s.scratch[:0], line)
		line = s.scratch
	}
	tail := newline
	if when == 0 {
		when = s.now().UnixNano()
	}
	// A line may fill a segment, newline included, and no more.
	if maxRec := int(s.chunk); len(line)+len(tail) > maxRec {
		tail = truncMarkBytes
		if maxRec < 2*len(truncMark) {
			tail = newline // a toy ring: no room for the marker
		}
		n := maxRec - len(tail)
		for n > 0 && line[n]&0xC0 == 0x80 {
			n--
		}
		line = line[:n]
		s.truncated++
	}
	s.rotate(when, int64(len(line)+len(tail)))
	if !s.ring.Append(when, line, tail) {
		s.refused++ // cannot happen with a valid stream; counted all the same
	}
	s.written++
	s.wbytes += uint64(len(line) + len(tail))
	if s.comp != nil && len(s.ring.segs) > 1 {
		s.comp.poke() // a sealed segment waits
	}
	s.mu.Unlock()
	s.wake()
}

var (
	newline        = []byte{'\n'}
	truncMarkBytes = []byte(truncMark)
)

// rotate starts a new segment when the rotation says so; s.mu is held.
func (s *Stream) rotate(when, n int64) {
	cur := s.ring.Current()
	// Files follow the wall clock, as Python's TimedRotatingFileHandler
	// does: a line stamped outside the current period makes the stream
	// read its clock, and only a clock outside it too (a later period, or
	// one stepped back) starts another file. A stray future or past time
	// stays in the current file and cannot stall rotation. Lines a moment
	// early, from writers that read the clock before a rotation, stay too.
	if s.rot.timed() && s.outside(when) {
		if now := s.now().UnixNano(); s.outside(now) {
			s.startPeriod(now)
			cur = s.ring.Current()
		}
	}
	if cur.Records > 0 && cur.Len()+n > s.chunk {
		if s.perSegment() {
			s.ring.Rotate(cur.Period, cur.Part+1)
			s.trimKeep()
			s.writeHeader(when)
		} else {
			s.ring.Rotate(cur.Period, cur.Part) // a chunk of the same file
		}
	}
}

// stepBack is how far before its period a line may be stamped and still
// count as belonging to it.
const stepBack = time.Minute

// outside reports whether t (Unix ns) is outside the current period; s.mu
// is held.
func (s *Stream) outside(t int64) bool {
	return t >= s.periodEnd || t < s.periodStart-int64(stepBack)
}

// startPeriod moves the stream to the period holding when; s.mu is held.
// A period that some held file already has gets the next part number, so
// that names stay unique.
func (s *Stream) startPeriod(when int64) {
	start, end := s.rot.period(time.Unix(0, when), s.loc)
	s.periodStart, s.periodEnd = start.UnixNano(), end.UnixNano()
	n := len(s.ring.segs)
	if s.ring.Current().Records == 0 {
		n-- // the live segment is relabelled, not sealed
	}
	s.ring.Rotate(s.periodStart, s.partFor(s.periodStart, n))
	s.trimKeep()
	if s.ring.Current().Records == 0 {
		s.writeHeader(when)
	}
}

// SetHeader sets lines that start every new file of the stream, such as
// W3C's "#Version:" and "#Fields:" lines: from the next file on, and in
// the live one now if it is empty. nil removes them.
func (s *Stream) SetHeader(lines []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.header = nil
	for l := range bytes.Lines(lines) {
		if l = bytes.TrimRight(l, "\r\n"); len(l) > 0 && clean(l) {
			s.header = append(s.header, append([]byte(nil), l...))
		}
	}
	if s.ring.Current().Records == 0 && !s.closed {
		s.writeHeader(s.now().UnixNano())
	}
}

// writeHeader writes the header lines into the live file; s.mu is held.
func (s *Stream) writeHeader(when int64) {
	for _, l := range s.header {
		if s.ring.Append(when, l, newline) {
			s.written++
			s.wbytes += uint64(len(l) + 1)
		}
	}
}

// partFor is the part of a new segment of period after the first n
// segments: the part of segment n-1 when it is of the same period and
// files span segments (the same file goes on), else 0 or one past the
// highest part of the period held; s.mu is held.
func (s *Stream) partFor(period int64, n int) int {
	if !s.perSegment() && n > 0 && s.ring.segs[n-1].Period == period {
		return s.ring.segs[n-1].Part
	}
	part := -1
	for _, g := range s.ring.segs[:n] {
		if g.Period == period && g.Records > 0 {
			part = max(part, g.Part)
		}
	}
	return part + 1
}

// trimKeep evicts history beyond keep files, oldest first; s.mu is held.
func (s *Stream) trimKeep() {
	for s.fileCount()-1 > s.keep {
		if s.hist != nil && len(s.hist.blocks) > 0 {
			s.dropHistoryFile()
			continue
		}
		segs := s.ring.Segments()
		n := 1 // segments in the oldest file
		for n < len(segs)-1 && !s.newFile(segs, n-1) {
			n++
		}
		for range n {
			s.ring.EvictOldest()
		}
	}
}

// perSegment reports whether every segment is a file of its own.
func (s *Stream) perSegment() bool {
	return s.rot.Sized()
}

// newFile reports whether segs[i] ends a file, that is whether segs[i+1]
// starts another one.
func (s *Stream) newFile(segs []Segment, i int) bool {
	if s.perSegment() {
		return true
	}
	return segs[i].Period != segs[i+1].Period || segs[i].Part != segs[i+1].Part
}

// fileCount counts the files without listing them; s.mu is held.
func (s *Stream) fileCount() int {
	segs := s.ring.Segments()
	n := 1
	for i := 0; i < len(segs)-1; i++ {
		if s.newFile(segs, i) {
			n++
		}
	}
	if s.hist == nil || len(s.hist.blocks) == 0 {
		return n
	}
	bs := s.hist.blocks
	for i := range bs {
		if i == 0 || s.perSegment() || bs[i].Name != bs[i-1].Name {
			n++
		}
	}
	if !s.perSegment() && bs[len(bs)-1].Name == s.spillName(&segs[0]) {
		n-- // the ring's oldest file goes on from the history's newest
	}
	return n
}

// Close ends followers and gives the ring back to the budget; lines
// written afterwards are refused and counted. Readers keep working.
func (s *Stream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.ring.Release()
	if s.hist != nil && s.budget != nil {
		s.budget.Release(s.hist.cap)
	}
	c := s.comp
	close(s.done)
	s.mu.Unlock()
	if c != nil {
		c.leave(s) // not under s.mu: the compressor may wait for it
	}
	return nil
}

// Stats are a stream's counters.
type Stats struct {
	Name         string  `json:"name"`
	Bytes        int64   `json:"bytes"`         // bytes held in RAM: the ring's and the history's blocks
	Cap          int64   `json:"cap"`           // RAM reserved: ring size, and the history's share
	RAM          int64   `json:"ram"`           // RAM the stream takes: the ring's buffer as far as it has grown, and blocks
	Plain        int64   `json:"plain"`         // bytes of log held, decompressed
	Ratio        float64 `json:"ratio"`         // Plain / RAM: bytes of log per byte of RAM; 0 while RAM is 0
	Blocks       int     `json:"blocks"`        // sealed segments held compressed
	Waiting      int     `json:"waiting"`       // sealed segments held plain, waiting for the compressor
	First        int64   `json:"first"`         // Unix ns of the oldest line held; 0: none
	Last         int64   `json:"last"`          // Unix ns of the newest line held
	Segments     int     `json:"segments"`      // files, the live one included
	Lines        uint64  `json:"lines"`         // lines held
	Written      uint64  `json:"written"`       // lines written: Lines + Drops
	WrittenBytes uint64  `json:"written_bytes"` // bytes of the lines stored
	Drops        uint64  `json:"drops"`         // lines evicted, or refused after Close
	Truncated    uint64  `json:"truncated"`     // lines cut to fit a segment
}

// Stats returns the stream's counters.
func (s *Stream) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Name:         s.name,
		Bytes:        s.ring.Len(),
		Cap:          s.ring.Cap(),
		RAM:          s.ring.Committed(),
		Plain:        s.ring.Len(),
		Segments:     len(s.files(nil)),
		Lines:        s.ring.Records(),
		Written:      s.written,
		WrittenBytes: s.wbytes,
		Drops:        s.ring.Evicted() + s.refused,
		Truncated:    s.truncated,
	}
	for _, g := range s.ring.segs {
		if g.Records > 0 {
			if st.First == 0 {
				st.First = g.First
			}
			st.Last = g.Last
		}
	}
	if h := s.hist; h != nil {
		st.Cap += h.cap
		st.RAM += h.size
		st.Bytes += h.size
		st.Drops += h.evicted
		st.Blocks = len(h.blocks)
		st.Waiting = len(s.ring.segs) - 1
		st.Segments = s.fileCount()
		for i := range h.blocks {
			b := &h.blocks[i]
			st.Plain += b.plain()
			st.Lines += b.Records
			if b.Records > 0 && (st.First == 0 || b.First < st.First) {
				st.First = b.First
			}
		}
	}
	if st.RAM > 0 {
		st.Ratio = float64(st.Plain) / float64(st.RAM)
	}
	return st
}

// Chunk returns the largest segment of a stream made with o: the most a
// block of its compressed history holds plain; 0 when o is invalid.
func (o Options) Chunk() int64 {
	st, err := settle("x", o)
	if err != nil {
		return 0
	}
	return st.chunk
}
