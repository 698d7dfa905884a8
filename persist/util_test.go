package persist

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// t0 is the tests' epoch: 2030-01-01T12:00Z.
var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// clock is a fake clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// open opens a store in dir and closes it when the test ends, then checks
// every store file with bbolt's Tx.Check.
func open(t testing.TB, o Options) *Store {
	t.Helper()
	s, err := Open(o)
	require.NoError(t, err)
	t.Cleanup(func() {
		s.Close()
		checkFiles(t, o.Dir)
	})
	return s
}

// checkFiles runs bbolt's Tx.Check on every store file of dir.
func checkFiles(t testing.TB, dir string) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "gwlog-*.db"))
	for _, name := range names {
		db, err := bolt.Open(name, 0, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Errorf("open %s: %v", name, err)
			continue
		}
		err = db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				t.Errorf("check %s: %v", name, err)
			}
			return nil
		})
		if err != nil {
			t.Errorf("view %s: %v", name, err)
		}
		db.Close()
	}
}

// data is the deterministic content of segment id of stream: n bytes of
// lines of 63 hex digits, each a prefix of the longer ones.
func data(stream string, id uint64, n int) []byte {
	r := rand.New(rand.NewPCG(id, uint64(len(stream))<<32|uint64(stream[0])))
	b := make([]byte, 0, n+64)
	var w [8]byte
	for len(b) < n {
		for range 4 {
			binary.LittleEndian.PutUint64(w[:], r.Uint64())
			b = hex.AppendEncode(b, w[:])
		}
		b[len(b)-1] = '\n'
	}
	return b[:n]
}

// seg is segment id of stream holding n bytes, stamped at when.
func seg(stream string, id uint64, n int, when time.Time) Segment {
	return Segment{
		Stream: stream, ID: id, Name: fmt.Sprintf("%s.log.%d", stream, id),
		First: when.Add(-time.Minute), Last: when, Records: uint64(n / 30), Data: data(stream, id, n),
	}
}

// files lists the store files of dir by base name, oldest first, and
// anything else named gwlog-* after them.
func files(t testing.TB, dir string) []string {
	t.Helper()
	fs, err := listFiles(dir)
	require.NoError(t, err)
	var out []string
	for _, f := range fs {
		out = append(out, f.name)
	}
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, de := range des {
		if _, _, ok := parseName(de.Name()); !ok && strings.HasPrefix(de.Name(), "gwlog-") {
			out = append(out, de.Name())
		}
	}
	return out
}

// ids returns the IDs of infos.
func ids(infos []Info) []uint64 {
	out := make([]uint64, 0, len(infos))
	for _, in := range infos {
		out = append(out, in.ID)
	}
	return out
}
