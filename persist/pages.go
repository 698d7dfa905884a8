package persist

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"io"
)

// bbolt's pages, read without bbolt for salvage (salvage.go): only what
// salvage needs, every position and length checked against the bytes at
// hand, nothing trusted that a checksum or the page layout does not
// confirm. bbolt writes its integers in the machine's order, which is
// little-endian on every platform gwlog is built for.
//
// A page starts with a 16-byte header:
//
//	id       8 bytes  the page's number: its offset / page size
//	flags    2 bytes  0x01 branch, 0x02 leaf, 0x04 meta, 0x10 freelist
//	count    2 bytes  elements
//	overflow 4 bytes  further pages the page runs on into
//
// then count elements of 16 bytes, then their keys (and values) packed in
// element order. A leaf element is flags (4 bytes: 0x01 a bucket), pos (4:
// from the element to its key), ksize (4), vsize (4); the value follows
// the key. A branch element is pos (4), ksize (4), pgid (8: the child). A
// bucket's value is its root page (8) and sequence (8), and, when the
// root is 0, the bucket inline: a page (a leaf, id 0) of its own.
const (
	pageHeaderSize   = 16
	elementSize      = 16
	bucketHeaderSize = 16

	pageBranch   = 0x01
	pageLeaf     = 0x02
	pageMeta     = 0x04
	pageFreelist = 0x10

	elementBucket = 0x01

	boltMagic   = 0xED0CDAED
	boltVersion = 2
	noFreelist  = ^uint64(0)

	// A meta page's meta, after the header: magic (4), version (4), page
	// size (4), flags (4), root bucket (16), freelist (8), pgid, the high
	// water mark (8), txid (8), then the FNV-64a checksum of those 56
	// bytes (8).
	metaSize = 64

	minPageSize = 1 << 10
	maxPageSize = 64 << 10
)

// pageHeader is a page's header.
type pageHeader struct {
	id       uint64
	flags    uint16
	count    uint16
	overflow uint32
}

func readPageHeader(b []byte) pageHeader {
	return pageHeader{
		id:       binary.LittleEndian.Uint64(b),
		flags:    binary.LittleEndian.Uint16(b[8:]),
		count:    binary.LittleEndian.Uint16(b[10:]),
		overflow: binary.LittleEndian.Uint32(b[12:]),
	}
}

// boltMeta is what a meta page says of the file.
type boltMeta struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	freelist uint64 // the freelist's page, or noFreelist
	hwm      uint64 // pages in use: those below it
	txid     uint64
}

// readMeta reads the meta page at the start of b; ok is false unless its
// header, magic, version and checksum hold and what it says is possible.
func readMeta(b []byte) (m boltMeta, ok bool) {
	if len(b) < pageHeaderSize+metaSize {
		return m, false
	}
	h := readPageHeader(b)
	mb := b[pageHeaderSize : pageHeaderSize+metaSize]
	if h.flags != pageMeta || h.id > 1 ||
		binary.LittleEndian.Uint32(mb) != boltMagic || binary.LittleEndian.Uint32(mb[4:]) != boltVersion {
		return m, false
	}
	sum := fnv.New64a()
	sum.Write(mb[:56])
	if sum.Sum64() != binary.LittleEndian.Uint64(mb[56:]) {
		return m, false
	}
	m = boltMeta{
		pageSize: binary.LittleEndian.Uint32(mb[8:]),
		root:     binary.LittleEndian.Uint64(mb[16:]),
		freelist: binary.LittleEndian.Uint64(mb[32:]),
		hwm:      binary.LittleEndian.Uint64(mb[40:]),
		txid:     binary.LittleEndian.Uint64(mb[48:]),
	}
	ps := m.pageSize
	ok = ps >= minPageSize && ps <= maxPageSize && ps&(ps-1) == 0 &&
		m.root >= 2 && m.root < m.hwm && (m.freelist == noFreelist || m.freelist >= 2 && m.freelist < m.hwm)
	return m, ok
}

// leafElement is an element of a leaf page: where its key and value are,
// from the start of the page.
type leafElement struct {
	flags  uint32
	kstart int64
	ksize  uint32
	vsize  uint32
}

// vstart is where the element's value starts in its page.
func (e *leafElement) vstart() int64 { return e.kstart + int64(e.ksize) }

// leafElements returns the elements of the leaf page whose first bytes
// are w (at least its header and element table, and more when at hand)
// and which is span bytes long as its header says. It stops at the first
// element that breaks the layout bbolt writes: keys and values packed in
// element order right after the table, keys in ascending order, flags 0
// or a bucket, nothing past span. Keys past w are not compared; a caller
// reads them. A page of noise yields no element, or few.
func leafElements(w []byte, span int64, dst []leafElement) []leafElement {
	h := readPageHeader(w)
	next := int64(pageHeaderSize) + int64(h.count)*elementSize
	if next > int64(len(w)) || next > span {
		return dst
	}
	var prev []byte
	for i := range int64(h.count) {
		at := pageHeaderSize + i*elementSize
		e := leafElement{
			flags:  binary.LittleEndian.Uint32(w[at:]),
			kstart: at + int64(binary.LittleEndian.Uint32(w[at+4:])),
			ksize:  binary.LittleEndian.Uint32(w[at+8:]),
			vsize:  binary.LittleEndian.Uint32(w[at+12:]),
		}
		end := e.vstart() + int64(e.vsize)
		if e.flags&^elementBucket != 0 || e.kstart != next || e.ksize == 0 || end > span {
			break
		}
		if kend := e.vstart(); kend <= int64(len(w)) {
			k := w[e.kstart:kend]
			if prev != nil && bytes.Compare(prev, k) >= 0 {
				break
			}
			prev = k
		} else {
			prev = nil
		}
		dst = append(dst, e)
		next = end
	}
	return dst
}

// branchChildren appends to dst the child pages of the branch page whose
// first bytes are w, span bytes long, up to the first element that breaks
// bbolt's layout (as leafElements): keys packed in order after the table
// and ascending, children below pages and not the page itself.
func branchChildren(w []byte, span int64, id, pages uint64, dst []uint64) []uint64 {
	h := readPageHeader(w)
	next := int64(pageHeaderSize) + int64(h.count)*elementSize
	if next > int64(len(w)) || next > span {
		return dst
	}
	var prev []byte
	for i := range int64(h.count) {
		at := pageHeaderSize + i*elementSize
		kstart := at + int64(binary.LittleEndian.Uint32(w[at:]))
		ksize := int64(binary.LittleEndian.Uint32(w[at+4:]))
		child := binary.LittleEndian.Uint64(w[at+8:])
		if kstart != next || ksize == 0 || kstart+ksize > int64(len(w)) || child < 2 || child >= pages || child == id {
			break
		}
		k := w[kstart : kstart+ksize]
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			break
		}
		prev = k
		dst = append(dst, child)
		next = kstart + ksize
	}
	return dst
}

// pageFile reads a file page by page, at its page size, with a buffer
// that grows to at most maxWindow.
type pageFile struct {
	r     io.ReaderAt
	size  int64 // bytes
	ps    int64 // page size
	pages uint64
	buf   []byte
}

// maxWindow bounds the bytes of a page salvage holds at once: a value
// larger than that is checked as it is read, a window at a time.
const maxWindow = 1 << 20

// window reads n bytes from off, at most maxWindow and not past the end
// of the file, into p's buffer (valid until the next call).
func (p *pageFile) window(off, n int64) ([]byte, error) {
	n = min(n, maxWindow, p.size-off)
	if n <= 0 {
		return nil, nil
	}
	if int64(cap(p.buf)) < n {
		p.buf = make([]byte, n)
	}
	b := p.buf[:n]
	k, err := p.r.ReadAt(b, off)
	if k == len(b) {
		err = nil
	}
	return b[:k], err
}

// read reads n bytes at off into a new slice; n is small (a key, an info
// or a bucket's header), at most maxWindow.
func (p *pageFile) read(off, n int64) ([]byte, error) {
	if n < 0 || n > maxWindow || off < 0 || off+n > p.size {
		return nil, io.ErrUnexpectedEOF
	}
	b := make([]byte, n)
	k, err := p.r.ReadAt(b, off)
	if k == len(b) {
		return b, nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// span is how many bytes page h at off runs to: its overflow, but not
// past the end of the file, nor past maxSpan.
func (p *pageFile) span(h pageHeader, off int64) (declared, present int64) {
	declared = (1 + int64(h.overflow)) * p.ps
	return declared, min(declared, p.size-off)
}

// maxSpan bounds a page with its overflow: the largest value the store
// writes, its key, and a page more.
const maxSpan = MaxData + headerSize + 2*maxPageSize
