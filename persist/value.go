package persist

import (
	"encoding/binary"
	"errors"
	"hash/crc32"

	"github.com/gwlog/gwlog/internal/units"
)

// The values of a store file (docs/format.md, "Store"). Integers inside
// values are little-endian; keys are big-endian so that key order is ID
// order.

// Data value: a 12-byte header and the segment's bytes.
//
//	magic    1 byte   0xB7
//	version  1 byte   1
//	flags    1 byte   flagEvents | flagTail | flagGzip
//	reserved 1 byte   0
//	length   4 bytes  bytes of data
//	crc      4 bytes  CRC-32C of bytes 0–7 and the data
//	data
const (
	valueMagic   = 0xB7
	valueVersion = 1
	headerSize   = 12
)

// Flags of a data value and of its info.
const (
	flagEvents = 1 << 0
	flagTail   = 1 << 1
	flagGzip   = 1 << 2 // the data is gzipped; the info's size is unzipped
	knownFlags = flagEvents | flagTail | flagGzip
)

// MaxData is the largest segment the store takes, in bytes.
const MaxData = 64 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var (
	errShort    = errors.New("value too short")
	errMagic    = errors.New("bad magic byte")
	errVersion  = errors.New("unknown version")
	errFlags    = errors.New("unknown flags")
	errLength   = errors.New("length does not match the value")
	errChecksum = errors.New("checksum mismatch")
)

// appendValue appends the data value of data with flags to dst.
func appendValue(dst []byte, flags byte, data []byte) []byte {
	start := len(dst)
	dst = append(dst, valueMagic, valueVersion, flags, 0)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(data)))
	crc := crc32.Update(crc32.Checksum(dst[start:start+8], crcTable), crcTable, data)
	dst = binary.LittleEndian.AppendUint32(dst, crc)
	return append(dst, data...)
}

// decodeValue checks a data value and returns its flags and data, a view
// of v.
func decodeValue(v []byte) (flags byte, data []byte, err error) {
	if len(v) < headerSize {
		return 0, nil, errShort
	}
	if v[0] != valueMagic {
		return 0, nil, errMagic
	}
	if v[1] != valueVersion {
		return 0, nil, errVersion
	}
	if v[2]&^knownFlags != 0 || v[3] != 0 {
		return 0, nil, errFlags
	}
	if n := binary.LittleEndian.Uint32(v[4:]); uint64(n) != uint64(len(v)-headerSize) {
		return 0, nil, errLength
	}
	crc := crc32.Update(crc32.Checksum(v[:8], crcTable), crcTable, v[headerSize:])
	if binary.LittleEndian.Uint32(v[8:]) != crc {
		return 0, nil, errChecksum
	}
	return v[2], v[headerSize:], nil
}

// Info value: what listing needs, so that it never reads data.
//
//	version   1 byte   1
//	flags     1 byte   as the data value's
//	namelen   2 bytes
//	first     8 bytes  Unix ns of the first record, 0 when none
//	last      8 bytes  Unix ns of the last record
//	records   8 bytes
//	size      8 bytes  bytes of data
//	firstseq  8 bytes  events: Seq of the first record, else 0
//	lastseq   8 bytes  events: Seq of the last record, else 0
//	name      namelen bytes
//	crc       4 bytes  CRC-32C of everything before it
const (
	infoVersion = 1
	infoFixed   = 52
	maxName     = 1<<16 - 1
)

// appendInfo appends the info value of in to dst.
func appendInfo(dst []byte, in *Info) []byte {
	start := len(dst)
	dst = append(dst, infoVersion, in.flags())
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(in.Name)))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(units.UnixNano(in.First)))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(units.UnixNano(in.Last)))
	dst = binary.LittleEndian.AppendUint64(dst, in.Records)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(in.Size))
	dst = binary.LittleEndian.AppendUint64(dst, in.FirstSeq)
	dst = binary.LittleEndian.AppendUint64(dst, in.LastSeq)
	dst = append(dst, in.Name...)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], crcTable))
}

// decodeInfo checks an info value and fills in the fields it holds (not
// Stream, ID or File).
func decodeInfo(v []byte, in *Info) error {
	if len(v) < infoFixed+4 {
		return errShort
	}
	if v[0] != infoVersion {
		return errVersion
	}
	if v[1]&^knownFlags != 0 {
		return errFlags
	}
	n := int(binary.LittleEndian.Uint16(v[2:]))
	if len(v) != infoFixed+n+4 {
		return errLength
	}
	if binary.LittleEndian.Uint32(v[infoFixed+n:]) != crc32.Checksum(v[:infoFixed+n], crcTable) {
		return errChecksum
	}
	in.Events, in.Tail, in.Gzip = v[1]&flagEvents != 0, v[1]&flagTail != 0, v[1]&flagGzip != 0
	in.First = units.FromUnixNano(int64(binary.LittleEndian.Uint64(v[4:])))
	in.Last = units.FromUnixNano(int64(binary.LittleEndian.Uint64(v[12:])))
	in.Records = binary.LittleEndian.Uint64(v[20:])
	in.Size = int64(binary.LittleEndian.Uint64(v[28:]))
	in.FirstSeq = binary.LittleEndian.Uint64(v[36:])
	in.LastSeq = binary.LittleEndian.Uint64(v[44:])
	in.Name = string(v[infoFixed : infoFixed+n])
	return nil
}

// key is the big-endian key of id.
func key(id uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id) }

// u64 is the big-endian encoding of meta counters.
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func readU64(b []byte) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

// crc is the CRC-32C of b.
func crc(b []byte) uint32 { return crc32.Checksum(b, crcTable) }
