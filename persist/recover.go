package persist

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
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
	s.aside = s.listAside()
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
		case errors.Is(err, errUnborn):
			if !s.o.ReadOnly {
				os.Remove(f.path(s.o.Dir)) // else the next create fails on it
			}
		case errors.Is(err, ErrLocked), errors.Is(err, fs.ErrPermission):
			return err
		default:
			fresh, rerr := s.setAside(f, err)
			if rerr != nil {
				return rerr
			}
			if fresh != nil {
				kept = append(kept, fresh)
			}
		}
	}
	s.files = kept
	// The journal is read again too: after a failure the directory may
	// not be the one it was.
	tailsErr := s.openTails()
	s.reindex()
	if tailsErr != nil && !s.o.ReadOnly {
		s.compactTails() // what was read, into a fresh journal
	}
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

// setAside renames a corrupt file to NAME.corrupt-UNIXTIME, salvages
// what it can of it into a fresh file of the same name (returned, loaded;
// nil when nothing was salvaged) and says so in Recovered. A ReadOnly
// store only skips it, and counts what salvage would find. Only a failed
// rename is an error: a salvage that fails leaves the file aside, and
// says why.
func (s *Store) setAside(f *dayFile, cause error) (*dayFile, error) {
	d := Damage{File: f.name, At: s.o.Now().UTC(), Cause: oneLine(cause)}
	if s.o.ReadOnly {
		if sv, err := s.salvageFile(f.name); err != nil {
			d.Failed = oneLine(err)
		} else {
			sv.count(&d)
			sv.close()
		}
		s.noteDamage(d)
		s.report(&SalvageError{Damage: d, Err: cause})
		return nil, nil
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
		return nil, fmt.Errorf("%w: %s is corrupt (%v) and cannot be renamed aside: %w", ErrUnavailable, f.name, cause, err)
	}
	s.stats.Recovered++
	s.aside = append(s.aside, to)
	d.Aside = to
	fresh, err := s.salvage(f, &d)
	if err != nil {
		d.Into, fresh = "", nil
		d.Failed = oneLine(err)
	}
	if fresh == nil {
		s.noteDamage(d) // no file keeps its record
	}
	s.report(&SalvageError{Damage: d, Err: cause})
	return fresh, nil
}

// noteDamage keeps d for Stats.Damaged, when no file keeps its record.
func (s *Store) noteDamage(d Damage) {
	if len(s.damaged) == maxReports {
		s.damaged = append(s.damaged[:0], s.damaged[1:]...)
	}
	s.damaged = append(s.damaged, d)
}

// salvageSuffix names the file a salvage writes before it is complete,
// renamed to the damaged file's name once it is: a name no store file
// has, so that a salvage cut short leaves nothing the store reads.
const salvageSuffix = ".salvage"

// salvageBatch is the data salvage writes per transaction.
const salvageBatch = 4 << 20

// salvageFile runs salvage on the file named name in the store's
// directory.
func (s *Store) salvageFile(name string) (*salvage, error) {
	fh, err := os.Open(filepath.Join(s.o.Dir, name))
	if err != nil {
		return nil, err
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	sv := salvageFile(fh, fi.Size())
	sv.close = fh.Close
	return sv, nil
}

// salvage writes what can be read of f, renamed to d.Aside, into a fresh
// file of f's name through the store's write path (batches of segments
// as PutSegments writes them), with the salvage record and counters in
// its meta bucket, and loads it. It returns nil when nothing could be
// salvaged.
func (s *Store) salvage(f *dayFile, d *Damage) (*dayFile, error) {
	sv, err := s.salvageFile(d.Aside)
	if err != nil {
		return nil, err
	}
	defer sv.close()
	tmp := &dayFile{name: f.name + salvageSuffix, day: f.day, part: f.part,
		entries: make(map[string]map[uint64]*entry), next: make(map[string]uint64)}
	os.Remove(tmp.path(s.o.Dir)) // left by a salvage cut short
	segs, err := s.writeSalvaged(tmp, sv)
	sv.count(d)
	if err == nil && len(segs) > 0 {
		d.Into = f.name
		err = update(tmp.db, func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			if meta == nil {
				return errLayout
			}
			if err := meta.Put(keySalvage, appendSalvage(nil, d)); err != nil {
				return err
			}
			return putCounters(meta, sv.seq, sv.next)
		})
	}
	if tmp.db != nil {
		if cerr := s.closeFile(tmp); err == nil {
			err = cerr
		}
	}
	if err == nil && len(segs) > 0 {
		err = os.Rename(tmp.path(s.o.Dir), f.path(s.o.Dir))
	}
	if err != nil || len(segs) == 0 {
		os.Remove(tmp.path(s.o.Dir))
		return nil, err
	}
	if err := syncDir(s.o.Dir); err != nil {
		return nil, err
	}
	fresh := &dayFile{name: f.name, day: f.day, part: f.part}
	if err := s.loadFile(fresh); err != nil {
		return nil, fmt.Errorf("the salvaged file does not load: %w", err)
	}
	return fresh, nil
}

// writeSalvaged writes the segments sv found into tmp, created here, in
// batches of about salvageBatch bytes, and returns those written; those
// that do not read back whole (a gzip that does not unzip, say) move to
// sv.lost, and sv.segs holds those written.
func (s *Store) writeSalvaged(tmp *dayFile, sv *salvage) (_ []salvaged, err error) {
	if len(sv.segs) == 0 {
		return nil, nil
	}
	if err := s.create(tmp); err != nil {
		return nil, err
	}
	var (
		done   []salvaged
		batch  []salvaged
		segs   []Segment
		zipped [][]byte
		size   int
	)
	flush := func() error {
		if len(segs) == 0 {
			return nil
		}
		b := newBatch(tmp, segs, zipped, nil, s.o.MaxParts)
		if err := update(tmp.db, b.write); err != nil {
			return err
		}
		done = append(done, batch...)
		batch, segs, zipped, size = batch[:0], segs[:0], zipped[:0], 0
		return nil
	}
	for i := range sv.segs {
		sg := &sv.segs[i]
		data, gz, err := sv.readSalvaged(nil, sg)
		if err != nil {
			sv.lost = append(sv.lost, lostEntry{LostSegment{Stream: sg.Stream, ID: sg.ID, Offset: sg.parts[0].off, Cause: oneLine(err)}, sg.Size})
			continue
		}
		segs = append(segs, Segment{Stream: sg.Stream, ID: sg.ID, Name: sg.Name, First: sg.First, Last: sg.Last,
			Records: sg.Records, Events: sg.Events, FirstSeq: sg.FirstSeq, LastSeq: sg.LastSeq, Tail: sg.Tail,
			Gzip: gz != nil, Data: data})
		zipped = append(zipped, gz)
		batch = append(batch, *sg)
		if size += len(data); size >= salvageBatch {
			if err := flush(); err != nil {
				return done, err
			}
		}
	}
	err = flush()
	sv.segs = done
	return done, err
}

// listAside lists the files of the store's directory renamed aside
// (NAME.corrupt-UNIXTIME), and, unless ReadOnly, removes what a salvage
// cut short left.
func (s *Store) listAside() []string {
	des, err := os.ReadDir(s.o.Dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, de := range des {
		name := de.Name()
		if base, ok := strings.CutSuffix(name, salvageSuffix); ok && !s.o.ReadOnly {
			if _, _, ok := parseName(base); ok {
				os.Remove(filepath.Join(s.o.Dir, name))
			}
			continue
		}
		if base, _, ok := strings.Cut(name, ".corrupt-"); ok {
			if _, _, ok := parseName(base); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

// damages lists the damaged files the store knows of: the records of
// salvage in its files, the damage it found that no file records, and
// the files renamed aside of which nothing else is known. s.mu is held.
func (s *Store) damages() []Damage {
	var out []Damage
	seen := make(map[string]bool)
	add := func(d Damage) {
		if d.Aside != "" {
			if seen[d.Aside] {
				return
			}
			seen[d.Aside] = true
		}
		out = append(out, d)
	}
	for _, f := range s.files {
		if f.salvage != nil {
			d := *f.salvage
			d.Into = f.name
			add(d)
		}
	}
	for _, d := range s.damaged {
		add(d)
	}
	for _, name := range s.aside {
		base, at, _ := strings.Cut(name, ".corrupt-")
		d := Damage{File: base, Aside: name, Unknown: true}
		if sec, err := strconv.ParseInt(at, 10, 64); err == nil {
			d.At = time.Unix(sec, 0).UTC()
		}
		add(d)
	}
	slices.SortStableFunc(out, func(a, b Damage) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.File, b.File))
	})
	return out
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
	s.mergeTails()
}

// mergeTails puts the tail journal's tails in the index, and forgets
// those the day files hold sealed.
func (s *Store) mergeTails() {
	if s.tails == nil {
		return
	}
	for stream, m := range s.tails.live {
		for id, tl := range m {
			if e := s.index[stream][id]; e != nil && !e.Tail {
				s.tails.drop(stream, id)
				continue
			}
			s.merge(&tl.entry)
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
	switch {
	case a.Tail != b.Tail:
		return !a.Tail
	case a.t != nil || b.t != nil:
		return a.t != nil // the journal's tail is the newest
	}
	return !a.f.before(b.f)
}
