package ramlog

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memArchive keeps what a stream spills, keyed by segment ID, as a disk
// store would.
type memArchive struct {
	mu   sync.Mutex
	segs []ArchivedSegment
	data map[uint64][]byte
}

func archiveOf(s *Stream) *memArchive {
	a := &memArchive{data: make(map[uint64][]byte)}
	s.SetSpill(a.put)
	s.SetArchive(a)
	return a
}

func (a *memArchive) put(p *Spill) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.segs = append(a.segs, ArchivedSegment{Key: p.ID, Name: p.Name, First: p.First, Last: p.Last, Records: p.Records, Size: int64(p.Len())})
	a.data[p.ID] = p.AppendTo(nil)
}

func (a *memArchive) Archived(before uint64) []ArchivedSegment {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []ArchivedSegment
	for _, g := range a.segs {
		if g.Key < before {
			out = append(out, g)
		}
	}
	return out
}

func (a *memArchive) AppendArchived(dst []byte, key uint64) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.data[key]
	if !ok {
		return dst, fmt.Errorf("no segment %d", key)
	}
	return append(dst, b...), nil
}

func TestArchiveSizeRotationReadsAsOneHistory(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2})
	require.NoError(t, err)
	a := archiveOf(s)
	for i := range 95 {
		s.WriteLine(1, line(i))
	}
	require.NotEmpty(t, a.segs, "evicted segments were spilled")
	infos := s.Segments()
	var all string
	for i, si := range infos {
		want := "debug.log"
		if i > 0 {
			want += "." + itoa(i)
		}
		assert.Equal(t, want, si.Name, "names number on into the archive")
		assert.Zero(t, si.Dropped, "nothing is lost with an archive")
		b, info, ok := s.AppendFile(nil, si.Name)
		require.True(t, ok, si.Name)
		assert.Equal(t, si, info)
		assert.Equal(t, int64(len(b)), si.Size, si.Name)
		all = string(b) + all
	}
	var want strings.Builder
	for i := range 95 {
		want.Write(line(i))
	}
	assert.Equal(t, want.String(), all, "no gap, no duplicate, in order")
	tail := s.Tail(60)
	require.Len(t, tail, 60)
	assert.Equal(t, "line 0035", tail[0])
	assert.Equal(t, "line 0094", tail[59])
	assert.Len(t, s.Tail(1000), 95, "a tail past the archive's start ends there")
}

func TestArchiveTimeRotationJoinsChunksOfAFile(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	s, err := New("access", Options{Rotate: Rotation{Kind: RotateTime, Every: time.Hour}, RAM: 8 << 10, Location: time.UTC, Now: c.now})
	require.NoError(t, err)
	a := archiveOf(s)
	text := strings.Repeat("x", 90)
	for i := range 300 { // 30 KB in one hour: chunks of the live file are spilled
		s.WriteLine(c.now().UnixNano(), fmt.Appendf(nil, "%04d %s", i, text))
	}
	require.NotEmpty(t, a.segs)
	assert.Equal(t, "access.log.2026-11-21_10", a.segs[0].Name, "chunks carry their period's name")
	c.set(c.now().Add(time.Hour))
	s.WriteLine(c.now().UnixNano(), []byte("next hour"))
	infos := s.Segments()
	require.Len(t, infos, 2, "the spilled chunks join their file: %v", infos)
	assert.Equal(t, "access.log", infos[0].Name)
	assert.Equal(t, "access.log.2026-11-21_10", infos[1].Name)
	assert.Equal(t, uint64(300), infos[1].Lines)
	b, _, ok := s.AppendFile(nil, infos[1].Name)
	require.True(t, ok)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	require.Len(t, lines, 300)
	for i, l := range lines {
		require.True(t, strings.HasPrefix(l, fmt.Sprintf("%04d ", i)), "line %d: %q", i, l)
	}
}

func TestNoArchiveKeepsDropMarker(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 1})
	require.NoError(t, err)
	var spilled []uint64
	s.SetSpill(func(p *Spill) { spilled = append(spilled, p.ID) })
	for i := range 50 {
		s.WriteLine(1, line(i))
	}
	assert.Equal(t, []uint64{0, 1, 2}, spilled, "every evicted segment is offered, oldest first")
	assert.True(t, strings.HasPrefix(s.Tail(100)[0], "… 30 lines dropped"), "without an archive the loss shows")
	var walked []uint64
	live := 0
	oldest := s.Walk(4, func(p *Spill) {
		walked = append(walked, p.ID)
		if p.Live {
			live++
			assert.Equal(t, uint64(10), p.Records)
		}
	})
	assert.Equal(t, uint64(3), oldest)
	assert.Equal(t, []uint64{4}, walked)
	assert.Equal(t, 1, live)
}

func TestLongStreamNameRefused(t *testing.T) {
	_, err := New(strings.Repeat("s", 256), Options{})
	require.ErrorContains(t, err, "over 255")
	_, err = New(strings.Repeat("s", 255), Options{})
	require.NoError(t, err)
}

func TestUnreadableArchivedSegmentSaysSo(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 1})
	require.NoError(t, err)
	a := archiveOf(s)
	for i := range 50 {
		s.WriteLine(1, line(i))
	}
	a.mu.Lock()
	delete(a.data, a.segs[0].Key) // as a value whose checksum fails
	a.mu.Unlock()
	lines := s.Tail(1000)
	assert.Equal(t, "… 10 lines unreadable: no segment 0", lines[0])
	assert.Equal(t, "line 0010", lines[1])
}
