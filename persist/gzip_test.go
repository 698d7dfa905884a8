package persist

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// lines is n bytes of log-like lines (times, levels, loggers and values
// that vary), which gzip shrinks about as it does a gateway's logs.
func lines(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	levels := []string{"DEBUG", "INFO", "INFO", "INFO", "WARNING", "ERROR"}
	loggers := []string{"WebBrickGateway.Heating", "WebBrickGateway.Lighting", "syslog.dnsmasq", "httpd.access", "WebBrickGateway.Events"}
	var b []byte
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "2026-11-22T05:%02d:%02d.%03dZ %s %s: zone %d at %.1f C, target %.1f C, valve %d%% seq=%d src=10.0.%d.%d\n",
			i/6000%60, i/100%60, r.IntN(1000), levels[r.IntN(len(levels))], loggers[r.IntN(len(loggers))],
			r.IntN(12), 15+r.Float64()*10, 18+float64(r.IntN(8))/2, r.IntN(101), i, r.IntN(4), r.IntN(255))
	}
	return b[:n]
}

// TestGzip: a sealed segment of a stream that asks is stored gzipped and
// reads back as it was, after a reopen too; tails, and data gzip would not
// shrink, are stored as they are.
func TestGzip(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now}
	s, err := Open(o)
	require.NoError(t, err)
	text := lines(1 << 20)
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(rand.Uint32())
	}

	tail := Segment{Stream: "debug", ID: 1, Name: "debug.log", Tail: true, Gzip: true, Data: text[:100_000]}
	require.NoError(t, s.PutSegments([]Segment{tail}))
	require.NoError(t, s.PutSegments([]Segment{
		{Stream: "debug", ID: 1, Name: "debug.log.1", Gzip: true, Data: text},
		{Stream: "debug", ID: 2, Name: "debug.log", Gzip: true, Data: noise},
		{Stream: "access", ID: 0, Name: "access.log", Data: text},
	}))
	st := s.Stats()
	assert.Equal(t, uint64(len(text)), st.GzipBytes)
	assert.Less(t, st.GzipStored, st.GzipBytes/4, "log lines shrink")
	require.NoError(t, s.Close())

	s = open(t, o)
	infos, err := s.Segments("debug")
	require.NoError(t, err)
	require.Len(t, infos, 2)
	assert.True(t, infos[0].Gzip)
	assert.False(t, infos[0].Tail)
	assert.Equal(t, int64(len(text)), infos[0].Size, "Size is the bytes unzipped")
	assert.False(t, infos[1].Gzip, "noise is stored as it is")
	for _, c := range []struct {
		stream string
		id     uint64
		want   []byte
	}{{"debug", 1, text}, {"debug", 2, noise}, {"access", 0, text}} {
		b, err := s.Read(c.stream, c.id)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(c.want, b), "%s %d", c.stream, c.id)
	}
	// Appended to what dst holds.
	b, err := s.AppendSegment([]byte("x"), "debug", 1)
	require.NoError(t, err)
	assert.Equal(t, len(text)+1, len(b))
}

// TestGzipCorrupt: gzipped data that passes the value's CRC but not gzip
// (a writer's bug, or a value made to measure) is a *CorruptionError; so
// is data that unzips to more or fewer bytes than the info says.
func TestGzipCorrupt(t *testing.T) {
	text := lines(50_000)
	zip := func(b []byte) []byte {
		var out bytes.Buffer
		w := gzip.NewWriter(&out)
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	bad := zip(text)
	bad[len(bad)-8] ^= 1 // the gzip trailer's CRC-32
	tests := []struct {
		name, want string
		data       []byte
	}{
		{"not gzip", "gzip: invalid header", []byte("plain text, not gzip")},
		{"gzip checksum", "gzip: invalid checksum", bad},
		{"longer", "more bytes than the info says", zip(append(text, '!'))},
		{"shorter", "unexpected EOF", zip(text[:40_000])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Dir: dir, Now: newClock(t0).Now}
			s, err := Open(o)
			require.NoError(t, err)
			require.NoError(t, s.PutSegments([]Segment{
				{Stream: "debug", ID: 0, Gzip: true, Data: text},
				{Stream: "debug", ID: 1, Gzip: true, Data: text},
			}))
			require.NoError(t, s.Close())
			db, err := bolt.Open(filepath.Join(dir, "gwlog-2030-01-01.db"), 0o640, nil)
			require.NoError(t, err)
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				vb := tx.Bucket(bucketStreams).Bucket([]byte("debug")).Bucket(bucketData).Bucket(key(1))
				return vb.Put(keyValue, appendValue(nil, flagGzip, tt.data))
			}))
			require.NoError(t, db.Close())

			s = open(t, o)
			_, err = s.Read("debug", 1)
			var ce *CorruptionError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, uint64(1), ce.ID)
			assert.Contains(t, ce.Error(), tt.want)
			b, err := s.Read("debug", 0)
			require.NoError(t, err, "the other segment reads")
			assert.Equal(t, text, b)
		})
	}
}

// FuzzUnzip: whatever a value holds, unzip returns exactly size bytes or
// an error, and never more than it was told to expect.
func FuzzUnzip(f *testing.F) {
	var z zipper
	f.Add(z.zip(lines(10_000)), int64(10_000))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, int64(5))
	f.Add([]byte("not gzip"), int64(-1))
	f.Fuzz(func(t *testing.T, data []byte, size int64) {
		size %= 1 << 20
		out, err := unzip([]byte("pre"), data, size)
		if err != nil {
			require.Equal(t, []byte("pre"), out)
			return
		}
		require.Equal(t, int64(len(out)-3), size)
	})
}

// TestGzipZipped: a sealed segment given already gzipped (a block of a
// ring's compressed history) is stored as it is — the value holds the
// very bytes given — and reads back unzipped, with its plain size in the
// info; one given for a tail or a stream stored plain is refused.
func TestGzipZipped(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Now: newClock(t0).Now}
	s, err := Open(o)
	require.NoError(t, err)
	text := lines(256 << 10)
	var zb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&zb, gzip.BestCompression) // not the store's BestSpeed
	require.NoError(t, err)
	_, err = zw.Write(text)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	block := zb.Bytes()

	for _, bad := range []Segment{
		{Stream: "debug", ID: 0, Name: "debug.log", Tail: true, Gzip: true, Zipped: true, Plain: int64(len(text)), Data: block},
		{Stream: "debug", ID: 0, Name: "debug.log", Zipped: true, Plain: int64(len(text)), Data: block},
		{Stream: "debug", ID: 0, Name: "debug.log", Gzip: true, Zipped: true, Plain: MaxData + 1, Data: block},
	} {
		assert.ErrorIs(t, s.PutSegments([]Segment{bad}), ErrInvalid)
	}
	require.NoError(t, s.PutSegments([]Segment{
		{Stream: "debug", ID: 0, Name: "debug.log.1", Gzip: true, Zipped: true, Plain: int64(len(text)), Data: block},
	}))
	st := s.Stats()
	assert.Equal(t, uint64(len(text)), st.GzipBytes)
	assert.Equal(t, uint64(len(block)), st.GzipStored, "stored as given, not zipped again")
	assert.Equal(t, uint64(len(text)), st.DataBytes)
	require.NoError(t, s.Close())

	// The value in the file holds the block itself.
	db, err := bolt.Open(filepath.Join(dir, fileName(dayOf(t0), 0)), FileMode, &bolt.Options{ReadOnly: true})
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketStreams).Bucket([]byte("debug")).Bucket(bucketData).Bucket(key(0)).Get(keyValue)
		require.NotNil(t, v)
		assert.True(t, bytes.Equal(block, v[headerSize:]), "the value's data is the block")
		return nil
	}))
	require.NoError(t, db.Close())

	s = open(t, o)
	infos, err := s.Segments("debug")
	require.NoError(t, err)
	require.Len(t, infos, 1)
	assert.True(t, infos[0].Gzip)
	assert.Equal(t, int64(len(text)), infos[0].Size)
	b, err := s.Read("debug", 0)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(text, b), "reads back unzipped")
}
