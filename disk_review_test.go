package gwlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
)

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
	// The timed flush that writes the big tail is work, not spin.
	require.Eventually(t, func() bool { return rt.Stats().Disk.Spilled >= 6000*1000 }, 20*time.Second, 10*time.Millisecond, "the big tail was written")
	time.Sleep(100 * time.Millisecond) // its commit's own bookkeeping
	written := rt.Stats().Disk.Spilled
	var before, after syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &before))
	time.Sleep(2500 * time.Millisecond) // two more timed flushes
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &after))
	cpu := time.Duration(syscall.TimevalToNsec(after.Utime) + syscall.TimevalToNsec(after.Stime) -
		syscall.TimevalToNsec(before.Utime) - syscall.TimevalToNsec(before.Stime))
	assert.Less(t, cpu, time.Second, "an idle runtime does not spin")
	st := rt.Stats().Disk
	assert.Equal(t, written, st.Spilled, "the unchanged tail is not written again")
	assert.Zero(t, st.Lost)
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
	rt = open(t, Options{Configs: []string{conf}, Screen: &syncBuffer{}, DiskRetry: 200 * time.Millisecond})
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
