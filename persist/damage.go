package persist

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
	"time"

	"github.com/gwlog/gwlog/internal/units"
)

// Damage describes a store file found damaged and what was salvaged from
// it (docs/format.md, "Salvage"). Stats.Damaged lists them.
type Damage struct {
	// File is the damaged file's name when it was found:
	// gwlog-YYYY-MM-DD.db.
	File string `json:"file"`
	// Aside is the name it was renamed to, NAME.corrupt-UNIXTIME; empty
	// when a read-only store left it where it was.
	Aside string `json:"aside,omitempty"`
	// Into is the fresh file that holds what was salvaged; empty when
	// nothing was written (a read-only store, nothing salvaged, or the
	// salvage failed).
	Into string `json:"into,omitempty"`
	// At is when it was found.
	At time.Time `json:"at"`
	// Cause is why the file was found damaged, on one line.
	Cause string `json:"cause,omitempty"`
	// Failed says why the salvage failed, when it did: the file stays
	// aside, and nothing was written.
	Failed string `json:"failed,omitempty"`
	// Unknown is set for a file renamed aside of which no store file
	// keeps a record (renamed by an older gwlog, or its record deleted
	// with its file): nothing more is known of it.
	Unknown bool `json:"unknown,omitempty"`

	// Segments, Bytes and Records are what was salvaged: segments, their
	// bytes of data, and the lines or event records their infos count.
	// A read-only store counts what a writable one will salvage.
	Segments int    `json:"segments"`
	Bytes    int64  `json:"bytes"`
	Records  uint64 `json:"records"`
	// LostSegments counts the segments the file shows a trace of (an
	// info, a data value, a key) that could not be salvaged whole, and
	// LostBytes their bytes (their info's size, or, without a readable
	// info, the bytes of the values found). Lost lists the first 64.
	LostSegments int           `json:"lost_segments"`
	LostBytes    int64         `json:"lost_bytes"`
	Lost         []LostSegment `json:"lost,omitempty"`
	// Streams lists the streams whose segments cannot all be named: a
	// page of their info bucket, or of their own, did not read. Those
	// of their segments Lost does not name are lost too, uncounted.
	Streams []string `json:"streams,omitempty"`
	// Unreadable counts the values on the file's pages in use that fail
	// their checksum or are cut short by the end of the file, and
	// UnreadableBytes their bytes. When the file's freelist does not
	// read, pages that only held older copies may add to them.
	Unreadable      int   `json:"unreadable"`
	UnreadableBytes int64 `json:"unreadable_bytes"`
	// Unplaced counts the data values whose checksum holds but whose
	// segment cannot be told, the pages above them damaged, and
	// UnplacedBytes their bytes (counted when the freelist reads).
	Unplaced      int   `json:"unplaced,omitempty"`
	UnplacedBytes int64 `json:"unplaced_bytes,omitempty"`
	// StoppedAt is, when not zero, the offset at which salvage stopped
	// because the file held more pages or elements than it keeps track
	// of; what comes after is not salvaged, nor counted.
	StoppedAt int64 `json:"stopped_at,omitempty"`
}

// LostSegment is a segment of a damaged file that could not be salvaged:
// its stream and ID, the offset in the file of its damage (0 when no
// value of it was found), and what was wrong.
type LostSegment struct {
	Stream string `json:"stream"`
	ID     uint64 `json:"id"`
	Offset int64  `json:"offset"`
	Cause  string `json:"cause"`
}

// errors returns the segments lost as *CorruptionError.
func (d *Damage) errors() []error {
	out := make([]error, 0, len(d.Lost))
	for _, l := range d.Lost {
		out = append(out, &CorruptionError{File: d.File, Stream: l.Stream, ID: l.ID, Offset: l.Offset, Err: stringError(l.Cause)})
	}
	return out
}

// oneLine joins the lines of an error's text (a join of several) with
// "; ".
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// stringError is an error read back from a record.
type stringError string

func (e stringError) Error() string { return string(e) }

// The salvage record, the value of "salvage" in the meta bucket of the
// file salvage wrote (docs/format.md, "Salvage"): what Damage says,
// little-endian, with a CRC-32C at the end.
const (
	salvageVersion = 1
	maxRecordCause = 1 << 10
)

// keySalvage is the key of the salvage record in the meta bucket.
var keySalvage = []byte("salvage")

// appendSalvage appends the salvage record of d to dst.
func appendSalvage(dst []byte, d *Damage) []byte {
	start := len(dst)
	dst = append(dst, salvageVersion)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(units.UnixNano(d.At)))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(d.Segments))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(d.Bytes))
	dst = binary.LittleEndian.AppendUint64(dst, d.Records)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(d.LostSegments))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(d.LostBytes))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(d.Unreadable))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(d.UnreadableBytes))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(d.Unplaced))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(d.UnplacedBytes))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(d.StoppedAt))
	dst = appendString8(dst, d.File)
	dst = appendString8(dst, d.Aside)
	cause := d.Cause[:min(len(d.Cause), maxRecordCause)]
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(cause)))
	dst = append(dst, cause...)
	streams := d.Streams[:min(len(d.Streams), maxLostListed)]
	dst = append(dst, byte(len(streams)))
	for _, name := range streams {
		dst = appendString8(dst, name)
	}
	lost := d.Lost[:min(len(d.Lost), maxLostListed)]
	dst = append(dst, byte(len(lost)))
	for _, l := range lost {
		dst = appendString8(dst, l.Stream)
		dst = binary.LittleEndian.AppendUint64(dst, l.ID)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(l.Offset))
		dst = appendString8(dst, l.Cause)
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], crcTable))
}

// appendString8 appends s, at most 255 bytes of it, after its length.
func appendString8(dst []byte, s string) []byte {
	s = s[:min(len(s), 255)]
	return append(append(dst, byte(len(s))), s...)
}

// decodeSalvage checks a salvage record and returns what it says (not
// Into, which is the file that holds it).
func decodeSalvage(v []byte) (Damage, error) {
	var d Damage
	if len(v) < 4 {
		return d, errShort
	}
	if binary.LittleEndian.Uint32(v[len(v)-4:]) != crc32.Checksum(v[:len(v)-4], crcTable) {
		return d, errChecksum
	}
	r := recordReader{b: v[:len(v)-4]}
	if r.byte() != salvageVersion {
		return d, errVersion
	}
	d.At = units.FromUnixNano(int64(r.u64()))
	d.Segments = int(r.u32())
	d.Bytes = int64(r.u64())
	d.Records = r.u64()
	d.LostSegments = int(r.u32())
	d.LostBytes = int64(r.u64())
	d.Unreadable = int(r.u32())
	d.UnreadableBytes = int64(r.u64())
	d.Unplaced = int(r.u32())
	d.UnplacedBytes = int64(r.u64())
	d.StoppedAt = int64(r.u64())
	d.File = r.string8()
	d.Aside = r.string8()
	d.Cause = string(r.take(int(r.u16())))
	for range int(r.byte()) {
		d.Streams = append(d.Streams, r.string8())
	}
	n := int(r.byte())
	for range n {
		var l LostSegment
		l.Stream = r.string8()
		l.ID = r.u64()
		l.Offset = int64(r.u64())
		l.Cause = r.string8()
		if r.bad {
			break
		}
		d.Lost = append(d.Lost, l)
	}
	if r.bad || len(r.b) != 0 {
		return Damage{}, errLength
	}
	return d, nil
}

// recordReader reads a record's fields; bad is set once one runs past
// its end, and what follows reads as zeros.
type recordReader struct {
	b   []byte
	bad bool
}

func (r *recordReader) take(n int) []byte {
	if r.bad || n > len(r.b) {
		r.bad = true
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *recordReader) byte() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *recordReader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *recordReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *recordReader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *recordReader) string8() string { return string(r.take(int(r.byte()))) }
