package persist

import (
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// writer returns the file to write, opening, starting or rolling over to
// the day's file as needed; after a failure it scans the directory again
// first. s.mu is held.
func (s *Store) writer() (*dayFile, error) {
	if s.broken != nil {
		if err := Detect(s.o.Dir, s.o.Force); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		if err := s.scan(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		s.broken = nil
	}
	today := dayOf(s.o.Now())
	if w := s.w; w != nil {
		if !today.After(w.day) && w.bytes < s.o.FileSize {
			return w, nil
		}
		s.closeFile(w) // a new day, or full
		defer s.retainReport()
	}
	// The newest file of today (or of a later day, when the clock went
	// back) goes on while it has room; else a new one starts.
	var last *dayFile
	if n := len(s.files); n > 0 {
		last = s.files[n-1]
	}
	if last != nil && !today.After(last.day) && last.bytes < s.o.FileSize {
		s.closeFile(last) // a read handle would hold the lock against us
		if err := s.open(last, true); err != nil {
			return nil, s.openError(last, err)
		}
		s.w = last
		return last, nil
	}
	f := &dayFile{day: today, entries: make(map[string]map[uint64]*entry), next: make(map[string]uint64)}
	if last != nil && !today.After(last.day) {
		f.day, f.part = last.day, last.part+1
	}
	f.name = fileName(f.day, f.part)
	if err := s.create(f); err != nil {
		return nil, s.openError(f, err)
	}
	s.files = append(s.files, f)
	s.w = f
	return f, nil
}

// openError wraps an error opening f for writing.
func (s *Store) openError(f *dayFile, err error) error {
	if errors.Is(err, ErrLocked) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, f.name, err)
}

// create makes f: a bbolt file with the store's buckets and the counters
// carried over, so that IDs and Seq go on when older files are deleted.
func (s *Store) create(f *dayFile) error {
	path := f.path(s.o.Dir)
	if err := s.open(f, true); err != nil {
		os.Remove(path)
		return err
	}
	err := update(f.db, func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketStreams); err != nil {
			return err
		}
		now := uint64(s.o.Now().UnixNano())
		for _, kv := range [][2][]byte{{keyVersion, {fileVersion}}, {keyCreated, u64(now)}, {keySeq, u64(s.seq)}} {
			if err := meta.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		for stream, n := range s.next {
			if err := meta.Put([]byte(nextPrefix+stream), u64(n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = syncDir(s.o.Dir) // the new name survives a power cut
	}
	if err != nil {
		s.closeFile(f)
		os.Remove(path)
		return err
	}
	f.seq = s.seq
	for k, v := range s.next {
		f.next[k] = v
	}
	return s.refresh(f)
}

// refresh reads f's size from the disk, failing when the file at f's path
// is no longer the one open (the directory was removed or replaced).
func (s *Store) refresh(f *dayFile) error {
	fi, err := os.Stat(f.path(s.o.Dir))
	if err != nil {
		return err
	}
	if f.fi != nil && !os.SameFile(fi, f.fi) {
		return fmt.Errorf("%s was replaced while open", f.name)
	}
	if fi.Size() > f.size {
		s.stats.Syncs++ // bbolt grew it: truncate and fsync
	}
	f.size, f.bytes = fi.Size(), allocated(fi)
	return nil
}

// syncDir fsyncs a directory, so that names created in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// PutTail stores the live segment's tail: PutSegments of seg marked Tail.
func (s *Store) PutTail(seg Segment) error {
	seg.Tail = true
	return s.PutSegments([]Segment{seg})
}

// PutSegments writes segs in one bbolt transaction and returns after it
// committed: bbolt has written the values and fsynced the file, which is
// the acknowledgement. Each segment becomes one value (a header with its
// CRC-32C, then the data) and one info; a segment that extends the tail
// this file holds under its ID adds a value of what it grew by instead
// (docs/format.md, "Parts"). A Tail never replaces a sealed segment of
// its ID.
//
// An invalid segment fails the whole batch with ErrInvalid before anything
// is written. A failed write (no space, I/O error, read-only filesystem,
// directory removed) returns an error wrapping ErrUnavailable and the
// cause, and leaves the files as the last commit left them; the next call
// opens the directory afresh and retries.
func (s *Store) PutSegments(segs []Segment) error {
	for i := range segs {
		if err := segs[i].valid(); err != nil {
			return err
		}
	}
	if s.o.ReadOnly {
		return ErrReadOnly
	}
	// Gzipped before the lock, so that readers do not wait for it.
	zipped := s.zipSealed(segs)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if len(segs) == 0 {
		return nil
	}
	w, err := s.writer()
	if err != nil {
		s.stats.Failures++
		return err
	}
	if err := s.refresh(w); err != nil {
		return s.fail(w, err)
	}
	sealed, sealedZipped, tails := s.split(segs, zipped)
	if len(sealed) > 0 {
		if err := s.commit(w, sealed, sealedZipped); err != nil {
			return err
		}
	}
	if len(tails) > 0 {
		if err := s.putTails(tails); err != nil {
			return err
		}
	}
	if s.diskBytes() > s.o.Cap {
		s.retainReport()
	}
	return nil
}

// split sorts segs into the sealed ones, with their gzipped data, and the
// tails, leaving out a tail of a segment the store holds sealed. s.mu is
// held.
func (s *Store) split(segs []Segment, zipped [][]byte) (sealed []Segment, sealedZipped [][]byte, tails []*Segment) {
	for i := range segs {
		seg := &segs[i]
		switch e := s.index[seg.Stream][seg.ID]; {
		case !seg.Tail || s.o.legacyTails:
			sealed = append(sealed, *seg)
			sealedZipped = append(sealedZipped, zipped[i])
		case e != nil && !e.Tail:
			// sealed already: a tail never replaces it
		default:
			tails = append(tails, seg)
		}
	}
	return sealed, sealedZipped, tails
}

// commit writes sealed segments to w in one bbolt transaction. s.mu is
// held.
func (s *Store) commit(w *dayFile, segs []Segment, zipped [][]byte) error {
	b := newBatch(w, segs, zipped, s.buf, s.o.MaxParts)
	err := update(w.db, b.write)
	if cap(b.buf) <= 16<<20 {
		s.buf = b.buf[:0]
	}
	if err != nil {
		return s.fail(w, err)
	}
	s.stats.Commits++
	s.stats.Syncs += 2 // bbolt: fdatasync of the pages, then of the meta page
	if err := s.refresh(w); err != nil {
		// Committed to a file that is no longer in the directory: as good
		// as lost.
		return s.fail(w, err)
	}
	s.indexBatch(w, b)
	return nil
}

// putTails appends tails to the tail journal, and compacts it when it is
// big and mostly dead. s.mu is held.
func (s *Store) putTails(tails []*Segment) error {
	written, err := s.tails.put(tails, s.o.MaxParts, s.o.Now())
	if err != nil {
		s.stats.Failures++
		s.broken = err
		return fmt.Errorf("%w: write %s: %w", ErrUnavailable, s.tails.path, err)
	}
	s.stats.Commits++
	s.stats.Syncs++
	for i, seg := range tails {
		s.merge(&s.tails.live[seg.Stream][seg.ID].entry)
		s.stats.Puts++
		s.stats.DataBytes += uint64(written[i])
	}
	if s.tails.needsCompaction() {
		s.compactTails()
	}
	return nil
}

// compactTails rewrites the tail journal with the tails readers still
// see; what fails is reported. s.mu is held.
func (s *Store) compactTails() {
	now := s.o.Now()
	err := s.tails.compact(func(tl *tail) bool {
		return s.index[tl.Stream][tl.ID] == &tl.entry && !s.expired(&tl.entry, now)
	})
	s.reindex()
	if err != nil {
		s.report(fmt.Errorf("persist: compacting %s: %w", tailsName, err))
	}
}

// zipSealed returns the gzipped data of each segment to be stored so
// (sealed and marked Gzip), and nil for the others.
func (s *Store) zipSealed(segs []Segment) [][]byte {
	zipped := make([][]byte, len(segs))
	for i, seg := range segs {
		switch {
		case seg.Zipped:
			zipped[i] = seg.Data // gzipped in RAM: stored as it is
		case seg.Gzip && !seg.Tail:
			zipped[i] = s.zip.zip(seg.Data)
		}
	}
	return zipped
}

// putData puts a segment's data value v in db, a stream's data bucket,
// under k: as the part at from of a tail the bucket holds (from > 0);
// else whole, replacing what the bucket held, as a tail's first part or
// as a sealed segment's "v" (docs/format.md, "Parts").
func putData(db *bolt.Bucket, k []byte, tail bool, from int, v []byte) error {
	vb := db.Bucket(k)
	if from == 0 {
		if vb != nil {
			if err := db.DeleteBucket(k); err != nil {
				return err
			}
		}
		var err error
		if vb, err = db.CreateBucket(k); err != nil {
			return err
		}
	}
	if tail {
		vb.FillPercent = 1 // parts only ever go after the last one
		var err error
		if vb, err = vb.CreateBucket(partKey(from)); err != nil {
			return err
		}
	}
	return vb.Put(keyValue, v)
}

// valid checks a segment before anything is written.
func (seg *Segment) valid() error {
	switch {
	case len(seg.Stream) == 0 || len(seg.Stream) > 255:
		return fmt.Errorf("%w: stream name %q: want 1 to 255 bytes", ErrInvalid, seg.Stream)
	case len(seg.Name) > maxName:
		return fmt.Errorf("%w: %s segment %d: name of %d bytes", ErrInvalid, seg.Stream, seg.ID, len(seg.Name))
	case len(seg.Data) > MaxData || seg.Zipped && seg.Plain > MaxData:
		return fmt.Errorf("%w: %s segment %d: %d bytes is over %d", ErrInvalid, seg.Stream, seg.ID, max(int64(len(seg.Data)), seg.Plain), MaxData)
	case seg.Zipped && (seg.Tail || !seg.Gzip || seg.Plain < 0):
		return fmt.Errorf("%w: %s segment %d: gzipped data given for a tail, a stream stored plain or a negative size", ErrInvalid, seg.Stream, seg.ID)
	}
	return nil
}

// fail handles a failed write to w: the handle is closed (bbolt's file is
// as the last commit left it) and the next write scans the directory
// again. It returns err wrapped in ErrUnavailable.
func (s *Store) fail(w *dayFile, err error) error {
	s.stats.Failures++
	s.closeFile(w)
	s.broken = err
	return fmt.Errorf("%w: write %s: %w", ErrUnavailable, w.path(s.o.Dir), err)
}
