package eventlog

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// A record in the event ring is a frame (docs/format.md):
//
//	magic  1 byte   0xE7
//	length uvarint  bytes of payload
//	crc    4 bytes  CRC-32C of payload, little-endian
//	payload         the msgpack Event
const frameMagic = 0xE7

// maxPayload bounds a frame's length so that a corrupt length cannot make a
// reader skip the rest of a segment.
const maxPayload = MaxRecord

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var (
	errShort  = errors.New("truncated frame")
	errMagic  = errors.New("bad magic byte")
	errLength = errors.New("bad length")
	errCRC    = errors.New("checksum mismatch")
)

// maxHeader is the longest frame header.
const maxHeader = 1 + binary.MaxVarintLen64 + 4

// appendHeader appends the frame header of payload to dst.
func appendHeader(dst []byte, payload []byte) []byte {
	dst = append(dst, frameMagic)
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(payload, crcTable))
}

// nextFrame reads the frame at the start of b: its payload and its total
// size. On error, size is how far a reader may skip: the frame's length
// when only the checksum failed, else 1 (resynchronise byte by byte).
func nextFrame(b []byte) (payload []byte, size int, err error) {
	if len(b) == 0 {
		return nil, 0, errShort
	}
	if b[0] != frameMagic {
		return nil, 1, errMagic
	}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || n == 0 || n > maxPayload {
		return nil, 1, errLength
	}
	head := 1 + k + 4
	if len(b) < head+int(n) {
		return nil, 1, errShort
	}
	payload = b[head : head+int(n)]
	if binary.LittleEndian.Uint32(b[1+k:]) != crc32.Checksum(payload, crcTable) {
		return nil, 1, errCRC
	}
	return payload, head + int(n), nil
}

// framesIn calls fn for each frame in a+b (a ring's bytes, or a copy),
// in order, with the frame's offset and its payload. A run of bytes that
// is not a valid frame is reported once, with its first offset and a nil
// payload, and skipped: the frames after it are still found. fn returning
// false stops the walk. The bytes must not change meanwhile.
func framesIn(a, b []byte, fn func(off int64, payload []byte, err error) bool) {
	total := len(a) + len(b)
	var scratch []byte
	// view returns bytes [pos, pos+n) of a+b, copying only a run that
	// crosses from a into b.
	view := func(pos, n int) []byte {
		switch {
		case pos+n <= len(a):
			return a[pos : pos+n]
		case pos >= len(a):
			return b[pos-len(a) : pos-len(a)+n]
		}
		scratch = append(append(scratch[:0], a[pos:]...), b[:pos+n-len(a)]...)
		return scratch
	}
	bad := false
	for pos := 0; pos < total; {
		payload, size, err := frameAt(view, pos, total)
		if err != nil {
			if !bad && !fn(int64(pos), nil, err) {
				return
			}
			bad = true
			pos += size
			continue
		}
		bad = false
		if !fn(int64(pos), payload, nil) {
			return
		}
		pos += size
	}
}

// frameAt reads the frame at pos of a segment of total bytes.
func frameAt(view func(pos, n int) []byte, pos, total int) ([]byte, int, error) {
	head := view(pos, min(maxHeader, total-pos))
	if head[0] != frameMagic {
		return nil, 1, errMagic
	}
	n, k := binary.Uvarint(head[1:])
	if k <= 0 || n == 0 || n > maxPayload {
		return nil, 1, errLength
	}
	size := 1 + k + 4 + int(n)
	if pos+size > total {
		return nil, 1, errShort
	}
	return nextFrame(view(pos, size))
}
