package ramlog

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingArchive counts the segments read from a memArchive.
type countingArchive struct {
	*memArchive
	reads atomic.Int64
}

func (c *countingArchive) AppendArchived(dst []byte, key uint64) ([]byte, error) {
	c.reads.Add(1)
	return c.memArchive.AppendArchived(dst, key)
}

// matchLine is the i-th line of the match tests, written at start+i s.
func matchLine(i int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	return fmt.Appendf(nil, "n=%05d lvl=%d %x", i, i%5, r.Uint64()*uint64(1+i%13))
}

// lineNo reads a matchLine's number back; -1 for other lines.
func lineNo(line []byte) int {
	if !bytes.HasPrefix(line, []byte("n=")) || len(line) < 7 {
		return -1
	}
	n, err := strconv.Atoi(string(line[2:7]))
	if err != nil {
		return -1
	}
	return n
}

// TestWriteMatchingReadsTheWholeHistory compares WriteMatching with the
// lines a filter keeps of the whole history, for a plain ring, a ring
// with a disk-like archive and a compressed history before it, with time
// bounds that skip segments and counts above and below what a first pass
// keeps.
func TestWriteMatchingReadsTheWholeHistory(t *testing.T) {
	start := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	const total = 20000
	for _, setup := range []string{"ring", "archive", "compressed+archive"} {
		t.Run(setup, func(t *testing.T) {
			c := &clock{t: start}
			o := Options{Rotate: Rotation{Kind: RotateSize, Size: 16 << 10}, Keep: 7, Location: time.UTC, Now: c.now}
			if setup == "compressed+archive" {
				o.Compress, o.Keep, o.RAM = CompressGzip, 0, 96<<10
			}
			s, err := New("debug", o)
			require.NoError(t, err)
			defer s.Close()
			var arch *countingArchive
			if setup != "ring" {
				arch = &countingArchive{memArchive: archiveOf(s)}
				s.SetArchive(arch)
			}
			for i := range total {
				when := start.Add(time.Duration(i) * time.Second)
				c.set(when)
				s.WriteLine(when.UnixNano(), matchLine(i))
				if o.Compress != CompressNone && i%200 == 0 {
					settled(t, s)
				}
			}
			settled(t, s)
			all := s.AppendTail(nil, 2*total)
			for _, q := range []struct {
				name         string
				n            int
				lvl          string
				since, until int // line numbers; -1 open
			}{
				{"last 10 of a level", 10, "lvl=3", -1, -1},
				{"all of a level", total, "lvl=3", -1, -1},
				{"every line", total, "", -1, -1},
				{"a window", 1000, "lvl=1", 12000, 12500},
				{"since", 5, "", 19990, -1},
				{"until", 3, "", -1, 100},
				{"nothing", 10, "lvl=9", -1, -1},
			} {
				m := Match{Line: func(line []byte) bool {
					n := lineNo(line)
					return n >= 0 && bytes.Contains(line, []byte(q.lvl)) && (q.since < 0 || n >= q.since) && (q.until < 0 || n < q.until)
				}}
				if q.since >= 0 {
					m.Since = start.Add(time.Duration(q.since) * time.Second).UnixNano()
				}
				if q.until >= 0 {
					m.Until = start.Add(time.Duration(q.until) * time.Second).UnixNano()
				}
				var want []byte
				for line := range bytes.Lines(all) {
					if m.Line(bytes.TrimSuffix(line, newline)) {
						want = append(want, line...)
					}
				}
				at, _ := lastLines(want, nil, q.n)
				want = want[at:]
				if arch != nil {
					arch.reads.Store(0)
				}
				var got wholeLines
				n, err := s.WriteMatching(context.Background(), &got, q.n, m)
				require.NoError(t, err, q.name)
				assert.Zero(t, got.cut, "%s: every write is whole lines", q.name)
				assert.Equal(t, int64(got.Len()), n, q.name)
				assert.Equal(t, string(want), got.String(), q.name)
				if arch != nil && q.name == "since" {
					assert.Zero(t, arch.reads.Load(), "%s: the archive's segments are all older: none is read", q.name)
				}
				if arch != nil && q.name == "a window" {
					assert.Less(t, arch.reads.Load(), int64(len(arch.segs)/4), "%s: segments outside it are not read", q.name)
				}
			}
			if setup != "ring" {
				require.Greater(t, len(arch.segs), 10, "the archive holds most of the history")
			}
		})
	}
}

// TestWriteMatchingStops stops at the context's end and at the writer's
// first error.
func TestWriteMatchingStops(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 4 << 10}, Keep: 3})
	require.NoError(t, err)
	defer s.Close()
	for i := range 500 {
		s.WriteLine(int64(i+1)*1e9, matchLine(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.WriteMatching(ctx, &bytes.Buffer{}, 100, Match{})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.WriteMatching(context.Background(), failWriter{}, 100, Match{})
	assert.ErrorIs(t, err, errFail)
}

var errFail = fmt.Errorf("write failed")

// wholeLines is a bytes.Buffer that counts the writes that do not end
// a line or pass a batch (a follower's writer takes whole lines).
type wholeLines struct {
	bytes.Buffer
	cut int
}

func (w *wholeLines) Write(p []byte) (int, error) {
	if len(p) == 0 || p[len(p)-1] != '\n' || len(p) > followBatch {
		w.cut++
	}
	return w.Buffer.Write(p)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFail }

// TestFollowMatching gives the last matching lines held, then the
// matching lines written later, and no others.
func TestFollowMatching(t *testing.T) {
	s, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 4 << 10}, Keep: 3})
	require.NoError(t, err)
	defer s.Close()
	for i := range 100 {
		s.WriteLine(int64(i+1)*1e9, matchLine(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := Match{Line: func(line []byte) bool { return bytes.Contains(line, []byte("lvl=2")) }}
	next, stop := pull(s.FollowMatching(ctx, 2, m))
	defer stop()
	var got []string
	for len(got) < 4 {
		chunk, ok := next()
		require.True(t, ok)
		got = append(got, strings.Split(strings.TrimSuffix(chunk, "\n"), "\n")...)
		if len(got) == 2 {
			for i := 100; i < 110; i++ {
				s.WriteLine(int64(i+1)*1e9, matchLine(i))
			}
		}
	}
	var nums []int
	for _, l := range got {
		nums = append(nums, lineNo([]byte(l)))
	}
	assert.Equal(t, []int{92, 97, 102, 107}, nums)
}
