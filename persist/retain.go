package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Retain deletes whole files: those in which every segment is past its
// stream's keep (the longest keep of the streams a file holds decides),
// then, while the files take more than Options.Cap, the oldest. The file
// being written is never deleted. The store also retains on its own when a
// new day's file starts and when a write takes it past the budget; Retain
// is for a timer. Errors wrap ErrUnavailable.
func (s *Store) Retain() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.retain()
}

// retainReport retains and puts a failure in Recovered.
func (s *Store) retainReport() {
	if err := s.retain(); err != nil {
		s.report(err)
	}
}

// retain is Retain with s.mu held.
func (s *Store) retain() error {
	if s.o.ReadOnly {
		return nil
	}
	now := s.o.Now()
	var errs []error
	removed := false
	for _, f := range append([]*dayFile(nil), s.files...) {
		if f != s.w && s.deadline(f).Before(now) {
			errs = append(errs, s.remove(f))
			removed = true
		}
	}
	for s.diskBytes() > s.o.Cap {
		var oldest *dayFile
		for _, f := range s.files {
			if f != s.w {
				oldest = f
				break
			}
		}
		if oldest == nil {
			break
		}
		if err := s.remove(oldest); err != nil {
			errs = append(errs, err)
			break
		}
		removed = true
	}
	if removed {
		s.reindex()
	}
	if s.expireTails(now) {
		s.compactTails()
	}
	return errors.Join(errs...)
}

// expireTails forgets the journal's tails past their stream's keep, and
// reports whether there were any.
func (s *Store) expireTails(now time.Time) bool {
	gone := false
	for _, m := range s.tails.live {
		for _, tl := range m {
			if s.expired(&tl.entry, now) {
				s.tails.drop(tl.Stream, tl.ID)
				gone = true
			}
		}
	}
	return gone
}

// deadline is when f may go: when the last of its segments passes its
// stream's keep. A file that holds nothing goes when its day is over.
func (s *Store) deadline(f *dayFile) time.Time {
	d := f.dayEnd()
	for _, m := range f.entries {
		for _, e := range m {
			t := f.dayEnd()
			if e.Last.After(t) {
				t = e.Last
			}
			if t = t.Add(s.o.KeepFor(e.Stream)); t.After(d) {
				d = t
			}
		}
	}
	return d
}

// remove deletes f's file and drops it from the list. The index is
// rebuilt by the caller.
func (s *Store) remove(f *dayFile) error {
	s.closeFile(f)
	if err := os.Remove(f.path(s.o.Dir)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: delete %s: %w", ErrUnavailable, f.name, err)
	}
	for i, g := range s.files {
		if g == f {
			s.files = append(s.files[:i], s.files[i+1:]...)
			break
		}
	}
	s.stats.Deleted++
	return nil
}

// diskBytes is what the files take on disk.
func (s *Store) diskBytes() int64 {
	n := s.tails.diskBytes()
	for _, f := range s.files {
		n += f.bytes
	}
	return n
}
