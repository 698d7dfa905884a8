package gwlog

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/persist"
)

// TestDiskCompress: compress = gzip stores a stream's sealed segments
// gzipped, and they read back line for line after a restart; a reload
// that turns it off applies to the segments sealed after it.
func TestDiskCompress(t *testing.T) {
	dir := t.TempDir()
	conf := diskCfg(t, dir, "compress = gzip\n")
	rt, err := Open(Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	log := rt.Logger("Gateway.Heating")
	for i := range 1000 {
		log.Info(fmt.Sprintf("line %05d zone 3 at 21.5 C", i))
	}
	_, err = rt.spill.Flush()
	require.NoError(t, err)
	body, err := os.ReadFile(conf)
	require.NoError(t, err)
	rewrite(t, conf, strings.Replace(string(body), "compress = gzip\n", "", 1))
	require.NoError(t, rt.Reload())
	for i := 1000; i < 2000; i++ {
		log.Info(fmt.Sprintf("line %05d zone 3 at 21.5 C", i))
	}
	require.NoError(t, rt.Close())

	s, err := persist.Open(persist.Options{Dir: dir, ReadOnly: true})
	require.NoError(t, err)
	infos, err := s.Segments("debug")
	require.NoError(t, err)
	st := s.Stats()
	require.NoError(t, s.Close())
	var zipped, plain int
	for i, in := range infos {
		switch {
		case in.Gzip:
			zipped++
			require.Zero(t, plain, "segment %d gzipped after the reload", i)
		case !in.Tail:
			plain++
		}
	}
	assert.Greater(t, zipped, 5, "sealed before the reload: gzipped")
	assert.Greater(t, plain, 5, "sealed after it: not")
	assert.Zero(t, st.GzipBytes, "a read-only store wrote nothing")

	rt2 := open(t, Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	var got []string
	for _, l := range rt2.Stream("debug").Tail(100000) {
		if i := strings.Index(l, "line "); i >= 0 && strings.Contains(l, "Gateway.Heating") {
			got = append(got, l[i:i+10])
		}
	}
	require.Len(t, got, 2000, "every line, once")
	for i, l := range got {
		require.Equal(t, fmt.Sprintf("line %05d", i), l, "in order")
	}
}

// TestDiskQueryReadsWhatTheRingGaveUp: an event segment the ring gives up
// while a query runs is read from the spill queue or the store, so that
// the query sees its snapshot whole.
func TestDiskQueryReadsWhatTheRingGaveUp(t *testing.T) {
	rt := open(t, Options{Configs: []string{diskCfg(t, t.TempDir(), "")}, Screen: &syncBuffer{}})
	ev := rt.Events()
	write := func(i int) {
		ev.Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/1", Attrs: []eventlog.Attr{eventlog.IntAttr("i", int64(i))}})
	}
	const n = 300
	for i := range n {
		write(i)
	}
	var seqs []uint64
	for e, err := range ev.Query(eventlog.Filter{}) {
		require.NoError(t, err)
		if seqs = append(seqs, e.Seq); len(seqs) == 1 {
			for i := range 3000 { // more than the 64 KiB ring holds
				write(n + i)
			}
		}
	}
	require.Len(t, seqs, n, "the snapshot, whole")
	for i, s := range seqs {
		require.Equal(t, uint64(i+1), s)
	}
	assert.GreaterOrEqual(t, ev.Stats().Evicted, uint64(n), "the ring gave up what the query listed: it was read from the copies")
}
