package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// scan reads the directory afresh: every store file is opened read-only,
// checked and indexed, and closed again; a corrupt one is renamed aside
// (or skipped when ReadOnly). On error the files and index stay as they
// were. Counters only grow, so that a disk swapped for another never
// makes IDs go back.
func (s *Store) scan() error {
	s.closeAll()
	files, err := listFiles(s.o.Dir)
	if err != nil {
		return err
	}
	// Files are checked a few at a time: Tx.Check is most of an Open's
	// work, and reads the disk.
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, scanWorkers)
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = s.loadFile(f)
		}()
	}
	wg.Wait()
	kept := make([]*dayFile, 0, len(files))
	for i, f := range files {
		switch err := errs[i]; {
		case err == nil:
			kept = append(kept, f)
		case errors.Is(err, fs.ErrNotExist):
			// deleted meanwhile
		case errors.Is(err, ErrLocked), errors.Is(err, fs.ErrPermission):
			return err
		default:
			if rerr := s.setAside(f, err); rerr != nil {
				return rerr
			}
		}
	}
	s.files = kept
	s.reindex()
	return nil
}

// scanWorkers bounds the files checked at once (each maps its file).
const scanWorkers = strconv.IntSize / 16 // 4, or 2 on 32-bit platforms

// loadFile opens f read-only, checks it, reads its infos and closes it.
func (s *Store) loadFile(f *dayFile) error {
	fi, err := os.Stat(f.path(s.o.Dir))
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		// bbolt would start it afresh; but it may have been cut to
		// nothing, which must not go unsaid.
		return errors.New("empty file")
	}
	if err := s.open(f, false); err != nil {
		return err
	}
	err = f.load(f.db, f.size)
	if cerr := guarded(f.db.Close); err == nil && cerr != nil {
		err = cerr
	}
	f.db = nil
	return err
}

// setAside renames a corrupt file to NAME.corrupt-UNIXTIME and says so in
// Recovered; a ReadOnly store only skips it.
func (s *Store) setAside(f *dayFile, cause error) error {
	if s.o.ReadOnly {
		s.report(fmt.Errorf("%w: %s: %w; skipped", ErrCorrupt, f.name, cause))
		return nil
	}
	now := s.o.Now().Unix()
	var to string
	for i := int64(0); ; i++ {
		to = f.name + ".corrupt-" + strconv.FormatInt(now+i, 10)
		if _, err := os.Lstat(filepath.Join(s.o.Dir, to)); errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err := os.Rename(f.path(s.o.Dir), filepath.Join(s.o.Dir, to)); err != nil {
		return fmt.Errorf("%w: %s is corrupt (%v) and cannot be renamed aside: %w", ErrUnavailable, f.name, cause, err)
	}
	s.report(fmt.Errorf("%w: %s: %w; renamed to %s", ErrCorrupt, f.name, cause, to))
	s.stats.Recovered++
	return nil
}

// reindex rebuilds the merged index and the counters from the files.
func (s *Store) reindex() {
	s.index = make(map[string]map[uint64]*entry)
	for _, f := range s.files {
		s.seq = max(s.seq, f.seq)
		for stream, n := range f.next {
			s.next[stream] = max(s.next[stream], n)
		}
		for _, m := range f.entries {
			for _, e := range m {
				s.merge(e)
			}
		}
	}
}

// merge puts e in the index unless what it has for e's ID is better: a
// sealed segment beats a tail, and otherwise the later file wins.
func (s *Store) merge(e *entry) {
	m := s.index[e.Stream]
	if m == nil {
		m = make(map[uint64]*entry)
		s.index[e.Stream] = m
	}
	if old := m[e.ID]; old == nil || better(e, old) {
		m[e.ID] = e
	}
	s.seq = max(s.seq, e.LastSeq)
	s.next[e.Stream] = max(s.next[e.Stream], e.ID+1)
}

// better reports whether a should be read rather than b, both of one ID.
func better(a, b *entry) bool {
	if a.Tail != b.Tail {
		return !a.Tail
	}
	return !a.f.before(b.f)
}
