package ramlog

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A block is a sealed segment compressed in RAM: one gzip member (RFC
// 1952) of the segment's plain bytes, made by compress/gzip at flate level
// 1, with no name, comment or extra field. Its trailer's CRC-32 and ISIZE
// are the block's checksum and plain size, so that a disk store that keeps
// gzip values can take a block as it is.
const blockLevel = flate.BestSpeed

// gzip member framing, RFC 1952.
const (
	gzipHeaderLen  = 10
	gzipTrailerLen = 8
)

// encoder compresses segments into blocks, reusing its flate state: about
// workMem bytes of working memory whatever the segment.
type encoder struct {
	zw  *gzip.Writer
	buf bytes.Buffer
}

func newEncoder() *encoder {
	zw, _ := gzip.NewWriterLevel(io.Discard, blockLevel) // a valid level: no error
	return &encoder{zw: zw}
}

// encode returns the block of the plain bytes a+b, valid until the next
// call.
func (e *encoder) encode(a, b []byte) []byte {
	e.buf.Reset()
	e.zw.Reset(&e.buf)
	e.zw.Write(a) // a bytes.Buffer does not fail
	e.zw.Write(b)
	e.zw.Close()
	return e.buf.Bytes()
}

// blockSize returns the plain size a block's trailer states (ISIZE), or -1
// when block is too short to be one.
func blockSize(block []byte) int64 {
	if len(block) < gzipHeaderLen+gzipTrailerLen {
		return -1
	}
	return int64(binary.LittleEndian.Uint32(block[len(block)-4:]))
}

// DecodeBlock appends the plain bytes of block, one gzip member, to dst.
// A block that is not exactly one valid member (bad header, deflate
// stream, CRC-32 or ISIZE, or bytes after it) fails with an error
// wrapping ErrCorrupt; dst is then returned as given. It never reads more
// than the member states, so a damaged ISIZE cannot make it allocate
// more than a bounded amount.
func DecodeBlock(dst, block []byte) ([]byte, error) {
	n := blockSize(block)
	if n < 0 {
		return dst, fmt.Errorf("%w: %d bytes is shorter than a gzip member", ErrCorrupt, len(block))
	}
	br := bytes.NewReader(block)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return dst, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
	}
	zr.Multistream(false)
	start := len(dst)
	// Trust ISIZE for the capacity only as far as a deflate stream can
	// expand (about 1032:1), so that a forged one cannot take the heap.
	if want := min(n, int64(len(block))*1032); int64(cap(dst)-len(dst)) < want {
		dst = append(dst[:len(dst):len(dst)], make([]byte, want)...)[:start]
	}
	out := bytes.NewBuffer(dst)
	_, err = io.Copy(out, zr)
	dst = out.Bytes()
	if err != nil {
		return dst[:start], fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if br.Len() != 0 {
		return dst[:start], fmt.Errorf("%w: %d bytes after the member", ErrCorrupt, br.Len())
	}
	// gzip.Reader checks CRC-32 and ISIZE; a member's ISIZE is the size
	// modulo 2^32, and a segment is far smaller.
	if int64(len(dst)-start) != n {
		return dst[:start], fmt.Errorf("%w: size %d, the trailer says %d", ErrCorrupt, len(dst)-start, n)
	}
	return dst, nil
}

// errBlockGone is returned for a block dropped between a reader's listing
// and its read.
var errBlockGone = errors.New("ramlog: block dropped while read")
