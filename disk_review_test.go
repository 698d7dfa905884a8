package gwlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/persist"
)

// TestDiskBackLineWhileLogging: the line that says a failed disk is back
// is logged after the spiller's lock is released; logged under it, a ring
// evicting into the spiller at that moment would wait for ever.
func TestDiskBackLineWhileLogging(t *testing.T) {
	dir := t.TempDir()
	rt := open(t, Options{Configs: []string{diskCfg(t, dir, "")}, Screen: &syncBuffer{}})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			rt.Logger("busy").Info("line", "i", i)
		}
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			rt.spill.mu.Lock()
			rt.spill.failing = true
			rt.spill.mu.Unlock()
			_, err := rt.spill.flushOnce()
			assert.NoError(t, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("flushes and logging deadlocked")
	}
	close(stop)
	wg.Wait()
	// The line itself, checked once the writer is quiet: under load the
	// lines logged between the last flush and the stop may push it out of
	// the last thousand.
	rt.spill.mu.Lock()
	rt.spill.failing = true
	rt.spill.mu.Unlock()
	_, err := rt.spill.flushOnce()
	require.NoError(t, err)
	assert.Contains(t, tail(rt, "debug"), "is back: spilling logs again")
}

// TestDiskBigLiveTailDoesNotSpin: a live segment bigger than the copies'
// room is written alone, once, rather than retried at once for ever.
func TestDiskBigLiveTailDoesNotSpin(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(conf, []byte("[runtime]\nprofile = disk\ndisk = "+dir+" force\nflush = 1s\nreload = 0\nram_cap = 20MiB\n[stream.debug]\nrotate = size 8MiB\nkeep = 1\n"), 0o644))
	rt := open(t, Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	pad := strings.Repeat("x", 1000)
	for i := range 6000 { // about 6 MB into the live segment
		rt.Logger("big").Info(pad, "i", i)
	}
	var before, after syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &before))
	time.Sleep(2500 * time.Millisecond) // two timed flushes
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &after))
	cpu := time.Duration(syscall.TimevalToNsec(after.Utime) + syscall.TimevalToNsec(after.Stime) -
		syscall.TimevalToNsec(before.Utime) - syscall.TimevalToNsec(before.Stime))
	assert.Less(t, cpu, time.Second, "an idle runtime does not spin")
	st := rt.Stats().Disk
	assert.NotZero(t, st.Flushes, "the big tail was written")
	assert.Zero(t, st.Lost)
}

// loseDisk makes rt's disk fail as a failed flush does: between flushes,
// so that none in flight commits after it and says the disk is back.
func loseDisk(rt *Runtime) {
	rt.spill.fmu.Lock()
	defer rt.spill.fmu.Unlock()
	rt.spill.lose(fmt.Errorf("%w: a test", persist.ErrUnavailable))
}

// TestDiskFailedAndBackKeepsOneCopy: after a failure and a reopen of the
// same store, the live segment's tail written before is replaced by its
// sealed segment, not kept beside it under another ID.
func TestDiskFailedAndBackKeepsOneCopy(t *testing.T) {
	dir := t.TempDir()
	rt := open(t, Options{Configs: []string{diskCfg(t, dir, "")}, Screen: &syncBuffer{}})
	for i := range 10 {
		rt.Logger("a").Warn(fmt.Sprintf("n=%02d", i))
	}
	_, err := rt.spill.flushOnce() // the live segment's tail
	require.NoError(t, err)
	loseDisk(rt)
	require.True(t, rt.spill.open())
	rt.spill.attachArchives()
	_, err = rt.spill.flushOnce()
	require.NoError(t, err)
	require.NoError(t, rt.Close())

	v, err := OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	seen := make(map[string]int)
	for _, l := range v.Stream("debug").Tail(1000) {
		if i := strings.Index(l, "n="); i >= 0 {
			seen[l[i:]]++
		}
	}
	require.Len(t, seen, 10)
	for k, n := range seen {
		assert.Equal(t, 1, n, "%s stored once", k)
	}
}

// TestDiskStreamNamedEvents: a stream may be called "events": its lines
// and the event log's records are stored apart.
func TestDiskStreamNamedEvents(t *testing.T) {
	dir := t.TempDir()
	conf := diskCfg(t, dir, "[stream.events]\n[logger.Audit]\nstreams = events\n")
	rt, err := Open(Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	for i := range 50 {
		rt.Logger("Audit").Warn(fmt.Sprintf("audit %d", i))
		rt.Events().Write(eventlog.Event{Type: "t", Source: "s"})
	}
	require.NoError(t, rt.Close())
	v, err := OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	require.NotNil(t, v.Stream("events"))
	assert.Len(t, v.Stream("events").Tail(1000), 50)
	n := 0
	for _, err := range v.Events().Query(eventlog.Filter{}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 50, n)
}

// TestDiskAppearingWithHistory: a disk that appears while the runtime
// runs, holding an earlier history, is read with it: its events, the
// ring's (spilled to it) and the new ones, none hidden, none twice; new
// events go on after the disk's highest Seq.
func TestDiskAppearingWithHistory(t *testing.T) {
	fastDetect(t, 200*time.Millisecond)
	dir := filepath.Join(t.TempDir(), "disk")
	require.NoError(t, os.Mkdir(dir, 0o755))
	conf := diskCfg(t, dir, "")
	rt, err := Open(Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	for range 50 {
		rt.Events().Write(eventlog.Event{Type: "a", Source: "s"})
	}
	require.NoError(t, rt.Close())

	require.NoError(t, os.Rename(dir, dir+".away"))
	rt = open(t, Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	require.False(t, rt.Stats().Disk.Present)
	for range 30 {
		rt.Events().Write(eventlog.Event{Type: "b", Source: "s"})
	}
	require.NoError(t, os.Rename(dir+".away", dir))
	require.Eventually(t, func() bool { return rt.Stats().Disk.Present }, 10*time.Second, 20*time.Millisecond)
	for range 10 {
		rt.Events().Write(eventlog.Event{Type: "c", Source: "s"})
	}
	count := map[string]int{}
	var last []uint64
	for ev, err := range rt.Events().Query(eventlog.Filter{}) {
		require.NoError(t, err)
		count[ev.Type]++
		if ev.Type == "c" {
			last = append(last, ev.Seq)
		}
	}
	assert.Equal(t, map[string]int{"a": 50, "b": 30, "c": 10}, count)
	require.Len(t, last, 10)
	assert.Equal(t, uint64(51), last[0], "new events go on after the disk's Seq")
}

// TestDiskLossIsSaidInTheHistory: lines the ring gave up while the disk
// was away are counted, and said, with the count, by a line in the
// history at the point where they are missing, once the disk is back.
func TestDiskLossIsSaidInTheHistory(t *testing.T) {
	dir := t.TempDir()
	rt := open(t, Options{Configs: []string{diskCfg(t, dir, "")}, Screen: &syncBuffer{}})
	log := rt.Logger("Away")
	pad := strings.Repeat("x", 200)
	for i := range 100 {
		log.Info(fmt.Sprintf("before %03d %s", i, pad))
	}
	_, err := rt.spill.flushOnce()
	require.NoError(t, err)
	loseDisk(rt)
	for i := range 500 { // more than the 24 KiB debug ring holds
		log.Info(fmt.Sprintf("away %03d %s", i, pad))
	}
	lost := rt.Stats().Disk.LostBy["debug"]
	require.NotZero(t, lost, "the ring gave up lines while the disk was away")
	require.True(t, rt.spill.open())
	rt.spill.attachArchives()
	_, err = rt.spill.flushOnce()
	require.NoError(t, err)
	for i := range 10 {
		log.Info(fmt.Sprintf("after %03d", i))
	}
	require.NoError(t, rt.Close())
	d := rt.Stats().Disk
	require.Equal(t, lost, d.LostBy["debug"], "nothing lost after the disk was back")

	v, err := OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	history := strings.Join(v.Stream("debug").Tail(100000), "\n")
	said := fmt.Sprintf("gwlog: %d lines and events were lost before they reached the disk (debug %d", d.LostLines, lost)
	require.Contains(t, history, said)
	assert.Contains(t, history, "): the disk was away")
	assert.Less(t, strings.Index(history, "is back: spilling logs again"), strings.Index(history, said), "after the return")
	assert.Less(t, strings.Index(history, said), strings.Index(history, "after 000"), "before what came after")
	assert.Equal(t, 1, strings.Count(history, "were lost before they reached the disk"), "said once")
}

// TestDiskLossSaidAtMostOnceAMinute: under overload the loss line would
// come with every kicked flush; it comes at most once a minute, with the
// counts since, by cause when there were several.
func TestDiskLossSaidAtMostOnceAMinute(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	rt := open(t, Options{Configs: []string{diskCfg(t, t.TempDir(), "")}, Screen: &syncBuffer{}, Now: clock})
	sp := rt.spill
	count := func(n uint64, why string) {
		sp.mu.Lock()
		sp.lostLocked("debug", n, why)
		sp.mu.Unlock()
	}
	flush := func() {
		_, err := sp.flushOnce()
		require.NoError(t, err)
	}
	// Counted before each flush that may say them, so that the timer's
	// flushes meanwhile (flush = 1s) can only say the same.
	lose := func(n uint64, why string) {
		count(n, why)
		flush()
	}
	said := func() []string {
		var out []string
		for _, l := range rt.Stream("debug").Tail(1000) {
			if i := strings.Index(l, "gwlog: "); i >= 0 && strings.Contains(l, "were lost before") {
				out = append(out, l[i:])
			}
		}
		return out
	}
	lose(10, "the spill queue was full")
	require.Equal(t, []string{"gwlog: 10 lines and events were lost before they reached the disk (debug 10): the spill queue was full"}, said())
	lose(20, "the spill queue was full")
	lose(5, "the disk was away")
	assert.Len(t, said(), 1, "not again within the minute")
	count(1, "the disk was away")
	mu.Lock()
	now = now.Add(lossEvery)
	mu.Unlock()
	flush()
	assert.Equal(t, "gwlog: 26 lines and events were lost before they reached the disk (debug 26): the disk was away (6); the spill queue was full (20)", said()[1])
}
