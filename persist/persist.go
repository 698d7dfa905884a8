package persist

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Defaults of a zero Options.
const (
	// DefaultCap is the disk budget: 1 GiB.
	DefaultCap = 1 << 30
	// DefaultKeep is how long segments of a stream are kept on disk.
	DefaultKeep = 14 * 24 * time.Hour
	// DefaultDebugKeep is how long segments of the "debug" stream are
	// kept on disk.
	DefaultDebugKeep = 48 * time.Hour
	// DefaultTimeout is how long Open waits for a file held by another
	// process.
	DefaultTimeout = time.Second
	// FileMode is the mode of the files the store creates.
	FileMode fs.FileMode = 0o640
)

// Options configure a Store. The zero value means the defaults, but for
// Dir, which is required.
type Options struct {
	// Dir is the directory of the store's files. Open fails with
	// ErrNoDisk unless Detect(Dir, Force) accepts it (a ReadOnly store
	// only needs the directory to exist).
	Dir string
	// Force accepts a directory on tmpfs or ramfs ("disk = PATH force").
	Force bool
	// Cap is the disk budget in bytes, counted as the blocks the files
	// take: past it, Retain deletes whole files, oldest first. Zero means
	// DefaultCap. The file being written is never deleted, so one day's
	// file may pass a budget smaller than Options.FileSize.
	Cap int64
	// FileSize is the size past which the day's file is closed and the
	// next part of the day (gwlog-YYYY-MM-DD.1.db, …) started, so that
	// the budget deletes in steps and no one file grows too big to map.
	// Zero means Cap/8, between 4 MiB and 256 MiB (64 MiB on 32-bit
	// platforms).
	FileSize int64
	// Keep maps a stream's name to how long its segments are kept, from
	// their last record. Streams not in the map keep DefaultDebugKeep for
	// "debug" and DefaultKeep for the others ("events" is the event log's
	// stream). A file is deleted when the longest keep of the streams it
	// holds has passed; segments past their own stream's keep are hidden
	// from readers before that.
	Keep map[string]time.Duration
	// ReadOnly opens the files read-only, for offline readers (gwlog
	// -store DIR): nothing is created, renamed, deleted or written, and
	// Open fails with ErrLocked, naming the file, when a daemon holds
	// one.
	ReadOnly bool
	// Timeout is how long Open waits for a file held by another process
	// (bbolt's flock) before it fails with ErrLocked. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Now is the clock: it picks the day's file and ages segments. Nil
	// means time.Now.
	Now func() time.Time

	// openFile, when set, opens bbolt's files instead of os.OpenFile: the
	// tests' way to put faults under bbolt's writes.
	openFile func(name string, flag int, perm os.FileMode) (*os.File, error)
}

// KeepFor returns how long segments of stream are kept.
func (o *Options) KeepFor(stream string) time.Duration {
	if d, ok := o.Keep[stream]; ok {
		return d
	}
	if stream == "debug" {
		return DefaultDebugKeep
	}
	return DefaultKeep
}

// withDefaults fills in o's zero fields.
func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, fmt.Errorf("%w: no directory configured", ErrNoDisk)
	}
	if o.Cap < 0 || o.FileSize < 0 || o.Timeout < 0 {
		return o, fmt.Errorf("persist: negative cap, file size or timeout")
	}
	if o.Cap == 0 {
		o.Cap = DefaultCap
	}
	if o.FileSize == 0 {
		hi := int64(256 << 20)
		if strconv.IntSize == 32 {
			hi = 64 << 20
		}
		o.FileSize = min(max(o.Cap/8, 4<<20), hi)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	keep := make(map[string]time.Duration, len(o.Keep))
	for k, v := range o.Keep {
		keep[k] = v
	}
	o.Keep = keep
	return o, nil
}

// bbolt settings. The initial map is small, so that a 32-bit board does
// not reserve address space it does not use; files grow in steps of
// allocStep rather than bbolt's 16 MiB, which filesystems without sparse
// files (FAT on a USB stick) would write out as zeros.
const (
	initialMmap = 1 << 20
	allocStep   = 4 << 20
	// maxReaders bounds the read handles of older files kept open (each
	// maps its file).
	maxReaders = 2
)

// Store keeps log segments on disk in bbolt files, one per UTC day. It is
// safe for concurrent use; calls are serialized.
type Store struct {
	o Options

	mu        sync.Mutex
	files     []*dayFile // oldest first
	w         *dayFile   // the file being written; nil when none is open
	broken    error      // the last write failure: the next write looks again
	index     map[string]map[uint64]*entry
	seq       uint64            // highest event Seq stored
	next      map[string]uint64 // next ID per stream
	recovered []error
	stats     Stats
	ioBase    uint64
	ioOK      bool
	buf       []byte // values of a batch, reused
	zip       zipper // gzips sealed segments, outside mu
	clock     uint64 // for read handles' last use
	closed    bool
}

// Open opens the store in o.Dir: it checks every file (bbolt's Tx.Check),
// renames aside those bbolt cannot open or that fail the check (see
// Recovered), reads the segments' infos, applies retention and, unless
// ReadOnly, opens (or starts) the day's file for writing, which holds
// bbolt's exclusive lock until Close.
func Open(o Options) (*Store, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.ReadOnly {
		err = checkDir(o.Dir)
	} else {
		err = Detect(o.Dir, o.Force)
	}
	if err != nil {
		return nil, err
	}
	s := &Store{o: o, next: make(map[string]uint64)}
	s.ioBase, s.ioOK = processWriteBytes()
	if err := s.scan(); err != nil {
		s.closeAll()
		return nil, err
	}
	if !o.ReadOnly {
		if _, err := s.writer(); err != nil {
			s.closeAll()
			return nil, err
		}
		if err := s.retain(); err != nil {
			s.report(err)
		}
	}
	return s, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.o.Dir }

// Close closes the files. Everything acknowledged is already on disk.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.closeAll()
}

// closeAll closes every open handle; s.mu is held or s is not shared yet.
func (s *Store) closeAll() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, s.closeFile(f))
	}
	s.w = nil
	return errors.Join(errs...)
}

// closeFile closes f's handle, if open.
func (s *Store) closeFile(f *dayFile) error {
	if f.db == nil {
		return nil
	}
	err := guarded(f.db.Close)
	f.db, f.writable = nil, false
	if f == s.w {
		s.w = nil
	}
	return err
}

// Recovered returns what the store did to recover since the last call,
// and forgets it: one error wrapping ErrCorrupt per file renamed aside
// (naming it and the new name; "skipped" when ReadOnly), found by Open or
// by a later reopening after a failure, and any retention failure. The
// runtime puts each on its error stream; the store never logs. At most
// maxReports are kept between calls (Stats.Recovered counts them all).
func (s *Store) Recovered() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.recovered
	s.recovered = nil
	return out
}

// maxReports bounds the reports kept for Recovered.
const maxReports = 64

// report keeps err for Recovered.
func (s *Store) report(err error) {
	if len(s.recovered) == maxReports {
		s.recovered = append(s.recovered[:0], s.recovered[1:]...)
	}
	s.recovered = append(s.recovered, err)
}

// boltOptions are the bbolt options of a file opened read-only or not.
func (s *Store) boltOptions(readOnly bool) *bolt.Options {
	return &bolt.Options{
		Timeout:         s.o.Timeout,
		ReadOnly:        readOnly,
		InitialMmapSize: initialMmap,
		OpenFile:        s.o.openFile,
	}
}

// open opens f's handle, read-only or for writing, and reads its size.
func (s *Store) open(f *dayFile, writable bool) error {
	path := f.path(s.o.Dir)
	db, err := openDB(path, s.boltOptions(!writable))
	if err != nil {
		if isLockTimeout(err) {
			return fmt.Errorf("%w: %s: the lock was not granted within %v (is gwlogd running?)", ErrLocked, path, s.o.Timeout)
		}
		return err
	}
	db.AllocSize = allocStep
	fi, err := os.Stat(path)
	if err != nil {
		guarded(db.Close)
		return err
	}
	f.db, f.fi, f.writable = db, fi, writable
	f.size, f.bytes = fi.Size(), allocated(fi)
	return nil
}

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
	zipped := make([][]byte, len(segs))
	for i, seg := range segs {
		if seg.Gzip && !seg.Tail {
			zipped[i] = s.zip.zip(seg.Data)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.o.ReadOnly {
		return ErrReadOnly
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
	entries := make([]*entry, len(segs))
	total := 0
	for i := range segs {
		entries[i] = &entry{Info: segs[i].info(), f: w}
		entries[i].File = w.name
		entries[i].Gzip = zipped[i] != nil
		total += headerSize + len(segs[i].Data) + infoFixed + len(segs[i].Name) + 4
	}
	// Grown as append grows, so that a tail a line longer each flush
	// does not make a new buffer each time.
	buf := slices.Grow(s.buf[:0], total)
	skipped := make([]bool, len(segs))
	written := make([]int, len(segs)) // bytes of data each put wrote
	err = update(w.db, func(tx *bolt.Tx) error {
		streams, err := tx.CreateBucketIfNotExists(bucketStreams)
		if err != nil {
			return err
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		seq, _ := readU64(meta.Get(keySeq))
		next := make(map[string]uint64)
		for i := range segs {
			seg, e := &segs[i], entries[i]
			sb, err := streams.CreateBucketIfNotExists([]byte(seg.Stream))
			if err != nil {
				return err
			}
			ib, err := sb.CreateBucketIfNotExists(bucketInfo)
			if err != nil {
				return err
			}
			db, err := sb.CreateBucketIfNotExists(bucketData)
			if err != nil {
				return err
			}
			ib.FillPercent, db.FillPercent = 0.9, 0.9 // keys mostly grow
			k := key(seg.ID)
			var old Info
			hasOld := false
			if v := ib.Get(k); v != nil && decodeInfo(v, &old) == nil {
				hasOld = true
				if seg.Tail && !old.Tail {
					skipped[i] = true
					continue
				}
			}
			start := len(buf)
			buf = appendInfo(buf, &e.Info)
			if err := ib.Put(k, buf[start:len(buf):len(buf)]); err != nil {
				return err
			}
			// A tail of a segment whose tail this file holds already
			// adds what it grew by as a further part.
			from := 0
			vb := db.Bucket(k)
			if seg.Tail && hasOld && old.Tail && old.Events == seg.Events && old.Size > 0 &&
				old.Size <= int64(len(seg.Data)) && vb != nil {
				if n, ok := storedPrefix(vb, seg.Data[:old.Size]); ok && n < maxParts {
					from = int(old.Size)
				}
			}
			stored := seg.Data[from:]
			if e.Gzip {
				stored = zipped[i]
			}
			written[i] = len(seg.Data) - from
			if from < len(seg.Data) {
				start = len(buf)
				buf = appendValue(buf, e.flags(), stored)
				if err := putData(db, k, seg.Tail, from, buf[start:len(buf):len(buf)]); err != nil {
					return fmt.Errorf("%s segment %d: %w", seg.Stream, seg.ID, err)
				}
			}
			seq = max(seq, e.LastSeq)
			next[seg.Stream] = max(next[seg.Stream], seg.ID+1)
		}
		if err := meta.Put(keySeq, u64(seq)); err != nil {
			return err
		}
		for stream, n := range next {
			k := []byte(nextPrefix + stream)
			if old, _ := readU64(meta.Get(k)); old >= n {
				continue
			}
			if err := meta.Put(k, u64(n)); err != nil {
				return err
			}
		}
		return nil
	})
	if cap(buf) <= 16<<20 {
		s.buf = buf[:0]
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
	for i, e := range entries {
		if skipped[i] {
			continue
		}
		m := w.entries[e.Stream]
		if m == nil {
			m = make(map[uint64]*entry)
			w.entries[e.Stream] = m
		}
		m[e.ID] = e
		w.seq = max(w.seq, e.LastSeq)
		w.next[e.Stream] = max(w.next[e.Stream], e.ID+1)
		s.merge(e)
		s.stats.Puts++
		s.stats.DataBytes += uint64(written[i])
		if e.Gzip {
			s.stats.GzipBytes += uint64(e.Size)
			s.stats.GzipStored += uint64(len(zipped[i]))
		}
	}
	if s.diskBytes() > s.o.Cap {
		s.retainReport()
	}
	return nil
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
	case len(seg.Data) > MaxData:
		return fmt.Errorf("%w: %s segment %d: %d bytes is over %d", ErrInvalid, seg.Stream, seg.ID, len(seg.Data), MaxData)
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

// expired reports whether e is past its stream's keep at now. A segment
// ages from its last record, but never from before the day of its file,
// so that a clock far behind does not delete what it stamped.
func (s *Store) expired(e *entry, now time.Time) bool {
	t := e.f.dayEnd()
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
