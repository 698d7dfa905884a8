package ramlog

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// SegmentInfo describes one file of a stream.
type SegmentInfo struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	Lines   uint64    `json:"lines"`
	Dropped uint64    `json:"dropped,omitempty"` // lines lost before this file's first
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
	Live    bool      `json:"live"`
}

// file is a run of segments shown as one file: archived ones, then ring
// ones.
type file struct {
	name     string
	from, to int               // ring segment indexes, to exclusive; from < 0: none
	arch     []ArchivedSegment // archived segments before them, oldest first
}

// files lists the stream's files, newest first: the ring's, then those of
// arch, which the archive holds before the ring's oldest segment; s.mu is
// held. Files of one period (under both rotation, or from a store read
// offline) are named from the newest, as size rotation names them (see
// numberFromNewest).
func (s *Stream) files(arch []ArchivedSegment) []file {
	out := s.partFiles(arch)
	numberFromNewest(out, s.base)
	return out
}

// numberFromNewest renames the files of each period, newest first, so
// that the newest is base.PERIOD, the one before it base.PERIOD.1, and so
// on, as size rotation numbers from the newest. Size rotation's own names
// (base.N, one file a "period") stay as they are. The segments and the
// store keep their parts, numbered from the oldest, which never change:
// only the names readers see shift as files are added, as under size
// rotation.
func numberFromNewest(files []file, base string) {
	var seen map[string]int // files named so far, by period
	for i := range files {
		rest, ok := strings.CutPrefix(files[i].name, base+".")
		if !ok {
			continue // the live file
		}
		period, _, _ := strings.Cut(rest, ".")
		if seen == nil {
			seen = make(map[string]int)
		}
		n := seen[period]
		seen[period] = n + 1
		files[i].name = base + "." + period
		if n > 0 {
			files[i].name += "." + strconv.Itoa(n)
		}
	}
}

// partFiles is files with each file named by its period and part.
func (s *Stream) partFiles(arch []ArchivedSegment) []file {
	segs := s.ring.Segments()
	var out []file
	to := len(segs)
	n := 0
	for i := len(segs) - 1; i >= 0; i-- {
		if i > 0 && !s.newFile(segs, i-1) {
			continue
		}
		out = append(out, file{name: s.fileName(&segs[i], n, to == len(segs)), from: i, to: to})
		to = i
		n++
	}
	if len(arch) == 0 {
		return out
	}
	if s.ring.Records() == 0 && (s.hist == nil || len(s.hist.blocks) == 0) {
		// An empty ring (a restart, or a reader of the archive alone):
		// the archive's newest file comes first; numbered names start
		// from the live one's (debug.log), period names stay.
		more, _ := s.archiveFiles(arch, 0, "")
		return more
	}
	join := ""
	if s.rot.timed() || s.hist != nil && !s.perSegment() {
		// Chunks of one file: those of the ring's oldest file that went
		// to the archive (or the history, for a stream that never
		// rotates) go on in it.
		join = s.spillName(&segs[out[n-1].from])
	}
	more, joined := s.archiveFiles(arch, n, join)
	out[n-1].arch = joined
	return append(out, more...)
}

// fileName names the file that starts with g; n counts files from the
// newest (0).
func (s *Stream) fileName(g *Segment, n int, live bool) string {
	if live {
		return s.base
	}
	switch s.rot.Kind {
	case RotateSize:
		return s.base + "." + strconv.Itoa(n)
	case RotateTime, RotateBoth:
		name := s.base + "." + s.rot.suffix(time.Unix(0, g.Period).In(s.loc))
		if g.Part > 0 {
			name += "." + strconv.Itoa(g.Part)
		}
		return name
	}
	return s.base
}

// Segments describes the stream's files, newest first: name.log is the
// live one.
func (s *Stream) Segments() []SegmentInfo {
	_, arch := s.snapshot()
	defer s.mu.Unlock()
	files := s.files(arch)
	out := make([]SegmentInfo, 0, len(files))
	for _, f := range files {
		out = append(out, s.info(f, len(arch) > 0))
	}
	return out
}

// info describes f; s.mu is held. Lines lost before the ring's oldest
// are shown only when nothing was archived (archived says so): with an
// archive, what the ring gave up is on it.
func (s *Stream) info(f file, archived bool) SegmentInfo {
	si := SegmentInfo{Name: f.name}
	archivedInfo(&si, f.arch)
	if len(f.arch) > 0 {
		si.Dropped = f.arch[0].Dropped // its line is counted in Size
	}
	if f.from < 0 {
		return si
	}
	segs := s.ring.Segments()
	first, last := &segs[f.from], &segs[f.to-1]
	si.Size += int64(last.End - first.Start)
	si.Live = f.to == len(segs)
	if lost := s.ringLost(f, archived); lost > 0 {
		if len(f.arch) == 0 {
			si.Dropped = lost
		}
		si.Size += int64(len(dropMarker(nil, lost)))
	}
	for _, g := range segs[f.from:f.to] {
		si.Lines += g.Records
		if g.Records > 0 {
			if si.First.IsZero() || len(f.arch) > 0 && g.First < si.First.UnixNano() {
				si.First = time.Unix(0, g.First)
			}
			si.Last = time.Unix(0, g.Last)
		}
	}
	return si
}

// dropMarker appends the in-band line that marks n lost lines.
func dropMarker(dst []byte, n uint64) []byte {
	dst = append(dst, "… "...)
	dst = strconv.AppendUint(dst, n, 10)
	return append(dst, " lines dropped\n"...)
}

// AppendFile appends the content of the named file (as Segments names it)
// to dst: its lines, after a "… N lines dropped" line when lines were lost
// before it. ok is false when there is no such file.
func (s *Stream) AppendFile(dst []byte, name string) (_ []byte, info SegmentInfo, ok bool) {
	a, arch := s.snapshot()
	for _, f := range s.files(arch) {
		if f.name != name {
			continue
		}
		info = s.info(f, len(arch) > 0)
		lost := s.ringLost(f, len(arch) > 0)
		if len(f.arch) == 0 {
			dst = s.appendRing(dst, f, lost)
			s.mu.Unlock()
			return dst, info, true
		}
		// The archive is read without the lock, the ring's part copied
		// with it.
		var ram []byte
		if f.from >= 0 {
			ram = s.appendRing(nil, f, lost)
		}
		s.mu.Unlock()
		dst = appendArchived(dst, a, f.arch)
		return append(dst, ram...), info, true
	}
	s.mu.Unlock()
	return dst, SegmentInfo{}, false
}

// ringLost is the count of the "… N lines dropped" line before the
// ring's part of f: the lines lost before the ring's oldest segment,
// when f starts with it and nothing was archived, or with compressed
// history, whose gaps the ring's oldest may follow; s.mu is held.
func (s *Stream) ringLost(f file, archived bool) uint64 {
	if f.from != 0 || archived && s.hist == nil {
		return 0
	}
	return s.ring.Segments()[0].Dropped
}

// appendRing appends the ring's part of f to dst, after a line saying
// that dropped lines were lost; s.mu is held.
func (s *Stream) appendRing(dst []byte, f file, dropped uint64) []byte {
	if dropped > 0 {
		dst = dropMarker(dst, dropped)
	}
	segs := s.ring.Segments()
	return s.ring.AppendRange(dst, segs[f.from].Start, segs[f.to-1].End)
}

// AppendTail appends the last n lines held to dst, oldest first. When n
// reaches past the oldest line held and lines were lost, a "… N lines
// dropped" line comes first.
func (s *Stream) AppendTail(dst []byte, n int) []byte {
	if n <= 0 {
		return dst
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, b := s.ring.slices(s.ring.Head(), s.ring.Tail())
	start, found := lastLines(a, b, n)
	if found < n && s.arch() != nil {
		// Older lines come from the archive, read without the lock.
		arch, oldest, lost := s.arch(), s.ring.Segments()[0].ID, s.ring.Segments()[0].Dropped
		compressed := s.hist != nil
		ram := append(append([]byte(nil), a[min(start, len(a)):]...), b[max(start-len(a), 0):]...)
		s.mu.Unlock()
		if segs := arch.Archived(oldest); len(segs) > 0 {
			dst = append(dst, archivedTail(arch, segs, n-found)...)
			if lost > 0 && compressed {
				dst = dropMarker(dst, lost) // a gap after the history
			}
		} else if lost > 0 {
			dst = dropMarker(dst, lost)
		}
		s.mu.Lock() // for the deferred Unlock
		return append(dst, ram...)
	}
	if found < n {
		if lost := s.ring.Segments()[0].Dropped; lost > 0 {
			dst = dropMarker(dst, lost)
		}
	}
	if start < len(a) {
		dst = append(dst, a[start:]...)
		return append(dst, b...)
	}
	return append(dst, b[start-len(a):]...)
}

// Tail returns the last n lines, without their newlines, oldest first.
func (s *Stream) Tail(n int) []string {
	buf := s.AppendTail(nil, n)
	if len(buf) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(buf), "\n"), "\n")
}

// lastLines finds where the last n lines of a+b start (each line ends with
// a newline) and how many lines there are from there.
func lastLines(a, b []byte, n int) (start, found int) {
	end := len(a) + len(b) - 1 // skip the final newline
	for found < n && end >= 0 {
		var i int
		if end >= len(a) {
			i = bytes.LastIndexByte(b[:end-len(a)], '\n')
			if i >= 0 {
				i += len(a)
			} else {
				i = bytes.LastIndexByte(a, '\n')
			}
		} else {
			i = bytes.LastIndexByte(a[:end], '\n')
		}
		found++
		end = i
	}
	return end + 1, found
}
