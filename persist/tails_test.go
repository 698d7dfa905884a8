package persist

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tailSeg is the tail of stream's segment id, its first n bytes.
func tailSeg(stream string, id uint64, n int) Segment {
	g := seg(stream, id, n, t0)
	g.Data = data(stream, id, 60_000)[:n]
	g.Tail = true
	return g
}

// TestTailJournalTornEnd: a record whose write did not finish — its last
// sectors still the reserve's zeros, or the file cut short where a
// journal had no reserve — is dropped at the next Open, which reads the
// tail as it was acknowledged before it, and the next record is written
// over it, zeroing what a shorter one would leave.
func TestTailJournalTornEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		tear func(t *testing.T, path string, end int64)
	}{
		{"zeros", func(t *testing.T, path string, end int64) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			require.NoError(t, err)
			defer f.Close()
			_, err = f.WriteAt(make([]byte, 700), end-700)
			require.NoError(t, err)
		}},
		{"cut short", func(t *testing.T, path string, end int64) {
			require.NoError(t, os.Truncate(path, end-700))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Dir: dir, Now: newClock(t0).Now}
			s := open(t, o)
			require.NoError(t, s.PutTail(tailSeg("debug", 3, 1000)))
			require.NoError(t, s.PutTail(tailSeg("debug", 3, 2500)))
			require.NoError(t, s.Close())
			path := filepath.Join(dir, tailsName)
			grown := tailSeg("debug", 3, 2500).Data[1000:]
			end := find(t, path, grown) + int64(len(grown)) + 4 // the second record's end, past its CRC
			tc.tear(t, path, end)

			s = open(t, o)
			b, err := s.Read("debug", 3)
			require.NoError(t, err)
			assert.Equal(t, tailSeg("debug", 3, 1000).Data, b, "the tail as the first record left it")
			assert.Empty(t, s.Recovered(), "a torn end is not damage")
			require.NoError(t, s.PutTail(tailSeg("debug", 3, 1100)), "a record shorter than the torn one")
			require.NoError(t, s.PutTail(tailSeg("debug", 3, 1200)))
			require.NoError(t, s.Close())

			s = open(t, o)
			defer s.Close()
			assert.Empty(t, s.Recovered(), "nothing of the torn record is left")
			b, err = s.Read("debug", 3)
			require.NoError(t, err)
			assert.Equal(t, tailSeg("debug", 3, 1200).Data, b, "written over the torn record")
		})
	}
}

// TestTailJournalDamage: a damaged record is reported with where it is,
// counted, and the journal is kept aside as it was; what was read before
// it still reads, and the fresh journal takes new tails.
func TestTailJournalDamage(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now}
	s := open(t, o)
	require.NoError(t, s.PutTail(tailSeg("access", 1, 900)))
	require.NoError(t, s.PutTail(tailSeg("debug", 7, 3000)))
	require.NoError(t, s.PutTail(tailSeg("debug", 7, 5000)))
	require.NoError(t, s.Close())
	path := filepath.Join(dir, tailsName)
	flip(t, path, find(t, path, tailSeg("debug", 7, 5000).Data[3000:4000]))

	s = open(t, o)
	rec := s.Recovered()
	require.Len(t, rec, 1)
	var ce *CorruptionError
	require.ErrorAs(t, rec[0], &ce)
	assert.Equal(t, tailsName, ce.File)
	assert.Positive(t, ce.Offset)
	assert.Contains(t, rec[0].Error(), "checksum mismatch; the ")
	assert.Contains(t, rec[0].Error(), " bytes from there are lost; the journal is kept as "+tailsName+".corrupt-")
	assert.EqualValues(t, 1, s.Stats().Corrupt)
	b, err := s.Read("access", 1)
	require.NoError(t, err)
	assert.Equal(t, tailSeg("access", 1, 900).Data, b)
	b, err = s.Read("debug", 7)
	require.NoError(t, err)
	assert.Equal(t, tailSeg("debug", 7, 3000).Data, b, "up to the damaged record")
	require.NoError(t, s.PutTail(tailSeg("debug", 7, 6000)))
	require.NoError(t, s.Close())

	names, err := filepath.Glob(filepath.Join(dir, tailsName+".corrupt-*"))
	require.NoError(t, err)
	assert.Len(t, names, 1)
	s = open(t, o)
	defer s.Close()
	assert.Empty(t, s.Recovered())
	b, err = s.Read("debug", 7)
	require.NoError(t, err)
	assert.Equal(t, tailSeg("debug", 7, 6000).Data, b)
}

// TestTailJournalSealAndCompact: a sealed segment supersedes its tail;
// once the journal is big and mostly dead it is rewritten with the live
// tails only, which read the same before and after a reopen.
func TestTailJournalSealAndCompact(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now}
	s := open(t, o)
	path := filepath.Join(dir, tailsName)
	var most int64
	for id := range uint64(200) {
		for n := 10_000; n <= 50_000; n += 10_000 {
			require.NoError(t, s.PutSegments([]Segment{tailSeg("debug", id, n), tailSeg("error", 0, int(id)*100+1)}))
		}
		sealed := tailSeg("debug", id, 50_000)
		sealed.Tail = false
		require.NoError(t, s.PutSegments([]Segment{sealed}))
		fi, err := os.Stat(path)
		require.NoError(t, err)
		most = max(most, fi.Size())
	}
	assert.LessOrEqual(t, most, int64(tailsCompactAt+200_000), "compacted as it passed the threshold")
	infos, err := s.Segments("debug")
	require.NoError(t, err)
	require.Len(t, infos, 200)
	for _, in := range infos {
		require.False(t, in.Tail)
	}
	check := func(s *Store) {
		b, err := s.Read("error", 0)
		require.NoError(t, err)
		assert.Equal(t, tailSeg("error", 0, 199*100+1).Data, b)
		b, err = s.Read("debug", 150)
		require.NoError(t, err)
		assert.Equal(t, tailSeg("debug", 150, 50_000).Data, b)
	}
	check(s)
	require.NoError(t, s.Close())
	s = open(t, o)
	defer s.Close()
	check(s)
	assert.Empty(t, s.Recovered())
}

// TestTailJournalExpires: tails past their stream's keep go, and with the
// last of them the journal file.
func TestTailJournalExpires(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	o := Options{Dir: dir, Now: clk.Now, Keep: map[string]time.Duration{"debug": time.Hour}}
	s := open(t, o)
	g := tailSeg("debug", 0, 500)
	g.Last = clk.Now()
	require.NoError(t, s.PutTail(g))
	require.NoError(t, s.Close())
	clk.Add(48 * time.Hour)
	s = open(t, o)
	defer s.Close()
	assert.Empty(t, s.Streams())
	assert.NoFileExists(t, filepath.Join(dir, tailsName))
}

// TestTailJournalReadOnly: an offline reader reads the journal, a torn
// end included, and changes nothing.
func TestTailJournalReadOnly(t *testing.T) {
	dir := t.TempDir()
	s := open(t, Options{Dir: dir, Now: newClock(t0).Now})
	require.NoError(t, s.PutTail(tailSeg("debug", 1, 2000)))
	require.NoError(t, s.Close())
	path := filepath.Join(dir, tailsName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte{tailsMagic, tailsVersion, 5})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	r := open(t, Options{Dir: dir, ReadOnly: true})
	b, err := r.Read("debug", 1)
	require.NoError(t, err)
	assert.Equal(t, tailSeg("debug", 1, 2000).Data, b)
	assert.ErrorIs(t, r.PutTail(tailSeg("debug", 1, 3000)), ErrReadOnly)
	require.NoError(t, r.Close())
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

// FuzzTailJournal reads a journal of any bytes: no panic, an error only
// of the kind a damaged journal gives, and every tail it holds reads
// back as long as its info says, or as an error.
func FuzzTailJournal(f *testing.F) {
	var good []byte // a tail, what it grew by, and a tail of another stream
	for _, r := range []struct {
		stream  string
		n, from int
	}{{"debug", 300, 0}, {"debug", 700, 300}, {"access", 100, 0}} {
		g := tailSeg(r.stream, 1, r.n)
		in := g.info()
		good = appendRecord(good, &g, &in, int64(r.from))
	}
	f.Add(good)
	f.Add(good[:len(good)-9])
	f.Add([]byte{tailsMagic, tailsVersion, 1, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add(append(bytes.Clone(good), make([]byte, 5000)...)) // the reserve
	torn := append(bytes.Clone(good), make([]byte, 5000)...)
	copy(torn[len(good)-200:], make([]byte, 200)) // the last record's last sectors unwritten
	f.Add(torn)
	f.Fuzz(func(t *testing.T, b []byte) {
		tl := &tails{live: make(map[string]map[uint64]*tail)}
		if err := tl.load(bytes.NewReader(b), int64(len(b)), t0); err != nil {
			var ce *CorruptionError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tailsName, ce.File)
		} else {
			end := min(max(tl.size, tl.torn), int64(len(b)))
			require.Zero(t, bytes.Count(b[end:], []byte{0})-len(b[end:]), "a clean end has only zeros after it")
		}
		require.LessOrEqual(t, tl.size, int64(len(b)))
		for _, m := range tl.live {
			for _, x := range m {
				got, err := readTail(bytes.NewReader(b), nil, x)
				if err == nil {
					require.Len(t, got, int(x.Size))
				}
			}
		}
	})
}
