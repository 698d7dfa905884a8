package ramlog

import (
	"strconv"
	"time"
)

// Spill is a segment of a stream as a spill path (a disk store) sees it.
// A and B are views of the ring's own buffer (B when it wraps around),
// valid only during the callback that receives them: copy what to keep.
type Spill struct {
	ID uint64 // the ring's segment ID: increases by one per segment
	// Name is the file the segment belongs to, stable over time: the
	// period's name for time rotation (access.log.2026-11-21, also for the
	// live file), the stream's base name (debug.log) otherwise.
	Name        string
	First, Last int64 // Unix ns of the first and last line; 0 when empty
	Records     uint64
	Live        bool // the live segment: more lines may follow
	// Gzip says that A is a block of compressed history: one gzip member
	// (DecodeBlock reads it) of Size plain bytes; B is then empty.
	Gzip bool
	Size int64
	A, B []byte
}

// Len returns the segment's size in bytes.
func (p *Spill) Len() int { return len(p.A) + len(p.B) }

// AppendTo appends the segment's bytes to dst.
func (p *Spill) AppendTo(dst []byte) []byte { return append(append(dst, p.A...), p.B...) }

// SetSpill makes the stream call fn with every sealed segment just before
// the ring gives it up, so that it can be kept elsewhere; nil stops it. fn
// runs on the writer's goroutine with the stream's lock held: it must copy
// quickly, never block and never call back into the stream.
func (s *Stream) SetSpill(fn func(*Spill)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spillFn = fn
	if fn == nil {
		s.ring.OnEvict = nil
		return
	}
	s.ring.OnEvict = func(r *Ring, g *Segment) {
		p := s.spill(g, false)
		fn(&p)
	}
}

// Walk calls fn with each segment held whose ID is from or more, oldest
// first, the live one last (marked Live), with the stream's lock held:
// fn must copy quickly and never call back into the stream. Segments of
// the compressed history come first, as blocks (Spill.Gzip). It returns
// the ID of the oldest segment held.
func (s *Stream) Walk(from uint64, fn func(*Spill)) (oldest uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	segs := s.ring.Segments()
	if s.hist != nil && len(s.hist.blocks) > 0 {
		// Blocks change under s.mu: read without the history's lock.
		for i := range s.hist.blocks {
			if b := &s.hist.blocks[i]; b.ID >= from {
				p := Spill{ID: b.ID, Name: b.Name, First: b.First, Last: b.Last, Records: b.Records, Gzip: true, Size: b.plain(), A: b.data}
				fn(&p)
			}
		}
		defer func(id uint64) { oldest = id }(s.hist.blocks[0].ID)
	}
	for i := range segs {
		if segs[i].ID >= from {
			p := s.spill(&segs[i], i == len(segs)-1)
			fn(&p)
		}
	}
	return segs[0].ID
}

// spill describes g; s.mu is held.
func (s *Stream) spill(g *Segment, live bool) Spill {
	p := Spill{ID: g.ID, Name: s.base, First: g.First, Last: g.Last, Records: g.Records, Live: live}
	if s.rot.timed() {
		p.Name = s.fileName(g, 0, false)
	}
	p.A, p.B = s.ring.slices(g.Start, g.End)
	return p
}

// Archive holds a stream's older segments elsewhere, such as a disk store.
// Readers (Segments, AppendFile, Tail, FS) see the archive and the ring as
// one history: the archive only for what the ring no longer holds.
type Archive interface {
	// Archived lists the archived segments older than the ring's segment
	// before (in the ring's numbering), oldest first.
	Archived(before uint64) []ArchivedSegment
	// AppendArchived appends the bytes of the segment with key to dst.
	AppendArchived(dst []byte, key uint64) ([]byte, error)
}

// ArchivedSegment describes a segment an Archive holds.
type ArchivedSegment struct {
	Key         uint64 // the archive's name for it
	Name        string // as Spill.Name
	First, Last int64  // Unix ns
	Records     uint64
	Size        int64
	// Dropped counts lines lost before it, shown as a "… N lines
	// dropped" line; an archive that holds what it was given says 0.
	Dropped uint64
}

// SetArchive attaches an archive to the stream's readers; nil detaches it.
// With compression, it holds what the history no longer does.
func (s *Stream) SetArchive(a Archive) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archive = a
	if s.hist != nil {
		s.hist.setExt(a)
	}
}

// arch is the archive readers see: the history, which chains to the one
// attached, or that one; s.mu is held.
func (s *Stream) arch() Archive {
	if s.hist != nil {
		return s.hist
	}
	return s.archive
}

// archived returns what the archive holds before the ring's oldest
// segment, and that segment's ID, reading the archive without the lock.
func (s *Stream) archived() (Archive, []ArchivedSegment, uint64) {
	s.mu.Lock()
	a, oldest := s.arch(), s.ring.Segments()[0].ID
	s.mu.Unlock()
	if a == nil {
		return nil, nil, oldest
	}
	return a, a.Archived(oldest), oldest
}

// snapshot reads the archive and locks the stream, so that the two agree:
// when the ring gave up segments meanwhile (they went to the archive), it
// reads the archive again. It returns with s.mu held.
func (s *Stream) snapshot() (Archive, []ArchivedSegment) {
	for try := 0; ; try++ {
		a, arch, oldest := s.archived()
		s.mu.Lock()
		if s.arch() == a && (s.ring.Segments()[0].ID == oldest || try == 2) {
			return a, arch
		}
		s.mu.Unlock()
	}
}

// archiveFiles groups archived segments into files, newest first, after
// the n files the ring holds: runs of one period name make one file, and
// segments named after the stream's base are numbered as size rotation
// numbers them. A run with the name of the ring's oldest file, given as
// join, goes into that file instead and is returned apart, oldest first.
func (s *Stream) archiveFiles(arch []ArchivedSegment, n int, join string) (files []file, joined []ArchivedSegment) {
	i := len(arch)
	for i > 0 && join != "" && arch[i-1].Name == join {
		i--
	}
	joined = arch[i:]
	for i > 0 {
		j := i - 1
		if name := arch[j].Name; name != s.base {
			for j > 0 && arch[j-1].Name == name {
				j--
			}
		}
		name := arch[j].Name
		if name == s.base && n > 0 {
			name = s.base + "." + strconv.Itoa(n)
		}
		files = append(files, file{name: name, from: -1, arch: arch[j:i]})
		n++
		i = j
	}
	return files, joined
}

// appendArchived appends the data of segs to dst, each after a line
// saying how many lines were lost before it, if any; a segment that
// cannot be read is left out, and a line says so in its place.
func appendArchived(dst []byte, a Archive, segs []ArchivedSegment) []byte {
	for _, g := range segs {
		if g.Dropped > 0 {
			dst = dropMarker(dst, g.Dropped)
		}
		b, err := a.AppendArchived(dst, g.Key)
		if err != nil {
			dst = unreadable(dst, g, err)
			continue
		}
		dst = b
	}
	return dst
}

// unreadable appends the in-band line that stands for archived segment g,
// which could not be read: its lines are lost to readers.
func unreadable(dst []byte, g ArchivedSegment, err error) []byte {
	dst = append(dst, "… "...)
	dst = strconv.AppendUint(dst, g.Records, 10)
	dst = append(dst, " lines unreadable: "...)
	return append(AppendClean(dst, []byte(err.Error())), '\n')
}

// archivedInfo adds what segs hold to si, their lines saying what was
// lost before them included.
func archivedInfo(si *SegmentInfo, segs []ArchivedSegment) {
	for _, g := range segs {
		si.Size += g.Size
		if g.Dropped > 0 {
			si.Size += int64(len(dropMarker(nil, g.Dropped)))
		}
		si.Lines += g.Records
		if g.Records == 0 {
			continue
		}
		if first := time.Unix(0, g.First); si.First.IsZero() || first.Before(si.First) {
			si.First = first
		}
		if last := time.Unix(0, g.Last); last.After(si.Last) {
			si.Last = last
		}
	}
}

// archivedTail returns the last n lines of segs (oldest first), reading
// segments from the newest until it has enough.
func archivedTail(a Archive, segs []ArchivedSegment, n int) []byte {
	var parts [][]byte
	have := 0
	for i := len(segs) - 1; i >= 0 && have < n; i-- {
		var b []byte
		if segs[i].Dropped > 0 {
			b = dropMarker(b, segs[i].Dropped)
		}
		b, err := a.AppendArchived(b, segs[i].Key)
		if err != nil {
			b = unreadable(b, segs[i], err)
		}
		if len(b) == 0 {
			continue
		}
		if b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		start, found := lastLines(b, nil, n-have)
		have += found
		parts = append(parts, b[start:])
	}
	var out []byte
	for i := len(parts) - 1; i >= 0; i-- {
		out = append(out, parts[i]...)
	}
	return out
}
