package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	// DefaultMaxParts bounds the parts of one tail.
	DefaultMaxParts = 1024
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
	// MaxParts bounds the parts of one tail (docs/format.md, "Parts"): a
	// tail flushed again once its segment has MaxParts parts is written
	// whole, so that a read stays a bounded walk. 1 writes every tail
	// whole. Zero means DefaultMaxParts.
	MaxParts int

	// legacyTails writes tails into the day files as parts, as stores
	// did before the tail journal: the tests' way to make files that
	// readers and salvage must still read.
	legacyTails bool

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
	if o.Cap < 0 || o.FileSize < 0 || o.Timeout < 0 || o.MaxParts < 0 {
		return o, fmt.Errorf("persist: negative cap, file size, timeout or parts")
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
	if o.MaxParts == 0 {
		o.MaxParts = DefaultMaxParts
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

	// mu serializes the store's calls. It is taken by the spiller's
	// flusher (under its flush lock) and by readers of archives, never
	// under a ring's lock or the spiller's state lock.
	mu        sync.Mutex
	files     []*dayFile // oldest first
	w         *dayFile   // the file being written; nil when none is open
	broken    error      // the last write failure: the next write looks again
	index     map[string]map[uint64]*entry
	seq       uint64            // highest event Seq stored
	next      map[string]uint64 // next ID per stream
	recovered []error
	damaged   []Damage // found damaged, and recorded in no file
	aside     []string // files renamed aside, in the directory
	stats     Stats
	ioBase    uint64
	ioOK      bool
	tails     *tails // the tail journal
	buf       []byte // values of a batch, reused
	zip       zipper // gzips sealed segments, outside mu
	clock     uint64 // for read handles' last use
	closed    bool
}

// Open opens the store in o.Dir: it checks every file (bbolt's Tx.Check),
// renames aside those bbolt cannot open or that fail the check and
// salvages what still reads of them into fresh files (see Recovered),
// reads the segments' infos, applies retention and, unless ReadOnly,
// opens (or starts) the day's file for writing, which holds bbolt's
// exclusive lock until Close.
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

// openTails reads the tail journal afresh. A damaged one is reported, counted,
// and (unless ReadOnly) kept beside the store as NAME.corrupt-UNIXTIME,
// copied, so that the fresh journal Open then writes does not replace it.
func (s *Store) openTails() error {
	if s.tails != nil {
		s.tails.close()
	}
	t, err := openTails(s.o.Dir, s.o.ReadOnly, s.o.Now())
	s.tails = t
	if err == nil {
		return nil
	}
	s.stats.Corrupt++
	if !s.o.ReadOnly {
		aside := fmt.Sprintf("%s.corrupt-%d", t.path, s.o.Now().Unix())
		if lerr := copyFile(t.path, aside); lerr != nil {
			err = fmt.Errorf("%w (and keeping a copy failed: %w)", err, lerr)
		} else {
			err = fmt.Errorf("%w; the journal is kept as %s", err, filepath.Base(aside))
		}
	}
	s.report(err)
	return err
}

// copyFile copies the file at from to a new file at to.
func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, FileMode)
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
	return errors.Join(s.closeAll(), s.tails.close())
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
// and forgets it: a *SalvageError (wrapping ErrCorrupt) per damaged file,
// found by Open or by a later reopening after a failure, that says where
// the file was renamed aside, what was salvaged from it into which fresh
// file, and which segments were lost, where ("skipped", and what can be
// salvaged, when ReadOnly); and any retention failure. The runtime puts
// each on its error stream, on one line; the store never logs. At most
// maxReports are kept between calls (Stats.Recovered counts them all, and
// Stats.Damaged lists the damaged files).
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
//
// The freelist stays synced with each commit, although it is one page of
// the eight a small commit writes: without it (NoFreelistSync) bbolt
// rebuilds it at open and in every Tx.Check with a walk that panics on
// its own goroutine at the first damaged page, so that a corrupt file
// would stop the process instead of being set aside and salvaged.
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
