package persist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The tail journal (docs/format.md, "Tail journal"): the live segments'
// tails, appended as records to one file, so that the flush of a quiet
// stream writes what its tail grew by, in one append and one fdatasync,
// where a bbolt commit rewrites a page on every level from the root to
// the tail, the freelist and the meta page. Sealed segments go to the day
// files, which supersede the tail of their ID.
//
// Record (integers little-endian):
//
//	magic     1 byte   0xB9
//	version   1 byte   1
//	streamlen 1 byte   1–255
//	reserved  1 byte   0
//	datalen   4 bytes  bytes of data in this record
//	id        8 bytes  the segment's ID
//	offset    8 bytes  where this record's data begins in the segment
//	infolen   4 bytes  bytes of the info value
//	info               the tail's info value, as in the day files,
//	                   describing the tail up to the end of this record
//	stream
//	data
//	crc       4 bytes  CRC-32C of every byte before it
const (
	tailsName    = "gwlog-tails.log"
	tailsMagic   = 0xB9
	tailsVersion = 1
	tailsHeader  = 28
	// tailsCompactAt is the journal's size past which it is compacted
	// once most of it is dead (tails since sealed or rewritten whole).
	tailsCompactAt = 4 << 20
	// An append of fewer than tailsSmall bytes that runs past the zeros
	// written ahead writes tailsReserve more; a bigger one has the
	// filesystem reserve tailsPrealloc bytes ahead instead.
	tailsSmall    = 8 << 10
	tailsReserve  = 64 << 10
	tailsPrealloc = 256 << 10
)

// zeros is what the journal's reserve is written with, a page at a time:
// a kernel with large folios caches a bigger write in a bigger folio, and
// an append that dirties part of it then writes all of it out again.
var zeros [4 << 10]byte

// tails is the journal file and what it holds.
type tails struct {
	path     string
	f        *os.File // open for appending; nil when read-only or after a failure
	readOnly bool
	size     int64 // the end of the last good record
	reserved int64 // the end of the file: zeros from size on
	prealloc int64 // the end of what the filesystem reserved past it
	last     int   // bytes of the last append since open, 0 before the first
	torn     int64 // the end of a torn record's bytes past size, zeroed by the next put
	zeroed   int64 // bytes of reserve written since open
	dead     int64 // bytes of records no tail needs any more
	live     map[string]map[uint64]*tail
	buf      []byte // records of one append, reused
}

// tail is a live segment's tail in the journal: its info and the records
// that hold its data, in order.
type tail struct {
	entry
	parts []span
	crc   uint32    // CRC-32C of the data so far, to see a tail grow
	wrote time.Time // when its last record was written (or the file, at open)
}

// span is one record in the journal.
type span struct {
	off, n int64
}

// openTails reads the journal in dir. A record cut short at the end (a
// write the process did not finish) is dropped, and the file cut back to
// the last good record unless readOnly. A damaged record ends what is
// read of the file: the error names it, and what follows is lost (a
// writable journal is then compacted into a fresh file).
func openTails(dir string, readOnly bool, now time.Time) (*tails, error) {
	t := &tails{path: filepath.Join(dir, tailsName), readOnly: readOnly, live: make(map[string]map[uint64]*tail)}
	f, err := os.Open(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return t, err
	}
	if fi.ModTime().Before(now) {
		now = fi.ModTime()
	}
	t.reserved = fi.Size()
	return t, t.load(f, fi.Size(), now)
}

// load reads the records of a journal of size bytes from r. The journal
// ends at the first record that does not check and is followed by zeros
// only: the reserve, or a write the process did not finish (never
// acknowledged), whose bytes are zeroed by the next put.
func (t *tails) load(r io.ReaderAt, size int64, now time.Time) error {
	var buf []byte
	for t.size < size {
		var rec tailRecord
		var err error
		buf, err = readRecord(r, t.size, size, buf, &rec)
		if err != nil {
			end, torn, zerr := tornEnd(r, t.size, size, &rec, err)
			if zerr != nil {
				err = zerr
			} else if torn {
				t.torn = end
				return nil
			}
			t.dead += size - t.size
			return &CorruptionError{File: tailsName, Offset: t.size,
				Err: fmt.Errorf("%w; the %d bytes from there are lost", err, size-t.size)}
		}
		t.apply(&rec, span{t.size, rec.n}, now)
		t.size += rec.n
	}
	return nil
}

// tornEnd tells whether the record at off, which failed with err, ends
// the journal: zeros from off on (the reserve), or a record cut short —
// past the end of the file, or its checksum still zero with zeros after
// it, as a write that did not reach its last sector leaves it. It
// returns where the torn record's bytes end.
func tornEnd(r io.ReaderAt, off, size int64, rec *tailRecord, err error) (int64, bool, error) {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return size, true, nil
	}
	end := off
	if errors.Is(err, errChecksum) {
		var sum [4]byte
		if _, err := r.ReadAt(sum[:], off+rec.n-4); err != nil {
			return 0, false, err
		}
		if sum != [4]byte{} {
			return 0, false, nil
		}
		end = off + rec.n
	}
	b := make([]byte, min(size-end, 64<<10))
	for from := end; from < size; {
		b = b[:min(size-from, int64(len(b)))]
		if _, err := r.ReadAt(b, from); err != nil {
			return 0, false, err
		}
		for _, c := range b {
			if c != 0 {
				return 0, false, nil
			}
		}
		from += int64(len(b))
	}
	return end, true, nil
}

// tailRecord is one journal record, decoded; data points into a buffer.
type tailRecord struct {
	stream string
	id     uint64
	offset int64
	info   Info
	data   []byte
	n      int64 // bytes of the record
}

// readRecord reads the record at off of a file of size bytes into rec,
// with buf as its buffer. A record that runs past the end is
// io.ErrUnexpectedEOF.
func readRecord(r io.ReaderAt, off, size int64, buf []byte, rec *tailRecord) ([]byte, error) {
	var h [tailsHeader]byte
	if size-off < tailsHeader {
		return buf, io.ErrUnexpectedEOF
	}
	if _, err := r.ReadAt(h[:], off); err != nil {
		return buf, err
	}
	switch {
	case h[0] != tailsMagic:
		return buf, errMagic
	case h[1] != tailsVersion:
		return buf, errVersion
	case h[2] == 0 || h[3] != 0:
		return buf, errLength
	}
	dlen, ilen := int64(binary.LittleEndian.Uint32(h[4:])), int64(binary.LittleEndian.Uint32(h[24:]))
	if dlen > MaxData || ilen < infoFixed+4 || ilen > infoFixed+maxName+4 {
		return buf, errLength
	}
	rec.n = tailsHeader + ilen + int64(h[2]) + dlen + 4
	if rec.n > size-off {
		return buf, io.ErrUnexpectedEOF
	}
	if int64(cap(buf)) < rec.n {
		buf = make([]byte, rec.n)
	}
	b := buf[:rec.n]
	if _, err := r.ReadAt(b, off); err != nil {
		return buf, err
	}
	rec.id = binary.LittleEndian.Uint64(b[8:])
	if binary.LittleEndian.Uint32(b[rec.n-4:]) != crc(b[:rec.n-4]) {
		return buf, errChecksum
	}
	rec.offset = int64(binary.LittleEndian.Uint64(b[16:]))
	p := b[tailsHeader:]
	if err := decodeInfo(p[:ilen], &rec.info); err != nil {
		return buf, fmt.Errorf("info: %w", err)
	}
	p = p[ilen:]
	rec.stream, p = string(p[:h[2]]), p[h[2]:]
	rec.data = p[:dlen]
	if !rec.info.Tail || rec.offset < 0 || rec.offset+dlen != rec.info.Size {
		return buf, errLength
	}
	return buf, nil
}

// apply takes rec, at s in the file, into what t holds: a record at
// offset 0 starts the tail afresh; a later one continues it. A record
// that continues nothing is dead (its beginning was rewritten later).
func (t *tails) apply(rec *tailRecord, s span, wrote time.Time) {
	m := t.live[rec.stream]
	if m == nil {
		m = make(map[uint64]*tail)
		t.live[rec.stream] = m
	}
	tl := m[rec.id]
	switch {
	case rec.offset == 0:
		if tl != nil {
			t.dead += tl.bytes()
		}
		tl = &tail{crc: crc(rec.data)}
		m[rec.id] = tl
	case tl == nil || tl.Size != rec.offset:
		t.dead += s.n
		return
	default:
		tl.crc = crc32.Update(tl.crc, crcTable, rec.data)
	}
	tl.Info = rec.info
	tl.Stream, tl.ID, tl.File = rec.stream, rec.id, tailsName
	tl.parts = append(tl.parts, s)
	tl.wrote = wrote
	tl.t = tl
}

// bytes is what tl's records take in the journal.
func (tl *tail) bytes() int64 {
	var n int64
	for _, s := range tl.parts {
		n += s.n
	}
	return n
}

// from returns where a new record of seg begins: past what tl holds when
// seg begins with it and tl has fewer than maxParts records, else 0.
func (tl *tail) from(seg *Segment, maxParts int) int64 {
	if tl == nil || tl.Events != seg.Events || tl.Size > int64(len(seg.Data)) ||
		len(tl.parts) >= maxParts || crc(seg.Data[:tl.Size]) != tl.crc {
		return 0
	}
	return tl.Size
}

// appendRecord appends the record of seg's data from off to dst.
func appendRecord(dst []byte, seg *Segment, in *Info, off int64) []byte {
	start := len(dst)
	data := seg.Data[off:]
	dst = append(dst, tailsMagic, tailsVersion, byte(len(seg.Stream)), 0)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(data)))
	dst = binary.LittleEndian.AppendUint64(dst, seg.ID)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(off))
	lenAt := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	dst = appendInfo(dst, in)
	binary.LittleEndian.PutUint32(dst[lenAt:], uint32(len(dst)-lenAt-4))
	dst = append(dst, seg.Stream...)
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, crc(dst[start:]))
}

// put appends the tails segs to the journal in one write and one
// fdatasync, and returns what each wrote of its data. Nothing is taken
// into t until the write is durable.
func (t *tails) put(segs []*Segment, maxParts int, now time.Time) ([]int64, error) {
	if t.readOnly {
		return nil, ErrReadOnly
	}
	if t.f == nil {
		_, missing := os.Stat(t.path)
		f, err := os.OpenFile(t.path, os.O_RDWR|os.O_CREATE, FileMode)
		if err != nil {
			return nil, err
		}
		if errors.Is(missing, os.ErrNotExist) {
			// The new name survives a power cut before anything in it is
			// acknowledged.
			if err := syncDir(filepath.Dir(t.path)); err != nil {
				f.Close()
				return nil, err
			}
		}
		t.f = f
	}
	t.buf = t.buf[:0]
	written := make([]int64, len(segs))
	spans := make([]span, len(segs))
	froms := make([]int64, len(segs))
	for i, seg := range segs {
		in := seg.info()
		froms[i] = t.live[seg.Stream][seg.ID].from(seg, maxParts)
		start := len(t.buf)
		t.buf = appendRecord(t.buf, seg, &in, froms[i])
		spans[i] = span{t.size + int64(start), int64(len(t.buf) - start)}
		written[i] = int64(len(seg.Data)) - froms[i]
	}
	end := t.size + int64(len(t.buf))
	if end < t.torn {
		// A shorter record would leave a torn one's bytes after it.
		t.buf = append(t.buf, make([]byte, t.torn-end)...)
	}
	if _, err := t.f.WriteAt(t.buf, t.size); err != nil {
		return nil, t.fail(err, end)
	}
	if end > t.reserved {
		t.reserved = end
		if err := t.ahead(len(t.buf)); err != nil {
			return nil, t.fail(err, end)
		}
	}
	if err := datasync(t.f); err != nil {
		return nil, t.fail(err, end)
	}
	for i, seg := range segs {
		rec := tailRecord{stream: seg.Stream, id: seg.ID, offset: froms[i], info: seg.info(), data: seg.Data[froms[i]:]}
		t.apply(&rec, spans[i], now)
	}
	t.size, t.torn, t.last = end, 0, len(t.buf)
	if cap(t.buf) > 1<<20 {
		t.buf = nil
	}
	return written, nil
}

// ahead prepares the journal's next appends after one of n bytes ran past
// its end. Small appends (a quiet stream's: this one and the one before
// it, so that the last small flush at Close of a busier journal does not
// buy zeros it will not use) get zeros written ahead, so
// that those to come overwrite blocks the file has, within its size: their
// fdatasync then writes the data alone, where an append past the end also
// journals the inode and the extents it allocates or converts — on ext4
// three or four blocks a flush, more than the data. The zeros cost about
// as much as the appends they precede, which big appends do not repay:
// for those the filesystem only reserves blocks, which spares the block
// bitmap and group descriptor.
func (t *tails) ahead(n int) error {
	if n < tailsSmall && t.last > 0 && t.last < tailsSmall {
		return t.reserve(t.reserved + tailsReserve)
	}
	if t.reserved > t.prealloc {
		t.prealloc = t.reserved + tailsPrealloc
		preallocate(t.f, t.reserved, tailsPrealloc)
	}
	return nil
}

// reserve writes zeros from the end of the file up to end.
func (t *tails) reserve(end int64) error {
	for t.reserved < end {
		n, err := t.f.WriteAt(zeros[:min(end-t.reserved, int64(len(zeros)))], t.reserved)
		t.reserved += int64(n)
		t.zeroed += int64(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// fail closes the journal after a failed write of records up to end;
// the next put opens it again and writes over what the failed one may
// have left, zeroing what its own records do not cover.
func (t *tails) fail(err error, end int64) error {
	t.torn = max(t.torn, end)
	t.f.Close()
	t.f = nil
	return err
}

// drop forgets the tail of stream's segment id: the day files hold it
// sealed now, or it has expired.
func (t *tails) drop(stream string, id uint64) {
	if t == nil {
		return
	}
	if tl := t.live[stream][id]; tl != nil {
		t.dead += tl.bytes()
		delete(t.live[stream], id)
	}
}

// read appends tl's data to dst, checking each record.
func (t *tails) read(dst []byte, tl *tail) ([]byte, error) {
	if t.f != nil {
		return readTail(t.f, dst, tl)
	}
	f, err := os.Open(t.path)
	if err != nil {
		return dst, err
	}
	defer f.Close()
	return readTail(f, dst, tl)
}

// readTail appends tl's data, read from r, to dst.
func readTail(r io.ReaderAt, dst []byte, tl *tail) ([]byte, error) {
	var buf []byte
	var rec tailRecord
	var got int64
	for _, s := range tl.parts {
		var err error
		buf, err = readRecord(r, s.off, s.off+s.n, buf, &rec)
		if err == nil && (rec.n != s.n || rec.offset != got || rec.stream != tl.Stream || rec.id != tl.ID) {
			err = errors.New("not the record the journal held there")
		}
		if err != nil {
			return dst, &CorruptionError{File: tailsName, Stream: tl.Stream, ID: tl.ID, Offset: s.off, Err: err}
		}
		dst = append(dst, rec.data...)
		got += int64(len(rec.data))
	}
	if got != tl.Size {
		return dst, &CorruptionError{File: tailsName, Stream: tl.Stream, ID: tl.ID, Err: fmt.Errorf("%d bytes where the info says %d", got, tl.Size)}
	}
	return dst, nil
}

// needsCompaction reports whether the journal is big and mostly dead.
func (t *tails) needsCompaction() bool {
	return !t.readOnly && t.size > tailsCompactAt && t.dead > t.size*3/4
}

// compact writes the tails keep accepts whole into a fresh journal, made
// durable and then renamed over the old one: a crash leaves one or the
// other. A tail that does not read back is left out, and reported.
func (t *tails) compact(keep func(*tail) bool) error {
	kept := 0
	for _, m := range t.live {
		for _, tl := range m {
			if keep(tl) {
				kept++
			}
		}
	}
	if kept == 0 { // nothing to keep: no journal
		if t.f != nil {
			t.f.Close()
		}
		*t = tails{path: t.path, live: make(map[string]map[uint64]*tail)}
		if err := os.Remove(t.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return syncDir(filepath.Dir(t.path))
	}
	tmp := t.path + ".new"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, FileMode)
	if err != nil {
		return err
	}
	fresh := &tails{path: t.path, f: f, live: make(map[string]map[uint64]*tail)}
	var errs []error
	var data []byte
	for _, m := range t.live {
		for _, tl := range m {
			if !keep(tl) {
				continue
			}
			if data, err = t.read(data[:0], tl); err != nil {
				errs = append(errs, err)
				continue
			}
			seg := Segment{Stream: tl.Stream, ID: tl.ID, Data: data}
			fresh.buf = appendRecord(fresh.buf[:0], &seg, &tl.Info, 0)
			if _, err := f.WriteAt(fresh.buf, fresh.size); err != nil {
				f.Close()
				os.Remove(tmp)
				return err
			}
			rec := tailRecord{stream: tl.Stream, id: tl.ID, info: tl.Info, data: data}
			fresh.apply(&rec, span{fresh.size, int64(len(fresh.buf))}, tl.wrote)
			fresh.size += int64(len(fresh.buf))
		}
	}
	if err := datasync(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, t.path); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if t.f != nil {
		t.f.Close()
	}
	*t = *fresh
	t.buf = nil
	return errors.Join(append(errs, syncDir(filepath.Dir(t.path)))...)
}

// close closes the journal's file.
func (t *tails) close() error {
	if t == nil || t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

// diskBytes is what the journal takes on disk.
func (t *tails) diskBytes() int64 {
	if t == nil {
		return 0
	}
	fi, err := os.Stat(t.path)
	if err != nil {
		return 0
	}
	return allocated(fi)
}

// String describes t for tests and errors.
func (t *tails) String() string {
	n := 0
	for _, m := range t.live {
		n += len(m)
	}
	return tailsName + ": " + strconv.Itoa(n) + " tails in " + strconv.FormatInt(t.size, 10) + " bytes"
}
