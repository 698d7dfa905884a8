package bench

import "sync"

// Ring is a fixed-size byte ring standing in for gwlog's RAM ring under the
// competitors: Write copies p in at the write offset, wrapping around, so
// that the newest Len() bytes are kept. It has no line index, rotation or
// readers. A Ring never allocates after NewRing and is safe for concurrent
// use.
type Ring struct {
	mu      sync.Mutex
	buf     []byte
	off     int    // where the next byte goes
	written uint64 // bytes written since NewRing
}

// NewRing returns a ring of size bytes.
func NewRing(size int) *Ring {
	return &Ring{buf: make([]byte, size)}
}

// Write implements io.Writer. It copies p into the ring, overwriting the
// oldest bytes; of a p longer than the ring only the tail is kept. It
// always returns len(p), nil.
func (r *Ring) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > len(r.buf) {
		p = p[len(p)-len(r.buf):]
	}
	r.mu.Lock()
	c := copy(r.buf[r.off:], p)
	copy(r.buf, p[c:])
	r.off += len(p)
	if r.off >= len(r.buf) {
		r.off -= len(r.buf)
	}
	r.written += uint64(n)
	r.mu.Unlock()
	return n, nil
}

// Written returns the number of bytes written since NewRing.
func (r *Ring) Written() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written
}

// AppendTail appends the newest n bytes to dst (fewer while the ring holds
// fewer) and returns the extended slice.
func (r *Ring) AppendTail(dst []byte, n int) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	n = max(0, min(n, int(min(r.written, uint64(len(r.buf))))))
	start := r.off - n
	if start < 0 {
		dst = append(dst, r.buf[len(r.buf)+start:]...)
		start = 0
	}
	return append(dst, r.buf[start:r.off]...)
}
