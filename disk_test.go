package gwlog

import (
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/persist"
)

// diskCfg writes a config that spills to dir with small rings, so that a
// few thousand lines pass through the disk.
func diskCfg(t *testing.T, dir, extra string) string {
	t.Helper()
	c := fmt.Sprintf(`
[runtime]
profile = disk
disk = %s force
flush = 1s
reload = 0
event_ram = 64KiB
[stream.debug]
rotate = size 8KiB
keep = 2
%s`, dir, extra)
	path := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(path, []byte(c), 0o644))
	return path
}

func TestDiskKeepsLinesAndEventsAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	conf := diskCfg(t, dir, "")
	screen := &syncBuffer{}
	rt, err := Open(Options{Configs: []string{conf}, Screen: screen})
	require.NoError(t, err)
	assert.Contains(t, screen.String(), "spilling logs to "+dir)
	log := rt.Logger("Gateway.Heating")
	const lines, events = 3000, 500
	for i := range lines {
		log.Info(fmt.Sprintf("line %05d", i))
	}
	for i := range events {
		seq := rt.Events().Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/1", Attrs: []eventlog.Attr{eventlog.IntAttr("i", int64(i))}})
		require.Equal(t, uint64(i+1), seq)
	}
	require.Eventually(t, func() bool { return rt.Events().Stats().Blocks > 0 }, 10*time.Second, 5*time.Millisecond,
		"sealed event segments are compressed: Close spills the blocks too")
	st := rt.Stats().Disk
	require.NotNil(t, st)
	assert.True(t, st.Present)
	require.NoError(t, rt.Close())
	st = rt.Stats().Disk
	assert.NotZero(t, st.Spilled, "Close spilled")
	assert.Zero(t, st.Lost)
	require.NotNil(t, st.Store)
	assert.NotZero(t, st.Store.Commits)

	files, err := filepath.Glob(filepath.Join(dir, "gwlog-*.db"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	fi, err := os.Stat(files[0])
	require.NoError(t, err)
	assert.Equal(t, persist.FileMode, fi.Mode().Perm())

	// A new process: the history reads back from the disk.
	rt2, err := Open(Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	defer rt2.Close()
	var got []string
	for _, l := range rt2.Stream("debug").Tail(100000) {
		if i := strings.Index(l, "line "); i >= 0 && strings.Contains(l, "Gateway.Heating") {
			got = append(got, l[i:])
		}
	}
	require.Len(t, got, lines, "every line, once")
	for i, l := range got {
		require.Equal(t, fmt.Sprintf("line %05d", i), l, "in order")
	}
	infos := rt2.Stream("debug").Segments()
	require.Greater(t, len(infos), 3, "the disk's files are listed after the ring's")
	for i, si := range infos[1:] {
		assert.Equal(t, fmt.Sprintf("debug.log.%d", i+1), si.Name)
	}
	data, err := fs.ReadFile(rt2.FS(), infos[len(infos)-1].Name)
	require.NoError(t, err)
	assert.Contains(t, string(data), "line 00000", "the oldest file is on disk and read through the FS")

	var seqs []uint64
	for ev, err := range rt2.Events().Query(eventlog.Filter{TypePrefix: "webbrick/CT"}) {
		require.NoError(t, err)
		seqs = append(seqs, ev.Seq)
	}
	require.Len(t, seqs, events)
	for i, s := range seqs {
		require.Equal(t, uint64(i+1), s)
	}
	assert.Equal(t, uint64(events+1), rt2.Events().Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/1"}), "Seq goes on across the restart")
	s, err := rt2.Events().Series(eventlog.SeriesQuery{TypePrefix: "webbrick/CT", Attr: "i", Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Minute), Step: 2 * time.Hour})
	require.NoError(t, err)
	// Whole 2h steps: the hour falls in one bucket, or across two.
	require.NotEmpty(t, s.Buckets)
	require.LessOrEqual(t, len(s.Buckets), 2)
	count, most := 0, math.Inf(-1)
	for _, b := range s.Buckets {
		count += b.Count
		if b.Valid() {
			most = math.Max(most, b.Max)
		}
	}
	assert.Equal(t, events, count)
	assert.Equal(t, float64(events-1), most)
}

func TestStoreViewReadsWhatADaemonLeft(t *testing.T) {
	dir := t.TempDir()
	conf := diskCfg(t, dir, "")
	rt, err := Open(Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	for i := range 1000 {
		rt.Logger("Gateway").Warn(fmt.Sprintf("line %04d", i))
	}
	for range 10 {
		rt.Events().Write(eventlog.Event{Type: "t", Source: "s"})
	}

	_, err = OpenStore(dir)
	require.ErrorIs(t, err, persist.ErrLocked, "the running runtime holds the store")
	require.NoError(t, rt.Close())

	v, err := OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	debug := v.Stream("debug")
	require.NotNil(t, debug)
	tl := debug.Tail(11)
	require.Len(t, tl, 11)
	assert.True(t, strings.HasSuffix(tl[0], "line 0999"), tl[0])
	assert.Contains(t, tl[10], "EventLog.t s seq='10'")
	infos := debug.Segments()
	require.NotEmpty(t, infos)
	assert.Equal(t, "debug.log", infos[0].Name, "the newest stored file takes the live name")
	n := 0
	for _, err := range v.Events().Query(eventlog.Filter{}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 10, n)
	entries, err := fs.ReadDir(v.FS(), ".")
	require.NoError(t, err)
	assert.NotEmpty(t, entries)
}

func TestDiskReloadSaysWhatWaitsForARestart(t *testing.T) {
	dir := t.TempDir()
	conf := diskCfg(t, dir, "")
	rt := open(t, Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	body, err := os.ReadFile(conf)
	require.NoError(t, err)
	rewrite(t, conf, strings.Replace(string(body), "flush = 1s", "flush = 2s\ndisk_cap = 2GiB", 1))
	require.NoError(t, rt.Reload())
	assert.Contains(t, tail(rt, "debug"), "disk, disk_cap and disk_keep changes apply at the next start")
	assert.Contains(t, tail(rt, "debug"), "flush=2s")
	assert.True(t, rt.Stats().Disk.Present, "the store stays open")
}

// TestDiskUnderConcurrentWritersAndReaders runs writers and readers at
// once against a small RAM cap, so that the queue fills and flushes are
// kicked, then checks the history: every line is on disk exactly once and
// in its writer's order, or counted as lost.
func TestDiskUnderConcurrentWritersAndReaders(t *testing.T) {
	dir := t.TempDir()
	conf := diskCfg(t, dir, "[runtime]\nram_cap = 1MiB\n")
	rt, err := Open(Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	const writers, each = 4, 4000
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				rt.Stream("debug").Tail(300)
				rt.Stream("debug").Segments()
				for range rt.Events().Query(eventlog.Filter{Limit: 50, Reverse: true}) {
				}
			}
		})
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			log := rt.Logger(fmt.Sprintf("W%d", w))
			for i := range each {
				log.Info(fmt.Sprintf("n=%05d pad=%s", i, strings.Repeat("x", 100)))
				if i%100 == 0 {
					rt.Events().Write(eventlog.Event{Type: "t", Source: "s"})
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	require.NoError(t, rt.Close())
	st := rt.Stats().Disk
	written := rt.Stream("debug").Stats().Written

	v, err := OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	next := make([]int, writers)
	found := 0
	all := v.Stream("debug").Tail(1 << 20)
	for _, l := range all {
		var w, n int
		i := strings.Index(l, " W")
		if i < 0 {
			continue
		}
		_, err := fmt.Sscanf(l[i:], " W%d n=%d", &w, &n)
		require.NoError(t, err, l)
		require.GreaterOrEqual(t, n, next[w], "writer %d: a line twice or out of order: %s", w, l)
		next[w] = n + 1
		found++
	}
	t.Logf("on disk %d of %d lines; lost %d segments, %d lines; %d flushes", found, writers*each, st.Lost, st.LostLines, st.Flushes)
	assert.Equal(t, written, uint64(len(all))+st.LostBy["debug"], "every line is on disk or counted as lost")
	assert.LessOrEqual(t, writers*each-found, int(st.LostBy["debug"]))
	var seqs []uint64
	for ev, err := range v.Events().Query(eventlog.Filter{}) {
		require.NoError(t, err)
		seqs = append(seqs, ev.Seq)
	}
	for i := 1; i < len(seqs); i++ {
		require.Greater(t, seqs[i], seqs[i-1], "Seq strictly increasing")
	}
}
