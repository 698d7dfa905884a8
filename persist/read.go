package persist

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// expired reports whether e is past its stream's keep at now. A segment
// ages from its last record, but never from before the day of its file,
// so that a clock far behind does not delete what it stamped.
func (s *Store) expired(e *entry, now time.Time) bool {
	var t time.Time
	switch {
	case e.f != nil:
		t = e.f.dayEnd()
	case e.t != nil:
		t = e.t.wrote
	}
	if e.Last.After(t) {
		t = e.Last
	}
	return now.Sub(t) > s.o.KeepFor(e.Stream)
}

// Streams returns the names of the streams the store holds segments of,
// sorted.
func (s *Store) Streams() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.index))
	for name, m := range s.index {
		if len(m) > 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Segments describes the segments of stream the store holds, oldest (lowest
// ID) first, leaving out those past the stream's keep. Infos that did not
// decode are left out too and reported in err, a join of
// *CorruptionError: the infos returned are valid even when err is not nil.
func (s *Store) Segments(stream string) ([]Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	now := s.o.Now()
	m := s.index[stream]
	out := make([]Info, 0, len(m))
	for _, e := range m {
		if !s.expired(e, now) {
			out = append(out, e.Info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	var errs []error
	for _, f := range s.files {
		for _, ce := range f.bad {
			if ce.Stream == stream {
				errs = append(errs, ce)
			}
		}
	}
	return out, errors.Join(errs...)
}

// Read returns the data of segment id of stream, in a new slice.
func (s *Store) Read(stream string, id uint64) ([]byte, error) {
	return s.AppendSegment(nil, stream, id)
}

// AppendSegment appends the data of segment id of stream to dst. A value
// that fails its checksum returns a *CorruptionError (errors.As) naming
// the file, stream and ID, and dst unchanged; other segments still read.
// A segment past its stream's keep is ErrNotFound.
func (s *Store) AppendSegment(dst []byte, stream string, id uint64) ([]byte, error) {
	n := len(dst)
	dst, z, err := s.appendSegment(dst, stream, id)
	if err != nil || z.data == nil {
		return dst, err
	}
	// Unzipped without the lock, so that commits and other readers do
	// not wait for it.
	if dst, err = unzip(dst, z.data, z.size); err != nil {
		s.mu.Lock()
		s.stats.Corrupt++
		s.mu.Unlock()
		return dst[:n], &CorruptionError{File: z.file, Stream: stream, ID: id, Err: err}
	}
	return dst, nil
}

// gzipped is a segment's data as stored gzipped, copied out of its file.
type gzipped struct {
	data []byte
	size int64 // unzipped
	file string
}

// appendSegment appends segment id of stream to dst, or returns its data
// still gzipped in z.
func (s *Store) appendSegment(dst []byte, stream string, id uint64) (_ []byte, z gzipped, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return dst, z, ErrClosed
	}
	e := s.index[stream][id]
	if e == nil || s.expired(e, s.o.Now()) {
		return dst, z, fmt.Errorf("%w: %s segment %d", ErrNotFound, stream, id)
	}
	if e.t != nil {
		n := len(dst)
		dst, err = s.tails.read(dst, e.t)
		var ce *CorruptionError
		switch {
		case errors.As(err, &ce):
			s.stats.Corrupt++
		case err != nil:
			err = fmt.Errorf("%w: read %s: %w", ErrUnavailable, tailsName, err)
		}
		if err != nil {
			dst = dst[:n]
		}
		return dst, z, err
	}
	db, err := s.handle(e.f)
	if err != nil {
		return dst, z, err
	}
	n := len(dst)
	if !e.Gzip && e.Size >= 0 && e.Size <= MaxData {
		dst = slices.Grow(dst, int(e.Size))
	}
	err = view(db, func(tx *bolt.Tx) error {
		var vb *bolt.Bucket
		if b := tx.Bucket(bucketStreams); b != nil {
			if b = b.Bucket([]byte(stream)); b != nil {
				if b = b.Bucket(bucketData); b != nil {
					vb = b.Bucket(key(id))
				}
			}
		}
		if vb == nil {
			return &CorruptionError{File: e.f.name, Stream: stream, ID: id, Err: errors.New("data value missing")}
		}
		got := int64(0)
		err := eachPart(vb, func(flags byte, data []byte) error {
			// The tail flag of a part says how it was written; the
			// info's says what the segment is now.
			const same = flagEvents | flagGzip
			if flags&same != e.flags()&same {
				return errors.New("flags differ from the info's")
			}
			if flags&flagGzip != 0 {
				if z.data != nil {
					return errors.New("gzipped in more than one part")
				}
				z = gzipped{data: bytes.Clone(data), size: e.Size, file: e.f.name}
				got += e.Size
				return nil
			}
			dst = append(dst, data...) // copied out of the map while it is valid
			got += int64(len(data))
			return nil
		})
		if err == nil && got != e.Size {
			err = fmt.Errorf("%d bytes where the info says %d", got, e.Size)
		}
		if err == nil && z.data != nil && len(dst) > n {
			err = errors.New("gzipped and plain parts")
		}
		if err != nil {
			return &CorruptionError{File: e.f.name, Stream: stream, ID: id, Err: err}
		}
		return nil
	})
	if err != nil {
		dst, z = dst[:n], gzipped{}
		var ce *CorruptionError
		if errors.As(err, &ce) {
			s.stats.Corrupt++
			return dst, z, err
		}
		s.closeFile(e.f)
		return dst, z, fmt.Errorf("%w: read %s: %w", ErrUnavailable, e.f.name, err)
	}
	return dst, z, nil
}

// handle returns an open handle of f, opening it read-only when needed
// and closing the least recently used read handles past maxReaders.
func (s *Store) handle(f *dayFile) (*bolt.DB, error) {
	s.clock++
	f.used = s.clock
	if f.db != nil {
		return f.db, nil
	}
	open := 0
	for _, g := range s.files {
		if g.db != nil && g != s.w {
			open++
		}
	}
	for ; open >= maxReaders; open-- {
		var lru *dayFile
		for _, g := range s.files {
			if g.db != nil && g != s.w && (lru == nil || g.used < lru.used) {
				lru = g
			}
		}
		s.closeFile(lru)
	}
	if err := s.open(f, false); err != nil {
		if errors.Is(err, ErrLocked) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: open %s: %w", ErrUnavailable, f.name, err)
	}
	return f.db, nil
}

// LastSeq returns the highest event Seq the store holds or held: the
// event log goes on from LastSeq()+1.
func (s *Store) LastSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq
}

// NextID returns the ID after the highest the store holds or held for
// stream (tails included; 0 when none): a runtime numbers its segments
// from there.
func (s *Store) NextID(stream string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next[stream]
}
