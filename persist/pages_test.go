package persist

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallCommit is what one commit of a small tail costs: bbolt's page
// writes (a run of contiguous pages counts once) and the bytes the
// process had the kernel write (/proc/self/io), in pages of the file,
// less the journal's reserve of zeros (reserve: written ahead, 256 KiB at
// a time, once per byte the journal takes).
type smallCommit struct {
	writes, pages, reserve float64
}

// measureSmallCommits fills a store as a gateway's day would (three
// streams with sealed history, the debug stream's segments of 64 KiB),
// then flushes the debug stream's live tail n times, 30 lines of 90
// bytes more each time — a quiet gateway's 30 s flush — and returns the
// mean cost of one of those commits.
func measureSmallCommits(t *testing.T, n int, legacy bool) smallCommit {
	t.Helper()
	s := open(t, Options{Dir: t.TempDir(), Now: newClock(t0).Now, legacyTails: legacy})
	seg := make([]byte, 64<<10)
	for i := range seg {
		seg[i] = byte('a' + i%26)
	}
	for i := range 8 {
		var segs []Segment
		for _, stream := range []string{"debug", "error", "access"} {
			segs = append(segs, Segment{Stream: stream, ID: uint64(i), Name: stream + ".log", Records: 100, Data: seg})
		}
		require.NoError(t, s.PutSegments(segs))
	}
	line := fmt.Appendf(nil, "%-89s\n", "2026-12-05 07:18:02,123 INFO gw.quiet valve opened zone=3")
	var data []byte
	wb0, ok := processWriteBytes()
	st0 := s.w.db.Stats()
	writes0 := st0.TxStats.GetWrite()
	for range n {
		for range 30 {
			data = append(data, line...)
		}
		g := Segment{Stream: "debug", ID: 8, Name: "debug.log", Records: uint64(len(data) / len(line)), Tail: true, Data: data}
		require.NoError(t, s.PutSegments([]Segment{g}))
	}
	var c smallCommit
	st := s.w.db.Stats()
	c.writes = float64(st.TxStats.GetWrite()-writes0) / float64(n)
	page := float64(s.w.db.Info().PageSize)
	if s.tails != nil {
		c.reserve = float64(s.tails.zeroed) / page / float64(n)
	}
	if wb, ok2 := processWriteBytes(); ok && ok2 {
		c.pages = float64(wb-wb0)/page/float64(n) - c.reserve
	}
	return c
}

// TestSmallCommitPages bounds what a commit of a small tail writes: a
// record appended to the tail journal, one or two pages of the file and
// no bbolt page, where the day files' parts (as stores wrote tails before
// the journal) cost 8 page writes, about 11 pages: the tail's new part,
// the leaf pages on the path from the root to it and to its info, the
// freelist and the meta page.
func TestSmallCommitPages(t *testing.T) {
	old := measureSmallCommits(t, 20, true)
	c := measureSmallCommits(t, 20, false)
	t.Logf("a small commit: %.1f pages written (%.1f bbolt page writes), and %.1f of the journal's reserve; in the day files' parts, %.1f (%.1f)",
		c.pages, c.writes, c.reserve, old.pages, old.writes)
	assert.Zero(t, c.writes, "no bbolt page for a tail")
	assert.LessOrEqual(t, old.writes, 8.0, "page writes per small commit in parts")
	if c.pages > 0 {
		assert.LessOrEqual(t, c.pages, 2.0, "pages the process wrote per small commit")
		assert.Less(t, c.pages*4, old.pages, "a quarter of what parts cost, at most")
	}
}
