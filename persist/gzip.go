package persist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// zipper gzips sealed segments for the streams that ask (Segment.Gzip):
// one compressor, made when first needed and kept, since flate's state is
// most of a megabyte; its calls are serialized.
type zipper struct {
	mu  sync.Mutex
	w   *gzip.Writer
	out bytes.Buffer
}

// zip returns data gzipped, in a new slice, or nil when that would not
// make it smaller.
func (z *zipper) zip(data []byte) []byte {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.out.Reset()
	if z.w == nil {
		// BestSpeed: log lines shrink about as well, at a third of the
		// CPU time, which an ARM board feels.
		z.w, _ = gzip.NewWriterLevel(&z.out, gzip.BestSpeed)
	} else {
		z.w.Reset(&z.out)
	}
	z.w.Write(data) // a bytes.Buffer does not fail
	z.w.Close()
	var out []byte
	if z.out.Len() < len(data) {
		out = bytes.Clone(z.out.Bytes())
	}
	if z.out.Cap() > 1<<20 {
		z.out = bytes.Buffer{} // not kept for ever after a big segment
	}
	return out
}

// unzippers are gzip readers for reuse: about 40 KiB each.
var unzippers sync.Pool

// unzip appends to dst the size bytes that data, gzipped, holds; more or
// fewer is an error, and so is a gzip checksum that fails.
func unzip(dst, data []byte, size int64) ([]byte, error) {
	if size < 0 || size > MaxData {
		return dst, fmt.Errorf("gzipped data of %d bytes claimed", size)
	}
	src := bytes.NewReader(data)
	r, _ := unzippers.Get().(*gzip.Reader)
	if r == nil {
		var err error
		if r, err = gzip.NewReader(src); err != nil {
			return dst, err
		}
	} else if err := r.Reset(src); err != nil {
		unzippers.Put(r)
		return dst, err
	}
	defer unzippers.Put(r)
	n := len(dst)
	dst = slices.Grow(dst, int(size))[:n+int(size)]
	if k, err := io.ReadFull(r, dst[n:]); err != nil {
		return dst[:n], fmt.Errorf("%d bytes where the info says %d: %w", k, size, err)
	}
	// The gzip trailer's checksum is checked at the end of the stream.
	var one [1]byte
	if k, err := r.Read(one[:]); k != 0 || !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("more bytes than the info says")
		}
		return dst[:n], err
	}
	return dst, nil
}
