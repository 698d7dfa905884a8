package persist

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket and key names of a store file (docs/format.md, "Store").
var (
	bucketMeta    = []byte("meta")
	bucketStreams = []byte("streams")
	bucketInfo    = []byte("info")
	bucketData    = []byte("data")
	keyVersion    = []byte("version")
	keyCreated    = []byte("created")
	keySeq        = []byte("seq")
	keyValue      = []byte("v")
	nextPrefix    = "next/"
)

// fileVersion is the layout version in the meta bucket.
const fileVersion = 1

// dayFile is one bbolt file of the store: gwlog-YYYY-MM-DD.db, or
// gwlog-YYYY-MM-DD.N.db for the further parts of a day that outgrew
// Options.FileSize.
type dayFile struct {
	name  string    // base name
	day   time.Time // UTC midnight of the day it was started
	part  int
	bytes int64 // allocated on disk
	size  int64 // file size, to see bbolt grow it

	entries map[string]map[uint64]*entry // stream → id → what the file holds
	bad     []*CorruptionError           // info values that did not decode
	seq     uint64                       // meta: highest event Seq
	next    map[string]uint64            // meta: next ID per stream
	salvage *Damage                      // meta: the salvage that wrote the file, or nil

	db       *bolt.DB // open handle or nil
	fi       os.FileInfo
	writable bool
	used     uint64 // last use, for closing idle read handles
}

// entry is a segment the store holds: its Info and the file it is in.
type entry struct {
	Info
	f *dayFile // the day file holding it, or nil
	t *tail    // the tail journal's record of it, or nil
}

// before orders files: by day, then part.
func (f *dayFile) before(g *dayFile) bool {
	if !f.day.Equal(g.day) {
		return f.day.Before(g.day)
	}
	return f.part < g.part
}

// dayEnd is the end of the file's day.
func (f *dayFile) dayEnd() time.Time { return f.day.Add(24 * time.Hour) }

// fileName names the file of day's part.
func fileName(day time.Time, part int) string {
	name := "gwlog-" + day.UTC().Format(time.DateOnly)
	if part > 0 {
		name += "." + strconv.Itoa(part)
	}
	return name + ".db"
}

// parseName parses a store file's name; ok is false for any other file
// (those renamed aside included).
func parseName(name string) (day time.Time, part int, ok bool) {
	rest, found := strings.CutPrefix(name, "gwlog-")
	if !found {
		return day, 0, false
	}
	rest, found = strings.CutSuffix(rest, ".db")
	if !found || len(rest) < len(time.DateOnly) {
		return day, 0, false
	}
	day, err := time.ParseInLocation(time.DateOnly, rest[:len(time.DateOnly)], time.UTC)
	if err != nil {
		return day, 0, false
	}
	rest = rest[len(time.DateOnly):]
	if rest == "" {
		return day, 0, true
	}
	if rest[0] != '.' || len(rest) == 1 || rest[1] == '0' || rest[1] == '+' {
		return day, 0, false
	}
	part, err = strconv.Atoi(rest[1:])
	if err != nil || part <= 0 {
		return day, 0, false
	}
	return day, part, true
}

// dayOf is the UTC midnight starting t's day.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// listFiles returns the store files of dir, oldest first.
func listFiles(dir string) ([]*dayFile, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*dayFile
	for _, de := range des {
		day, part, ok := parseName(de.Name())
		if !ok || !de.Type().IsRegular() {
			continue
		}
		out = append(out, &dayFile{name: de.Name(), day: day, part: part})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].before(out[j]) })
	return out, nil
}

// errLayout is the cause of a file whose buckets are not the store's.
var errLayout = errors.New("not a gwlog store file")

// errUnborn is the cause of a file bbolt made that no commit ever wrote:
// the process died between create's open and its first transaction. It
// holds nothing, and is removed.
var errUnborn = errors.New("created but never written")

// errTruncated is the cause of a file shorter than its meta page says.
var errTruncated = errors.New("file is shorter than its data (truncated)")

// load reads f's meta and infos from db and checks the file: bbolt's
// Tx.Check, and that the file holds every page its meta page counts. A
// corrupt info value is kept in f.bad; anything else wrong makes the whole
// file corrupt (a non-nil error).
func (f *dayFile) load(db *bolt.DB, size int64) error {
	f.entries = make(map[string]map[uint64]*entry)
	f.next = make(map[string]uint64)
	f.bad, f.salvage = nil, nil
	return view(db, func(tx *bolt.Tx) error {
		if tx.Size() > size {
			return fmt.Errorf("%w: %d bytes of %d", errTruncated, size, tx.Size())
		}
		var errs []error
		for err := range tx.Check() { // drained whole: the check reads this transaction
			if len(errs) < 4 {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("bbolt check: %w", errors.Join(errs...))
		}
		meta, streams := tx.Bucket(bucketMeta), tx.Bucket(bucketStreams)
		if k, _ := tx.Cursor().First(); k == nil {
			return errUnborn // no bucket at all
		}
		if meta == nil || streams == nil {
			return errLayout
		}
		if v := meta.Get(keyVersion); len(v) != 1 || v[0] != fileVersion {
			return fmt.Errorf("%w: layout version %x", errLayout, v)
		}
		f.seq, _ = readU64(meta.Get(keySeq))
		if v := meta.Get(keySalvage); v != nil {
			if d, err := decodeSalvage(v); err == nil {
				f.salvage = &d
			}
		}
		c := meta.Cursor()
		for k, v := c.Seek([]byte(nextPrefix)); k != nil && strings.HasPrefix(string(k), nextPrefix); k, v = c.Next() {
			if n, ok := readU64(v); ok {
				f.next[string(k[len(nextPrefix):])] = n
			}
		}
		return streams.ForEachBucket(func(name []byte) error {
			stream := string(name)
			info := streams.Bucket(name).Bucket(bucketInfo)
			if info == nil {
				return nil
			}
			m := make(map[uint64]*entry)
			f.entries[stream] = m
			return info.ForEach(func(k, v []byte) error {
				id, ok := readU64(k)
				e := &entry{Info: Info{Stream: stream, ID: id, File: f.name}, f: f}
				var err error
				if !ok {
					err = errors.New("bad key")
				} else {
					err = decodeInfo(v, &e.Info)
				}
				if err != nil {
					f.bad = append(f.bad, &CorruptionError{File: f.name, Stream: stream, ID: id, Err: fmt.Errorf("info: %w", err)})
					return nil
				}
				m[id] = e
				return nil
			})
		})
	})
}

// isLockTimeout reports whether err is bbolt's lock timeout.
func isLockTimeout(err error) bool { return errors.Is(err, berrors.ErrTimeout) }

// path is f's path in dir.
func (f *dayFile) path(dir string) string { return filepath.Join(dir, f.name) }
