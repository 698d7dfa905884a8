package persist

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// dayName is the file writeDay fills.
const dayName = "gwlog-2030-01-01.db"

// debugSize is the size of writeDay's debug segments: 2560 lines each.
const debugSize = 160 << 10

// writeDay writes a day of segments through a store in dir, in batches a
// few minutes apart, and returns them as they were last written: twelve
// sealed debug segments of 160 KiB (2560 lines each), thirty access
// segments of 600 bytes (buckets inline in their parent's page), four
// segments of events, a gzipped debug segment, and an access tail
// flushed three times (three parts).
func writeDay(t testing.TB, dir string) map[segKey]Segment {
	t.Helper()
	clk := newClock(t0)
	s, err := Open(Options{Dir: dir, Now: clk.Now, legacyTails: true})
	require.NoError(t, err)
	want := make(map[segKey]Segment)
	put := func(segs ...Segment) {
		t.Helper()
		require.NoError(t, s.PutSegments(segs))
		for _, g := range segs {
			want[segKey{g.Stream, g.ID}] = g
		}
		clk.Add(3 * time.Minute)
	}
	for id := range uint64(12) {
		batch := []Segment{seg("debug", id, debugSize, clk.Now())}
		for k := range uint64(3) {
			if a := id*3 + k; a < 30 {
				batch = append(batch, seg("access", a, 600, clk.Now()))
			}
		}
		if id%3 == 0 {
			ev := seg("EventLog", id/3, 8<<10, clk.Now())
			ev.Events, ev.FirstSeq, ev.LastSeq = true, id*100+1, id*100+100
			batch = append(batch, ev)
		}
		put(batch...)
	}
	zipped := seg("debug", 12, 128<<10, clk.Now())
	zipped.Gzip = true
	put(zipped)
	for n := 1; n <= 3; n++ {
		tail := seg("access", 30, n*3<<10, clk.Now())
		tail.Tail = true
		put(tail)
	}
	require.NoError(t, s.Close())
	return want
}

// lineCount counts the lines of the text segments of segs.
func lineCount(segs map[segKey]Segment) (n int) {
	for _, g := range segs {
		if !g.Events {
			n += bytes.Count(g.Data, []byte{'\n'})
		}
	}
	return n
}

// noise overwrites n bytes of the file at path from off with random
// bytes of seed.
func noise(t testing.TB, path string, off, n int64, seed uint64) {
	t.Helper()
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 99))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(b, off)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// valuePages returns the first and last page of the bucket of segment id
// of stream, a sealed one too big to be inline: its root page (a leaf of
// one value) and its overflow.
func valuePages(t testing.TB, path, stream string, id uint64) (first, last int64) {
	t.Helper()
	db, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketStreams).Bucket([]byte(stream)).Bucket(bucketData).Bucket(key(id)).Root()
		require.NotZero(t, root, "not inline")
		pi, err := tx.Page(int(root))
		require.NoError(t, err)
		first, last = int64(root), int64(root)+int64(pi.OverflowCount)
		return nil
	}))
	return first, last
}

// outcome is what a store made of a damaged day: the segments that read
// back as written, those reported lost (by the salvage, or, for a file
// that passed bbolt's check, by a read), and those gone without a word.
type outcome struct {
	salvage          *SalvageError
	survived, lost   []segKey
	older            []segKey // tails read as an earlier flush left them
	unnamed          []segKey // of a stream reported damaged, not by ID
	silent           []segKey
	lines, lostLines int
}

// survey opens dir and reads back every segment of want; a segment that
// reads but differs fails the test.
func survey(t testing.TB, dir string, want map[segKey]Segment) (*Store, outcome) {
	t.Helper()
	s := open(t, Options{Dir: dir, Now: newClock(t0.Add(24 * time.Hour)).Now})
	var out outcome
	for _, err := range s.Recovered() {
		var se *SalvageError
		require.ErrorAs(t, err, &se, "every report is a salvage's: %v", err)
		require.Nil(t, out.salvage, "one damaged file")
		out.salvage = se
		assert.ErrorIs(t, err, ErrCorrupt)
	}
	reported := func(k segKey) bool {
		if out.salvage == nil {
			return false
		}
		for _, l := range out.salvage.Lost {
			if l.ID == k.id && (l.Stream == k.stream || l.Stream == "") {
				return true
			}
		}
		return false
	}
	keys := slices.SortedFunc(func(yield func(segKey) bool) {
		for k := range want {
			if !yield(k) {
				return
			}
		}
	}, func(a, b segKey) int { return cmp.Or(cmp.Compare(a.stream, b.stream), cmp.Compare(a.id, b.id)) })
	for _, k := range keys {
		g := want[k]
		n := 0
		if !g.Events {
			n = bytes.Count(g.Data, []byte{'\n'})
		}
		b, err := s.Read(k.stream, k.id)
		var ce *CorruptionError
		switch {
		case err == nil && g.Tail && len(b) < len(g.Data):
			// A tail as an earlier flush left it, when the later one is
			// gone: what it was then.
			require.Equal(t, g.Data[:len(b)], b, "%s %d reads back as flushed", k.stream, k.id)
			out.older = append(out.older, k)
			out.survived = append(out.survived, k)
			out.lines += bytes.Count(b, []byte{'\n'})
			out.lostLines += n - bytes.Count(b, []byte{'\n'})
		case err == nil:
			require.Equal(t, g.Data, b, "%s %d reads back as written", k.stream, k.id)
			infos, _ := s.Segments(k.stream)
			i := slices.IndexFunc(infos, func(in Info) bool { return in.ID == k.id })
			require.GreaterOrEqual(t, i, 0)
			in := infos[i]
			assert.Equal(t, g.Name, in.Name)
			assert.Equal(t, g.Tail, in.Tail)
			if len(b) == len(g.Data) {
				assert.Equal(t, g.Records, in.Records)
			}
			assert.Equal(t, g.Events, in.Events)
			assert.Equal(t, g.LastSeq, in.LastSeq)
			out.survived = append(out.survived, k)
			out.lines += n
		case errors.As(err, &ce), reported(k):
			out.lost = append(out.lost, k)
			out.lostLines += n
		case out.salvage != nil && slices.Contains(out.salvage.Streams, k.stream):
			out.unnamed = append(out.unnamed, k) // reported, not by ID
			out.lostLines += n
		default:
			require.ErrorIs(t, err, ErrNotFound)
			out.silent = append(out.silent, k)
			out.lostLines += n
		}
	}
	return s, out
}

// TestSalvageNoise writes a day, overwrites 64 KiB in the middle of its
// file with noise across the end of one segment's value and the start of
// the next (its page header with it, which bbolt's check sees), and
// reopens: the file is renamed aside, every other segment is salvaged
// into a fresh file of the day, and the two hit are reported, by ID, at
// the offsets of their damage.
func TestSalvageNoise(t *testing.T) {
	dir := t.TempDir()
	want := writeDay(t, dir)
	path := filepath.Join(dir, dayName)
	fi, err := os.Stat(path)
	require.NoError(t, err)

	// Two debug segments whose values lie side by side in the middle.
	var a, b uint64
	var aLast, bFirst int64
	for id := uint64(4); id < 11; id++ {
		_, last := valuePages(t, path, "debug", id)
		for next := uint64(0); next < 12; next++ {
			if first, _ := valuePages(t, path, "debug", next); first == last+1 {
				a, b, aLast, bFirst = id, next, last, first
			}
		}
		if aLast != 0 {
			break
		}
	}
	require.NotZero(t, aLast, "two values side by side")
	const ps = 4096
	off := bFirst*ps - 32<<10
	noise(t, path, off, 64<<10, 1)
	t.Logf("file of %d KiB, noise at %d..%d: end of debug %d (pages ..%d), start of debug %d (pages %d..)", fi.Size()>>10, off, off+64<<10, a, aLast, b, bFirst)

	s, got := survey(t, dir, want)
	require.NotNil(t, got.salvage, "the file failed bbolt's check, and was salvaged")
	se := got.salvage
	assert.Equal(t, []segKey{{"debug", a}, {"debug", b}}, got.lost, "the two segments hit, and no other")
	assert.Empty(t, got.silent)
	assert.Len(t, got.survived, len(want)-2)
	assert.Equal(t, len(want)-2, se.Segments)
	assert.Equal(t, 2, se.LostSegments)
	assert.Equal(t, int64(2*debugSize), se.LostBytes)
	require.Len(t, se.Lost, 2)
	for _, l := range se.Lost {
		assert.Equal(t, "debug", l.Stream)
		assert.NotEmpty(t, l.Cause)
	}
	assert.Equal(t, a, se.Lost[0].ID)
	assert.Equal(t, "data fails its checksum", se.Lost[0].Cause)
	assert.Less(t, se.Lost[0].Offset, off, "debug %d's value starts before the noise", a)
	assert.Equal(t, b, se.Lost[1].ID)
	assert.Equal(t, bFirst*ps, se.Lost[1].Offset, "debug %d: its page is where the damage is", b)
	assert.Equal(t, 1, se.Unreadable, "debug %d's value; debug %d's is not found at all", a, b)
	var ce *CorruptionError
	require.ErrorAs(t, se, &ce)
	assert.Equal(t, CorruptionError{File: dayName, Stream: "debug", ID: a, Offset: se.Lost[0].Offset, Err: ce.Err}, *ce)
	assert.Contains(t, se.Error(), fmt.Sprintf("debug %d at offset %d: data fails its checksum", a, se.Lost[0].Offset))
	assert.NotContains(t, se.Error(), "\n")
	t.Logf("%v", se)
	t.Logf("lines recovered: %d of %d (%d lost)", got.lines, lineCount(want), got.lostLines)

	// The salvage is on the record: in Stats now, and after a reopen,
	// from the fresh file's meta bucket, read-only too.
	st := s.Stats()
	assert.Equal(t, uint64(1), st.Recovered)
	require.Len(t, st.Damaged, 1)
	d := st.Damaged[0]
	assert.Equal(t, dayName, d.File)
	assert.Equal(t, dayName, d.Into)
	assert.Equal(t, se.Aside, d.Aside)
	assert.Equal(t, se.Damage.Lost, d.Lost)
	require.NoError(t, s.PutSegments([]Segment{seg("debug", 13, 10, t0.Add(24*time.Hour))}), "and the store goes on")
	assert.Equal(t, uint64(14), s.NextID("debug"))
	require.NoError(t, s.Close())

	ro, err := Open(Options{Dir: dir, ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close()
	assert.Empty(t, ro.Recovered(), "the salvaged file is whole")
	st = ro.Stats()
	require.Len(t, st.Damaged, 1)
	st.Damaged[0].At, d.At = time.Time{}, time.Time{}
	assert.Equal(t, d, st.Damaged[0], "from the record in the fresh file")
	assert.Equal(t, uint64(14), ro.NextID("debug"))
}

// TestSalvageDamages damages a day's file in the ways a disk does and
// counts what survives: every segment reads back as written or is
// reported lost, but for a file cut short or overwritten whole, where
// what no page left a trace of cannot be named.
func TestSalvageDamages(t *testing.T) {
	const ps = 4096
	const (
		passes = iota // bbolt's check passes: a read reports what is hit
		fails         // the check fails: the file is salvaged
		either        // by where the pages are, which varies with the run
	)
	tests := []struct {
		name   string
		damage func(t *testing.T, path string) // on the file written by writeDay
		check  int
		// all: every segment is accounted for, read or reported lost;
		// survive: at least so many segments read back.
		all     bool
		survive int
	}{
		{"noise inside one value", func(t *testing.T, path string) {
			first, _ := valuePages(t, path, "debug", 6)
			noise(t, path, (first+8)*ps, 64<<10, 2) // past its page header: bbolt sees nothing
		}, passes, true, 47},
		{"noise over the debug buckets", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true})
			require.NoError(t, err)
			var root uint64
			require.NoError(t, db.View(func(tx *bolt.Tx) error {
				root = uint64(tx.Bucket(bucketStreams).Bucket([]byte("debug")).Bucket(bucketData).Root())
				return nil
			}))
			require.NoError(t, db.Close())
			noise(t, path, int64(root)*ps-8<<10, 16<<10, 3)
			// What else the noise reaches depends on where bbolt placed
			// the pages, which differs by platform (29 on arm64 under
			// qemu, 30 on amd64); all still holds: nothing goes silently.
		}, fails, true, 28},
		{"noise at 40%", noiseAt(0.4, 4), either, true, 40},
		{"noise at 55%", noiseAt(0.55, 5), either, true, 40},
		{"noise at 70%", noiseAt(0.7, 6), either, true, 40},
		{"noise at 85%", noiseAt(0.85, 7), either, true, 40},
		// What is left may not say which stream a page was of.
		{"truncated to 70%", truncateUsed(0.7), fails, false, 0},
		{"truncated to 95%", truncateUsed(0.95), fails, false, 0},
		{"meta pages zeroed", zeroMeta, fails, true, 48},
		// The older of the two: bbolt reads the other (zeroing the newer
		// one undoes the last commit), but its check fails on page 1.
		{"a meta page zeroed", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			require.NoError(t, err)
			defer f.Close()
			b := make([]byte, 2*ps)
			_, err = f.ReadAt(b, 0)
			require.NoError(t, err)
			m0, ok0 := readMeta(b)
			m1, ok1 := readMeta(b[ps:])
			require.True(t, ok0 && ok1)
			older := int64(0)
			if m1.txid < m0.txid {
				older = ps
			}
			_, err = f.WriteAt(make([]byte, ps), older)
			require.NoError(t, err)
		}, either, true, 48},
		{"pure garbage", func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			require.NoError(t, err)
			noise(t, path, 0, fi.Size(), 8)
		}, fails, false, 0},
	}
	day := t.TempDir()
	want := writeDay(t, day) // once, copied for each case
	file, err := os.ReadFile(filepath.Join(day, dayName))
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, dayName), file, FileMode))
			tt.damage(t, filepath.Join(dir, dayName))
			_, got := survey(t, dir, want)
			if tt.check != either {
				assert.Equal(t, tt.check == fails, got.salvage != nil, "salvaged: %v", got.salvage)
			}
			if tt.all {
				assert.Empty(t, got.silent, "every segment is accounted for")
			}
			assert.GreaterOrEqual(t, len(got.survived), tt.survive)
			if got.salvage != nil {
				assert.Equal(t, len(got.survived), got.salvage.Segments, "what was salvaged reads")
				t.Logf("%v", got.salvage)
			}
			t.Logf("%d of %d segments read (%d tails as flushed earlier), %d reported lost by ID, %d by stream, %d gone without a trace; lines %d of %d",
				len(got.survived), len(want), len(got.older), len(got.lost), len(got.unnamed), len(got.silent), got.lines, lineCount(want))
		})
	}
}

// noiseAt overwrites 64 KiB at frac of the file with noise of seed.
func noiseAt(frac float64, seed uint64) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		noise(t, path, int64(float64(fi.Size())*frac), 64<<10, seed)
	}
}

// TestSalvageReadOnly opens a directory with a damaged file read-only:
// the file is left where it is, and the store says what a writable one
// will salvage.
func TestSalvageReadOnly(t *testing.T) {
	dir := t.TempDir()
	want := writeDay(t, dir)
	path := filepath.Join(dir, dayName)
	first, _ := valuePages(t, path, "debug", 6)
	noise(t, path, first*4096, 4096, 9)

	s, err := Open(Options{Dir: dir, ReadOnly: true})
	require.NoError(t, err)
	defer s.Close()
	rec := s.Recovered()
	require.Len(t, rec, 1)
	var se *SalvageError
	require.ErrorAs(t, rec[0], &se)
	assert.Contains(t, se.Error(), dayName+": ")
	assert.Contains(t, se.Error(), fmt.Sprintf("; skipped: %d segments (", len(want)-1))
	assert.Contains(t, se.Error(), " can be salvaged; lost 1 segment (160KiB, debug 6 at offset ")
	st := s.Stats()
	assert.Zero(t, st.Files)
	require.Len(t, st.Damaged, 1)
	d := st.Damaged[0]
	assert.Equal(t, dayName, d.File)
	assert.Empty(t, d.Aside, "left in place")
	assert.Empty(t, d.Into)
	assert.Equal(t, len(want)-1, d.Segments)
	assert.Equal(t, []LostSegment{{Stream: "debug", ID: 6, Offset: first * 4096, Cause: "data missing"}}, d.Lost)
	assert.Equal(t, []string{dayName}, files(t, dir), "nothing renamed, nothing written")
}

// TestSalvageAside: files renamed aside by an older gwlog, or whose record
// is gone, are listed as damaged, with nothing more known; what a salvage
// cut short left is removed.
func TestSalvageAside(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gwlog-2030-01-01.db.corrupt-1893456000"), []byte("old"), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gwlog-2030-01-01.db"+salvageSuffix), []byte("cut short"), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.corrupt-12"), []byte("not ours"), 0o640))
	s := open(t, Options{Dir: dir, Now: newClock(t0).Now})
	st := s.Stats()
	require.Len(t, st.Damaged, 1)
	assert.Equal(t, Damage{File: "gwlog-2030-01-01.db", Aside: "gwlog-2030-01-01.db.corrupt-1893456000", Unknown: true,
		At: time.Unix(1893456000, 0).UTC()}, st.Damaged[0])
	assert.NoFileExists(t, filepath.Join(dir, "gwlog-2030-01-01.db"+salvageSuffix))
	assert.Empty(t, s.Recovered())
}

// TestSalvageBounded feeds salvage a file built to be costly, pages full
// of elements, past what salvage keeps track of: it stops, says where,
// and holds what it promised.
func TestSalvageBounded(t *testing.T) {
	const ps = 1024
	pages := maxSalvageElements/40 + 200
	b := make([]byte, pages*ps)
	for p := 2; p < pages; p++ {
		pg := b[p*ps : (p+1)*ps]
		n := (ps - pageHeaderSize) / (elementSize + 8)
		copy(pg, []byte{byte(p), byte(p >> 8), byte(p >> 16), 0, 0, 0, 0, 0, pageLeaf, 0, byte(n), 0})
		at := pageHeaderSize + n*elementSize
		for i := range n {
			e := pg[pageHeaderSize+i*elementSize:]
			pos := at - (pageHeaderSize + i*elementSize)
			copy(e[4:], []byte{byte(pos), byte(pos >> 8), 0, 0, 8})
			copy(pg[at:], key(uint64(p*100+i)))
			at += 8
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sv := salvageFile(bytes.NewReader(b), int64(len(b)))
	runtime.ReadMemStats(&after)
	assert.NotZero(t, sv.stoppedAt)
	assert.Less(t, sv.stoppedAt, int64(len(b)))
	assert.Empty(t, sv.segs)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "allocated")
	t.Logf("stopped at %d of %d bytes, %d MiB allocated", sv.stoppedAt, len(b), (after.TotalAlloc-before.TotalAlloc)>>20)
}

// TestSalvageRecord checks the salvage record's encoding.
func TestSalvageRecord(t *testing.T) {
	d := Damage{File: dayName, Aside: dayName + ".corrupt-1", At: t0, Segments: 3, Bytes: 4, Records: 5, Streams: []string{"debug", "access"},
		LostSegments: 70, LostBytes: 7, Unreadable: 8, UnreadableBytes: 9, Unplaced: 10, UnplacedBytes: 11, StoppedAt: 12,
		Cause: "bbolt check: page 4: unreachable"}
	for i := range 70 {
		d.Lost = append(d.Lost, LostSegment{Stream: "debug", ID: uint64(i), Offset: int64(i) * 4096, Cause: "data missing"})
	}
	v := appendSalvage(nil, &d)
	got, err := decodeSalvage(v)
	require.NoError(t, err)
	want := d
	want.Lost = d.Lost[:maxLostListed]
	assert.Equal(t, want, got)
	for i := range v {
		w := bytes.Clone(v)
		w[i] ^= 0x5a
		_, err := decodeSalvage(w)
		assert.Error(t, err, "byte %d", i)
	}
}
