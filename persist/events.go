package persist

import (
	"encoding/binary"
	"hash/crc32"
)

// Event segments hold CRC-framed msgpack records (docs/format.md, "Event
// frame"). The store reads only the Seq of each, so that it can give
// LastSeq and the Seq range of a segment without knowing the event codec.
const (
	frameMagic = 0xE7
	maxPayload = 1 << 20
)

// eventSeqs returns the Seq of the first and last valid frames of data and
// how many valid frames it holds. Bytes that are not a valid frame are
// skipped one at a time, as event readers do.
func eventSeqs(data []byte) (first, last uint64, n int) {
	for pos := 0; pos < len(data); {
		payload, size := frameAt(data[pos:])
		if payload == nil {
			pos++
			continue
		}
		pos += size
		seq, ok := leadingSeq(payload)
		if !ok {
			continue
		}
		if n == 0 {
			first = seq
		}
		last = seq
		n++
	}
	return first, last, n
}

// frameAt returns the payload and size of a valid frame at the start of b,
// or nil.
func frameAt(b []byte) ([]byte, int) {
	if len(b) < 6 || b[0] != frameMagic {
		return nil, 0
	}
	l, k := binary.Uvarint(b[1:])
	if k <= 0 || l == 0 || l > maxPayload {
		return nil, 0
	}
	head := 1 + k + 4
	if len(b) < head || uint64(len(b)-head) < l {
		return nil, 0
	}
	payload := b[head : head+int(l)]
	if binary.LittleEndian.Uint32(b[1+k:]) != crc32.Checksum(payload, crcTable) {
		return nil, 0
	}
	return payload, head + int(l)
}

// leadingSeq reads the first element of a msgpack array of at least one
// element, when it is a non-negative integer.
func leadingSeq(p []byte) (uint64, bool) {
	if len(p) == 0 {
		return 0, false
	}
	switch c := p[0]; {
	case c >= 0x91 && c <= 0x9f:
		p = p[1:]
	case c == 0xdc && len(p) >= 3 && binary.BigEndian.Uint16(p[1:]) > 0:
		p = p[3:]
	case c == 0xdd && len(p) >= 5 && binary.BigEndian.Uint32(p[1:]) > 0:
		p = p[5:]
	default:
		return 0, false
	}
	if len(p) == 0 {
		return 0, false
	}
	c := p[0]
	if c <= 0x7f {
		return uint64(c), true
	}
	var w int
	switch c {
	case 0xcc, 0xd0:
		w = 1
	case 0xcd, 0xd1:
		w = 2
	case 0xce, 0xd2:
		w = 4
	case 0xcf, 0xd3:
		w = 8
	default:
		return 0, false
	}
	if len(p) < 1+w {
		return 0, false
	}
	var v uint64
	for _, b := range p[1 : 1+w] {
		v = v<<8 | uint64(b)
	}
	if c >= 0xd0 && v>>(8*w-1) != 0 { // a negative signed integer
		return 0, false
	}
	return v, true
}
