package persist

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
)

// Salvage reads a damaged store file without trusting its tree
// (docs/format.md, "Salvage"): it walks the file page by page at bbolt's
// page size, takes the branch and leaf pages whose header holds their own
// number and whose elements keep bbolt's layout, and rebuilds from the
// buckets' references which value is which stream's segment. A value is
// taken only when its checksum holds and the keys above it are the
// store's: streams/<stream>/data/<id>/v (a sealed segment),
// streams/<stream>/data/<id>/v<offset>/v (a tail's part) and
// streams/<stream>/info/<id> (its info). A segment is salvaged when its
// info and all of its data read; every other segment the file shows a
// trace of is lost, and said so with where its damage is.
//
// bbolt never writes in place, so a file also holds pages it freed: older
// copies of what it holds now. When a meta page and the freelist it names
// read, free pages are left out, but for those the newest transaction
// freed that the older meta page's tree reaches (the file as the commit
// before left it, whole), and a page in use that no page names hangs
// below one that did not read (orphans.go). When the tree is damaged so,
// the file is read once more without the freelist, for older copies of
// the pages lost. Without the freelist, a page reached from the newest
// meta page is taken before one reached from the other, and that before
// one reached from neither.

// salvage is what salvageFile found.
type salvage struct {
	segs      []salvaged  // by stream, then ID
	lost      []lostEntry // every segment lost
	streams   []string    // streams whose segments cannot all be named
	unplaced  []valueLoc  // values that check, of no segment known
	unread    int         // values that fail their checksum or are cut short
	unreadB   int64
	stoppedAt int64
	seq       uint64 // highest event Seq the file held
	next      map[string]uint64
	// tree is set when the tree is damaged: a page named did not read,
	// or a page in use is named by none.
	tree  bool
	pf    *pageFile
	close func() error // closes the file read
}

// lostEntry is a segment lost, and its bytes.
type lostEntry struct {
	LostSegment
	size int64
}

// salvaged is a segment salvage can read: its info, and where its data
// values are in the file, in order.
type salvaged struct {
	Info
	parts []valueLoc
}

// valueLoc is where a data value (header and data) is in the file.
type valueLoc struct {
	off  int64
	size uint32
}

// Bounds of what salvage holds: the elements and pages it remembers (a
// few dozen bytes each), and the keys it reads. A file with more is
// salvaged up to there, and the rest reported unreadable.
const (
	maxSalvageElements = 1 << 17
	maxSalvagePages    = 1 << 17
	maxSalvageKey      = 1 << 10
	maxLostListed      = 64
	// maxSalvageFile bounds the bytes of a file salvage reads, and so
	// the bit set of its free pages (512 KiB at most).
	maxSalvageFile = 4 << 30
	// maxID bounds the IDs and counters salvage believes: a store counts
	// segments, and never gets near it; noise that looks like a key does.
	maxID  = 1 << 48
	maxSeq = 1 << 56
)

// Kinds of the elements salvage remembers.
const (
	elemBucket = iota
	elemData
	elemInfo
	elemCounter
)

// States of a value.
const (
	valueOK  = iota
	valueBad // its checksum fails, or it does not decode
	valueCut // past the end of the file
)

// element is a leaf element salvage remembers.
type element struct {
	c      int32 // its container
	key    string
	kind   uint8
	state  uint8
	vflags uint8  // data: the value's flags
	child  int32  // bucket: its inline container, or -1
	root   uint64 // bucket: its root page; 0 when inline
	off    int64  // value: where it is in the file
	size   uint32 // value: bytes
	info   int32  // info: index in infos when it decoded, else -1
	u64    uint64 // counter
}

// container is a page, or a bucket inline in its parent's value.
type container struct {
	pgid       uint64   // 0 when inline
	parent     int32    // inline: the element holding it; else -1
	start, end int32    // leaf: its elements
	kids       []uint64 // branch: its children
	branch     bool
	rank       uint8
}

// Ranks of a container: reached from the newest meta page, from the
// other one, or from neither.
const (
	rankNewest = iota
	rankOlder
	rankOrphan
)

// salvager is salvageFile's state.
type salvager struct {
	pf       *pageFile
	metas    []boltMeta // valid ones, newest first
	free     []uint64   // free pages as a bit set, when the freelist read
	useFree  bool
	conts    []container
	pageCont map[uint64]int32
	elems    []element
	infos    []Info
	full     bool  // a bound was reached
	fullAt   int64 // where
	paths    [][][]string
	pathDone []uint8            // 0 not yet, 1 in progress, 2 done
	refs     map[uint64][]int32 // page → bucket elements (>= 0) and branch containers (^c) naming it
	adopted  map[int32][]string // orphans placed: their path (orphans.go)
	lefts    []leafElement
	crcBuf   []byte
	depth    int // of pathsOf
	unread   int // values that did not read
	unreadB  int64
}

// salvageFile reads what it can of the store file r of size bytes
// (docs/format.md, "Salvage"). It holds a page (up to a MiB of it) at a
// time, a few dozen bytes per element and page it found, and no data:
// the data of the segments it returns is read from r with readSalvaged.
//
// When the freelist read and yet the tree is damaged, the file is read a
// second time without it: the older copies of the pages lost, in pages
// since freed, may still say which segment a value is; what that finds
// is taken for the segments the first reading could not salvage.
func salvageFile(r io.ReaderAt, size int64) *salvage {
	sv := salvagePass(r, size, true)
	if sv.tree && sv.freelist {
		sv.merge(salvagePass(r, size, false))
	}
	return sv.salvage
}

// pass is a reading's salvage, and whether it used the freelist.
type pass struct {
	*salvage
	freelist bool
}

// salvagePass reads r once, with the freelist when useFree and it reads.
func salvagePass(r io.ReaderAt, size int64, useFree bool) pass {
	s := &salvager{pf: &pageFile{r: r, size: min(size, maxSalvageFile)}, pageCont: make(map[uint64]int32), refs: make(map[uint64][]int32)}
	if size > maxSalvageFile {
		s.stop(maxSalvageFile)
	}
	s.findMetas()
	if useFree {
		s.readFreelist()
	}
	s.walk()
	s.rank()
	s.adopt()
	return pass{s.assemble(), s.useFree}
}

// merge takes from b, a reading without the freelist, the segments a did
// not salvage: those it lost, and those it knew nothing of. What b found
// lost that a knew nothing of is lost too.
func (a pass) merge(b pass) {
	type key = segKey
	had := make(map[key]bool)
	for _, sg := range a.segs {
		had[key{sg.Stream, sg.ID}] = true
	}
	lostAt := make(map[key]int)
	for i, l := range a.lost {
		lostAt[key{l.Stream, l.ID}] = i
	}
	known := func(k key) bool {
		_, lost := lostAt[k]
		return had[k] || lost
	}
	placed := make(map[int64]bool)
	drop := make(map[int]bool)
	newStream := make(map[uint64]bool) // IDs found in streams a knew nothing of
	streams := make(map[string]bool)
	for _, sg := range a.segs {
		streams[sg.Stream] = true
	}
	for _, l := range a.lost {
		streams[l.Stream] = true
	}
	for _, sg := range b.segs {
		k := key{sg.Stream, sg.ID}
		if had[k] {
			continue
		}
		if i, ok := lostAt[k]; ok {
			drop[i] = true
		}
		if !streams[k.stream] {
			newStream[k.id] = true
		}
		a.segs = append(a.segs, sg)
		for _, p := range sg.parts {
			placed[p.off] = true
		}
		a.seq = max(a.seq, sg.LastSeq)
	}
	for _, l := range b.lost {
		k := key{l.Stream, l.ID}
		if l.Stream == "" || known(k) {
			continue
		}
		if !streams[k.stream] {
			newStream[k.id] = true
		}
		a.lost = append(a.lost, l)
	}
	// A segment a saw of a stream it could not name, and b named.
	for i, l := range a.lost {
		if l.Stream == "" && newStream[l.ID] {
			drop[i] = true
		}
	}
	lost := a.lost[:0]
	for i, l := range a.lost {
		if !drop[i] {
			lost = append(lost, l)
		}
	}
	a.lost = lost
	unplaced := a.unplaced[:0]
	for _, v := range a.unplaced {
		if !placed[v.off] {
			unplaced = append(unplaced, v)
		}
	}
	a.unplaced = unplaced
	for stream, n := range b.next {
		a.next[stream] = max(a.next[stream], n)
	}
	a.seq = max(a.seq, b.seq)
	slices.SortFunc(a.segs, func(x, y salvaged) int {
		return cmp.Or(cmp.Compare(x.Stream, y.Stream), cmp.Compare(x.ID, y.ID))
	})
}

// count puts what sv found in d.
func (sv *salvage) count(d *Damage) {
	d.Segments, d.Bytes, d.Records = 0, 0, 0
	for _, sg := range sv.segs {
		d.Segments++
		d.Bytes += sg.Size
		d.Records += sg.Records
	}
	lost := slices.Clone(sv.lost)
	unnamed := func(l lostEntry) int { // those of a stream not known last
		if l.Stream == "" {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(lost, func(x, y lostEntry) int {
		return cmp.Or(cmp.Compare(unnamed(x), unnamed(y)), cmp.Compare(x.Stream, y.Stream), cmp.Compare(x.ID, y.ID))
	})
	d.LostSegments, d.LostBytes, d.Lost = len(lost), 0, nil
	for _, l := range lost {
		d.LostBytes += l.size
		if len(d.Lost) < maxLostListed {
			d.Lost = append(d.Lost, l.LostSegment)
		}
	}
	d.Unreadable, d.UnreadableBytes = sv.unread, sv.unreadB
	d.Unplaced, d.UnplacedBytes = len(sv.unplaced), 0
	for _, v := range sv.unplaced {
		d.UnplacedBytes += int64(v.size)
	}
	d.StoppedAt = sv.stoppedAt
	d.Streams = sv.streams
}

// findMetas reads the meta pages and settles the page size: the meta
// pages', or, when neither reads, the size at which most pages hold their
// own number.
func (s *salvager) findMetas() {
	b := make([]byte, pageHeaderSize+metaSize)
	read := func(off int64) (boltMeta, bool) {
		if n, _ := s.pf.r.ReadAt(b, off); n < len(b) {
			return boltMeta{}, false
		}
		return readMeta(b)
	}
	if m, ok := read(0); ok && readPageHeader(b).id == 0 {
		s.metas = append(s.metas, m)
	}
	sizes := []int64{4 << 10, 16 << 10, 64 << 10, 8 << 10, 32 << 10, 1 << 10, 2 << 10}
	if len(s.metas) > 0 {
		sizes = []int64{int64(s.metas[0].pageSize)}
	}
	for _, ps := range sizes {
		if m, ok := read(ps); ok && readPageHeader(b).id == 1 && int64(m.pageSize) == ps {
			s.metas = append(s.metas, m)
			break
		}
	}
	slices.SortFunc(s.metas, func(a, b boltMeta) int { return cmp.Compare(b.txid, a.txid) })
	if len(s.metas) > 0 {
		s.pf.ps = int64(s.metas[0].pageSize)
	} else {
		s.pf.ps = s.guessPageSize()
	}
	s.pf.pages = uint64(s.pf.size / s.pf.ps)
}

// guessPageSize returns the page size at which most of the first pages
// hold their own number in their header.
func (s *salvager) guessPageSize() int64 {
	best, most := int64(4<<10), 0
	h := make([]byte, pageHeaderSize)
	for ps := int64(minPageSize); ps <= maxPageSize; ps *= 2 {
		n := 0
		for i := int64(2); i < 512 && (i+1)*ps <= s.pf.size; i++ {
			if k, _ := s.pf.r.ReadAt(h, i*ps); k == len(h) {
				if ph := readPageHeader(h); ph.id == uint64(i) && (ph.flags == pageLeaf || ph.flags == pageBranch) {
					n++
				}
			}
		}
		if n > most {
			best, most = ps, n
		}
	}
	return best
}

// readFreelist reads the freelist the newest meta page names, and uses
// it when it reads whole: its page holds its number and flag, and the
// pages it lists are ascending and in use.
func (s *salvager) readFreelist() {
	if len(s.metas) == 0 || s.metas[0].freelist == noFreelist {
		return
	}
	m := s.metas[0]
	off := int64(m.freelist) * s.pf.ps
	w, err := s.pf.window(off, pageHeaderSize)
	if err != nil || len(w) < pageHeaderSize {
		return
	}
	h := readPageHeader(w)
	if h.id != m.freelist || h.flags != pageFreelist {
		return
	}
	declared, present := s.pf.span(h, off)
	if declared != present || declared > maxWindow {
		return
	}
	if w, err = s.pf.window(off, present); err != nil || int64(len(w)) != present {
		return
	}
	ids := w[pageHeaderSize:]
	n := int64(h.count)
	if h.count == 0xFFFF {
		if len(ids) < 8 {
			return
		}
		n = int64(min(binary.LittleEndian.Uint64(ids), uint64(len(ids))))
		ids = ids[8:]
	}
	if n*8 > int64(len(ids)) {
		return
	}
	limit := min(m.hwm, s.pf.pages)
	free := make([]uint64, (limit+63)/64)
	prev := uint64(1)
	for i := range n {
		id := binary.LittleEndian.Uint64(ids[i*8:])
		if id <= prev || id >= m.hwm {
			return
		}
		prev = id
		if id < limit {
			free[id/64] |= 1 << (id % 64)
		}
	}
	s.free, s.useFree = free, true
}

// isFree reports whether page id is free per the freelist.
func (s *salvager) isFree(id uint64) bool {
	return id/64 < uint64(len(s.free)) && s.free[id/64]&(1<<(id%64)) != 0
}

// walk reads every page that may hold the store's buckets: all of them,
// or, with the freelist, those in use. Headers are read a chunk of pages
// at a time.
func (s *salvager) walk() {
	pf := s.pf
	limit := pf.pages
	if s.useFree {
		limit = min(limit, s.metas[0].hwm)
	}
	chunk := uint64(max(1, (256<<10)/pf.ps))
	hdrs := make([]byte, int64(chunk)*pf.ps)
	base, n := uint64(0), 0 // the chunk read: its first page, its bytes
	for id := uint64(2); id < limit; id++ {
		if s.useFree && s.isFree(id) {
			continue
		}
		if id < base || id >= base+chunk || n == 0 {
			base = id
			n, _ = pf.r.ReadAt(hdrs, int64(id)*pf.ps)
		}
		at := int64(id-base) * pf.ps
		if at+pageHeaderSize > int64(n) {
			continue
		}
		h := readPageHeader(hdrs[at:])
		if h.id != id || h.flags != pageLeaf && h.flags != pageBranch {
			continue
		}
		if len(s.conts) >= maxSalvagePages || len(s.elems) >= maxSalvageElements {
			s.stop(int64(id) * pf.ps)
			return
		}
		s.page(id, h)
	}
}

// stop marks that salvage reached its bounds at off.
func (s *salvager) stop(off int64) {
	if !s.full {
		s.full, s.fullAt = true, off
	}
}

// page reads page id, a leaf or a branch.
func (s *salvager) page(id uint64, h pageHeader) {
	pf := s.pf
	off := int64(id) * pf.ps
	declared, present := pf.span(h, off)
	if declared > maxSpan {
		return // no page of a store runs that far
	}
	w, err := pf.window(off, present)
	if err != nil || len(w) < pageHeaderSize {
		return
	}
	c := int32(len(s.conts))
	s.conts = append(s.conts, container{pgid: id, parent: -1, rank: rankOrphan})
	s.pageCont[id] = c
	if h.flags == pageBranch {
		limit := max(pf.pages, s.hwm())
		s.conts[c].branch = true
		s.conts[c].kids = branchChildren(w, declared, id, limit, nil)
		for _, kid := range s.conts[c].kids {
			s.ref(kid, ^c)
		}
		return
	}
	s.leaf(c, w, off, declared, present, 0)
}

// hwm is the newest meta page's high water mark, or 0.
func (s *salvager) hwm() uint64 {
	if len(s.metas) == 0 {
		return 0
	}
	return s.metas[0].hwm
}

// ref notes that page is named by r: a bucket element, or a branch
// container (^c). A few names are kept: more are noise or old copies.
func (s *salvager) ref(page uint64, r int32) {
	if rs := s.refs[page]; len(rs) < 4 {
		s.refs[page] = append(rs, r)
	}
}

// leaf reads the elements of container c, a leaf page at off in the file
// (or inline in a value there) whose first bytes are w, declared bytes
// long of which present are in the file.
func (s *salvager) leaf(c int32, w []byte, off, declared, present int64, depth int) {
	s.lefts = leafElements(w, declared, s.lefts[:0])
	les := slices.Clone(s.lefts) // s.lefts is reused by inline buckets
	s.conts[c].start = int32(len(s.elems))
	type pending struct {
		elem int32
		page []byte
	}
	var inline []pending
	for _, le := range les {
		if len(s.elems) >= maxSalvageElements {
			s.stop(off + le.kstart)
			break
		}
		if le.ksize > maxSalvageKey {
			continue
		}
		e, page, ok := s.element(c, le, w, off, present, depth)
		if !ok {
			continue
		}
		if page != nil {
			inline = append(inline, pending{int32(len(s.elems)), page})
		}
		s.elems = append(s.elems, e)
	}
	s.conts[c].end = int32(len(s.elems))
	// Inline buckets are read once the page's own elements are, so that
	// a container's elements stay together.
	for _, p := range inline {
		k := int32(len(s.conts))
		s.conts = append(s.conts, container{parent: p.elem, rank: rankOrphan})
		s.elems[p.elem].child = k
		// The inline page's offsets are from its start, in the value.
		at := s.elems[p.elem].off + bucketHeaderSize
		s.leaf(k, p.page, at, int64(len(p.page)), int64(len(p.page)), depth+1)
	}
}

// element reads leaf element le of container c; for an inline bucket it
// returns its page too, copied.
func (s *salvager) element(c int32, le leafElement, w []byte, off, present int64, depth int) (element, []byte, bool) {
	e := element{c: c, child: -1, info: -1, off: off + le.vstart(), size: le.vsize}
	var key []byte
	if le.vstart() <= int64(len(w)) {
		key = w[le.kstart:le.vstart()]
	} else if k, err := s.pf.read(off+le.kstart, int64(le.ksize)); err == nil {
		key = k
	} else {
		return e, nil, false
	}
	e.key = string(key)
	inFile := le.vstart()+int64(le.vsize) <= present
	if le.flags&elementBucket != 0 {
		e.kind = elemBucket
		if le.vsize < bucketHeaderSize || !inFile || int64(le.vsize) > bucketHeaderSize+s.pf.ps {
			return e, nil, false
		}
		v, err := s.value(w, off, le)
		if err != nil {
			return e, nil, false
		}
		e.root = binary.LittleEndian.Uint64(v)
		if e.root == 0 {
			if depth > 0 || len(v) < bucketHeaderSize+pageHeaderSize || readPageHeader(v[bucketHeaderSize:]).flags != pageLeaf {
				return e, nil, false // bbolt inlines only buckets without buckets
			}
			return e, bytes.Clone(v[bucketHeaderSize:]), true
		}
		if e.root < 2 || e.root >= max(s.pf.pages, s.hwm()) {
			return e, nil, false
		}
		s.ref(e.root, int32(len(s.elems)))
		return e, nil, true
	}
	switch {
	case e.key == string(keyValue):
		e.kind = elemData
	case e.key == string(keySeq) || strings.HasPrefix(e.key, nextPrefix) && le.vsize == 8:
		e.kind = elemCounter
	case len(key) == 8:
		e.kind = elemInfo
	default:
		return e, nil, false
	}
	if !inFile {
		e.state = valueCut
		return e, nil, true
	}
	switch e.kind {
	case elemData:
		e.state, e.vflags = s.checkData(w, off, le)
	case elemCounter:
		if v, err := s.value(w, off, le); err == nil && len(v) == 8 {
			e.u64 = binary.BigEndian.Uint64(v)
		} else {
			e.state = valueBad
		}
	case elemInfo:
		e.state = valueBad
		if le.vsize <= infoFixed+maxName+4 {
			if v, err := s.value(w, off, le); err == nil {
				var in Info
				if decodeInfo(v, &in) == nil {
					e.state, e.info = valueOK, int32(len(s.infos))
					s.infos = append(s.infos, in)
				}
			}
		}
	}
	return e, nil, true
}

// value returns the value of le, a view of w when w holds it, else read
// from the file.
func (s *salvager) value(w []byte, off int64, le leafElement) ([]byte, error) {
	start, end := le.vstart(), le.vstart()+int64(le.vsize)
	if end <= int64(len(w)) {
		return w[start:end], nil
	}
	return s.pf.read(off+start, int64(le.vsize))
}

// checkData checks the data value of le against its checksum, reading it
// a window at a time when w does not hold it whole.
func (s *salvager) checkData(w []byte, off int64, le leafElement) (state, flags uint8) {
	start, end := le.vstart(), le.vstart()+int64(le.vsize)
	if end <= int64(len(w)) {
		f, _, err := decodeValue(w[start:end])
		if err != nil {
			return valueBad, 0
		}
		return valueOK, f
	}
	h, err := s.pf.read(off+start, headerSize)
	if err != nil || le.vsize < headerSize {
		return valueBad, 0
	}
	if h[0] != valueMagic || h[1] != valueVersion || h[2]&^knownFlags != 0 || h[3] != 0 ||
		binary.LittleEndian.Uint32(h[4:]) != le.vsize-headerSize {
		return valueBad, 0
	}
	sum := crc32.Checksum(h[:8], crcTable)
	if s.crcBuf == nil {
		s.crcBuf = make([]byte, 64<<10)
	}
	buf := s.crcBuf
	for at := off + start + headerSize; at < off+end; {
		n := min(int64(len(buf)), off+end-at)
		k, err := s.pf.r.ReadAt(buf[:n], at)
		if int64(k) < n {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return valueBad, 0
		}
		sum = crc32.Update(sum, crcTable, buf[:n])
		at += n
	}
	if sum != binary.LittleEndian.Uint32(h[8:]) {
		return valueBad, 0
	}
	return valueOK, h[2]
}

// rank marks the containers reached from the newest meta page's root
// bucket, then from the other's. With the freelist, the pages the older
// tree adds are those the newest transaction freed, still whole: they
// are read now, as walk left them out.
func (s *salvager) rank() {
	for r, m := range s.metas {
		queue := []int32{}
		visit := func(page uint64) {
			k, ok := s.pageCont[page]
			if !ok && s.useFree {
				k, ok = s.readFreed(page)
			}
			if ok {
				queue = append(queue, k)
			}
		}
		visit(m.root)
		for len(queue) > 0 {
			c := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			if s.conts[c].rank <= uint8(r) {
				continue
			}
			s.conts[c].rank = uint8(r)
			for i := s.conts[c].start; i < s.conts[c].end; i++ {
				e := &s.elems[i]
				if e.kind != elemBucket {
					continue
				}
				if e.child >= 0 {
					queue = append(queue, e.child)
				} else {
					visit(e.root)
				}
			}
			for _, kid := range s.conts[c].kids {
				visit(kid)
			}
		}
	}
}

// readFreed reads page id, left out by walk as free, when it is a leaf
// or a branch.
func (s *salvager) readFreed(id uint64) (int32, bool) {
	if id < 2 || id >= s.pf.pages || len(s.conts) >= maxSalvagePages || len(s.elems) >= maxSalvageElements {
		return 0, false
	}
	b, err := s.pf.read(int64(id)*s.pf.ps, pageHeaderSize)
	if err != nil {
		return 0, false
	}
	h := readPageHeader(b)
	if h.id != id || h.flags != pageLeaf && h.flags != pageBranch {
		return 0, false
	}
	s.page(id, h)
	k, ok := s.pageCont[id]
	return k, ok
}

// current reports whether a container of rank r holds what the file
// holds now rather than an older copy: one reached from the newest meta
// page; with the freelist, also one reached from neither, which is in
// use (orphans.go).
func (s *salvager) current(r uint8) bool {
	return r == rankNewest || s.useFree && r == rankOrphan
}

// prio orders candidates of rank r: what the file holds now first.
func (s *salvager) prio(r uint8) uint8 {
	if s.current(r) {
		return 0
	}
	return r
}

// pathKeys is how many keys of a path salvage keeps: those from
// "streams" down to a tail's part's value.
const pathKeys = 6

// maxPathDepth bounds the pages between a root and a value: bbolt's trees
// are a few pages deep, and the store nests five buckets.
const maxPathDepth = 64

// pathsOf returns the paths of bucket keys that lead to container c,
// their last pathKeys keys: one, or a few when old copies name it too.
// A container no page names is a root: its path is empty.
func (s *salvager) pathsOf(c int32) [][]string {
	if s.pathDone == nil {
		s.paths = make([][][]string, len(s.conts))
		s.pathDone = make([]uint8, len(s.conts))
	}
	switch s.pathDone[c] {
	case 1:
		return nil // a loop: noise
	case 2:
		return s.paths[c]
	}
	if s.depth >= maxPathDepth {
		s.pathDone[c] = 2 // deeper than any store's tree: noise, no path
		return nil
	}
	s.depth++
	defer func() { s.depth-- }()
	s.pathDone[c] = 1
	var out [][]string
	add := func(p []string) {
		if len(p) > pathKeys {
			p = p[len(p)-pathKeys:]
		}
		for _, q := range out {
			if slices.Equal(p, q) {
				return
			}
		}
		if len(out) < 4 {
			out = append(out, p)
		}
	}
	via := func(e int32) {
		for _, p := range s.pathsOf(s.elems[e].c) {
			add(append(slices.Clip(p), s.elems[e].key))
		}
	}
	cn := &s.conts[c]
	if cn.parent >= 0 {
		via(cn.parent)
	} else if rs := s.refs[cn.pgid]; len(rs) == 0 {
		switch {
		case s.adopted[c] != nil:
			out = [][]string{s.adopted[c]} // an orphan placed
		case s.isStreams(c):
			out = [][]string{{string(bucketStreams)}}
		default:
			out = [][]string{nil} // a root
		}
	} else {
		rank := s.conts[c].rank
		for _, r := range rs {
			from := r
			if r < 0 {
				from = ^r
			} else {
				from = s.elems[r].c
			}
			if rank != rankOrphan && s.conts[from].rank > rank {
				continue // an old copy names a page in use
			}
			if r < 0 {
				for _, p := range s.pathsOf(^r) {
					add(p)
				}
			} else {
				via(r)
			}
		}
	}
	s.paths[c], s.pathDone[c] = out, 2
	return out
}

// segKey names a segment.
type segKey struct {
	stream string
	id     uint64
}

// candidate is an element that may be a segment's info or data.
type candidate struct {
	elem int32
	rank uint8 // its container's prio: lower first
	off  int64 // data: the part's offset; -1 for a sealed segment's "v"
}

// segTrace is what salvage found of one segment.
type segTrace struct {
	infos, data []candidate
	known       int64 // where a data bucket names it; -1 when none does
}

// match matches path p and key k against the store's keys: an info, a
// sealed segment's data, a tail's part, or a segment's data bucket.
func match(p []string, k string) (key segKey, kind string, partOff int64, ok bool) {
	at := func(i int) string { // i-th key from the end, 1 for the last
		if len(p) < i {
			return "\x00"
		}
		return p[len(p)-i]
	}
	id := func(s string) (uint64, bool) {
		v, ok := readU64([]byte(s))
		return v, ok && v < maxID
	}
	switch {
	case at(1) == string(bucketInfo) && at(3) == string(bucketStreams):
		v, ok := id(k)
		return segKey{at(2), v}, "info", 0, ok
	case at(1) == string(bucketData) && at(3) == string(bucketStreams):
		v, ok := id(k)
		return segKey{at(2), v}, "known", 0, ok
	case k == string(keyValue) && at(2) == string(bucketData) && at(4) == string(bucketStreams):
		v, ok := id(at(1))
		return segKey{at(3), v}, "data", -1, ok
	case k == string(keyValue) && at(3) == string(bucketData) && at(5) == string(bucketStreams) &&
		len(at(1)) == len(keyValue)+8 && strings.HasPrefix(at(1), string(keyValue)):
		v, ok := id(at(2))
		off := binary.BigEndian.Uint64([]byte(at(1)[len(keyValue):]))
		return segKey{at(4), v}, "part", int64(min(off, MaxData+1)), ok
	}
	return key, "", 0, false
}

// assemble sorts what walk found into segments, salvaged or lost.
func (s *salvager) assemble() *salvage {
	out := &salvage{next: make(map[string]uint64), pf: s.pf, close: func() error { return nil }}
	out.tree = len(s.orphans()) > 0 || len(s.missingPaths()) > 0
	traces := make(map[segKey]*segTrace)
	trace := func(k segKey) *segTrace {
		t := traces[k]
		if t == nil {
			t = &segTrace{known: -1}
			traces[k] = t
		}
		return t
	}
	for i := range s.elems {
		e := &s.elems[i]
		rank := s.conts[e.c].rank
		matched := false
		for _, p := range s.pathsOf(e.c) {
			if e.kind == elemCounter && len(p) == 1 && p[0] == string(bucketMeta) && e.state == valueOK && rank != rankOrphan && s.current(rank) {
				s.counter(out, e)
				continue
			}
			k, kind, off, ok := match(p, e.key)
			if !ok || k.stream == "" || len(k.stream) > 255 {
				continue
			}
			switch {
			case kind == "info" && e.kind == elemInfo:
				t := trace(k)
				t.infos = append(t.infos, candidate{elem: int32(i), rank: s.prio(rank)})
			case kind == "known" && e.kind == elemBucket:
				if t := trace(k); t.known < 0 {
					t.known = e.off
					if !s.validChild(e) {
						t.known = int64(e.root) * s.pf.ps // where its page did not read
					}
				}
			case (kind == "data" || kind == "part") && e.kind == elemData:
				t := trace(k)
				t.data = append(t.data, candidate{elem: int32(i), rank: s.prio(rank), off: off})
			default:
				continue
			}
			matched = true
		}
		inUse := s.current(rank) || !s.useFree && (matched || rank != rankOrphan)
		if e.kind != elemBucket && e.kind != elemCounter && e.state != valueOK && inUse {
			s.unread++
			s.unreadB += int64(e.size)
		}
		if s.useFree && e.kind == elemData && e.state == valueOK && !matched && inUse {
			out.unplaced = append(out.unplaced, valueLoc{e.off, e.size})
		}
	}
	keys := make([]segKey, 0, len(traces))
	for k := range traces {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b segKey) int {
		return cmp.Or(cmp.Compare(a.stream, b.stream), cmp.Compare(a.id, b.id))
	})
	for _, k := range keys {
		t := traces[k]
		out.next[k.stream] = max(out.next[k.stream], k.id+1)
		if sg, ok := s.segment(k, t); ok {
			out.segs = append(out.segs, sg)
			out.seq = max(out.seq, sg.LastSeq)
			continue
		}
		out.lost = append(out.lost, s.lose(k, t))
	}
	out.lost = append(out.lost, s.unplacedSegments()...)
	out.streams = s.damagedStreams()
	out.unread, out.unreadB = s.unread, s.unreadB
	if s.full {
		out.stoppedAt = s.fullAt
	}
	return out
}

// damagedStreams returns the streams a page of whose bucket or info
// bucket was named and did not read, and was not found as an orphan.
func (s *salvager) damagedStreams() []string {
	placed := make(map[string]bool)
	for _, p := range s.adopted {
		if len(p) >= 3 && p[len(p)-1] == string(bucketInfo) {
			placed[p[len(p)-2]] = true
		}
	}
	var out []string
	for _, p := range s.missingPaths() {
		n := len(p)
		var stream string
		switch {
		case n >= 2 && p[n-2] == string(bucketStreams):
			stream = p[n-1]
		case n >= 3 && p[n-3] == string(bucketStreams) && p[n-1] == string(bucketInfo):
			stream = p[n-2]
		default:
			continue
		}
		if !placed[stream] && !slices.Contains(out, stream) {
			out = append(out, stream)
		}
	}
	slices.Sort(out)
	return out
}

// counter takes a meta counter, when it is believable.
func (s *salvager) counter(out *salvage, e *element) {
	if e.key == string(keySeq) {
		if e.u64 < maxSeq {
			out.seq = max(out.seq, e.u64)
		}
		return
	}
	if stream := e.key[len(nextPrefix):]; stream != "" && e.u64 < maxID {
		out.next[stream] = max(out.next[stream], e.u64)
	}
}

// validChild reports whether bucket element e names a bucket salvage
// found: an inline one, or a page that read.
func (s *salvager) validChild(e *element) bool {
	if e.child >= 0 {
		return true
	}
	_, ok := s.pageCont[e.root]
	return ok
}

// segment puts together segment k from what t found: its best info, and
// data values that are whole, of its kind, and together of its size.
func (s *salvager) segment(k segKey, t *segTrace) (salvaged, bool) {
	var best *Info
	bestRank := uint8(rankOrphan + 1)
	for _, c := range t.infos {
		e := &s.elems[c.elem]
		if e.state != valueOK {
			continue
		}
		in := &s.infos[e.info]
		if best == nil || c.rank < bestRank || c.rank == bestRank && betterInfo(in, best) {
			best, bestRank = in, c.rank
		}
	}
	if best == nil || best.Size < 0 || best.Size > MaxData {
		return salvaged{}, false
	}
	sg := salvaged{Info: *best}
	sg.Stream, sg.ID = k.stream, k.id
	same := byte(flagEvents | flagGzip)
	fits := func(c candidate) bool {
		e := &s.elems[c.elem]
		// A sealed segment's "v" is written without the tail flag, a
		// tail's parts with it.
		return e.state == valueOK && e.vflags&same == sg.flags()&same && (e.vflags&flagTail != 0) == (c.off >= 0)
	}
	// A sealed segment: one "v", the best there is.
	var sealed *candidate
	for i, c := range t.data {
		e := &s.elems[c.elem]
		if c.off < 0 && fits(c) && (sg.Gzip || int64(e.size)-headerSize == sg.Size) &&
			(sealed == nil || c.rank < sealed.rank) {
			sealed = &t.data[i]
		}
	}
	if sealed != nil {
		e := &s.elems[sealed.elem]
		sg.parts = []valueLoc{{e.off, e.size}}
		return sg, true
	}
	if sg.Gzip {
		return salvaged{}, false
	}
	// A tail: parts from offset 0 that join up to its size.
	for pos := int64(0); pos < sg.Size || len(sg.parts) == 0; {
		var pick *candidate
		for i, c := range t.data {
			e := &s.elems[c.elem]
			n := int64(e.size) - headerSize
			if c.off == pos && fits(c) && pos+n <= sg.Size && (n > 0 || sg.Size == 0) &&
				(pick == nil || c.rank < pick.rank || c.rank == pick.rank && e.size > s.elems[pick.elem].size) {
				pick = &t.data[i]
			}
		}
		if pick == nil || len(sg.parts) >= DefaultMaxParts*4 {
			return salvaged{}, false
		}
		e := &s.elems[pick.elem]
		sg.parts = append(sg.parts, valueLoc{e.off, e.size})
		pos += int64(e.size) - headerSize
	}
	return sg, true
}

// betterInfo reports whether a describes a segment further on than b,
// both of one ID: sealed rather than a tail, else the larger.
func betterInfo(a, b *Info) bool {
	if a.Tail != b.Tail {
		return !a.Tail
	}
	return a.Size > b.Size
}

// lose returns segment k as lost, with where its damage is.
func (s *salvager) lose(k segKey, t *segTrace) lostEntry {
	l := LostSegment{Stream: k.stream, ID: k.id}
	var size int64
	okInfo := false
	for _, c := range t.infos {
		e := &s.elems[c.elem]
		if e.state == valueOK {
			size = max(size, s.infos[e.info].Size)
			okInfo = true
		}
	}
	badData, cutData := int64(-1), int64(-1)
	var dataBytes int64
	for _, c := range t.data {
		e := &s.elems[c.elem]
		dataBytes += int64(e.size)
		switch {
		case e.state == valueBad && badData < 0:
			badData = e.off
		case e.state == valueCut && cutData < 0:
			cutData = e.off
		}
	}
	switch {
	case !okInfo && len(t.infos) > 0:
		l.Offset, l.Cause = s.elems[t.infos[0].elem].off, "info fails its checksum"
		if s.elems[t.infos[0].elem].state == valueCut {
			l.Cause = "info cut short"
		}
	case !okInfo:
		l.Offset, l.Cause = t.known, "info missing"
	case badData >= 0:
		l.Offset, l.Cause = badData, "data fails its checksum"
	case cutData >= 0:
		l.Offset, l.Cause = cutData, "data cut short"
	case len(t.data) > 0:
		l.Offset, l.Cause = s.elems[t.data[0].elem].off, "data does not match its info"
	default:
		l.Offset, l.Cause = t.known, "data missing"
	}
	if !okInfo {
		size = dataBytes
	}
	l.Offset = max(l.Offset, 0)
	return lostEntry{l, size}
}

// errNotWhole is the cause of a salvaged segment whose data no longer
// reads as salvage found it.
var errNotWhole = errors.New("salvaged data does not read back")

// readSalvaged appends to dst the data of sg, read from the file and
// checked again; for a gzipped segment it returns the stored bytes in gz
// and appends them unzipped.
func (sv *salvage) readSalvaged(dst []byte, sg *salvaged) (_ []byte, gz []byte, err error) {
	n := len(dst)
	for _, p := range sg.parts {
		b, err := sv.pf.readValue(p)
		if err != nil {
			return dst[:n], nil, err
		}
		flags, data, err := decodeValue(b)
		if err != nil {
			return dst[:n], nil, fmt.Errorf("%w: %w", errNotWhole, err)
		}
		if flags&flagGzip != 0 {
			gz = data
			continue
		}
		dst = append(dst, data...)
	}
	if gz != nil {
		if dst, err = unzip(dst, gz, sg.Size); err != nil {
			return dst[:n], nil, err
		}
	}
	if int64(len(dst)-n) != sg.Size {
		return dst[:n], nil, fmt.Errorf("%w: %d bytes where the info says %d", errNotWhole, len(dst)-n, sg.Size)
	}
	return dst, gz, nil
}

// readValue reads the value at l into a new slice.
func (p *pageFile) readValue(l valueLoc) ([]byte, error) {
	if int64(l.size) > MaxData+headerSize || l.off < 0 || l.off+int64(l.size) > p.size {
		return nil, fmt.Errorf("%w: value of %d bytes at %d", errNotWhole, l.size, l.off)
	}
	b := make([]byte, l.size)
	if k, err := p.r.ReadAt(b, l.off); k < len(b) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}
