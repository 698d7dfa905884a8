package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
)

// The quiet-gateway measurement (TestQuietGateway) runs only when
// BENCH_QUIET_DIR names the directory of the store, as quiet.sh does
// (which makes a fresh ext4 filesystem for it on a loop device when run
// as root, and reads the device's sectors written around the run). Its
// knobs, all optional:
//
//	BENCH_QUIET_FLUSH    the flush interval in gateway time, a Go duration;
//	                     unset: the config's default
//	BENCH_QUIET_SPAN     gateway time logged (default 30m)
//	BENCH_QUIET_SPEEDUP  how much faster than the gateway's clock the run
//	                     goes (default 15): one line every 1s/SPEEDUP and a
//	                     flush every FLUSH/SPEEDUP, so that each commit
//	                     holds what it would on the gateway
//	BENCH_QUIET_OUT      a file the result line is written to, for quiet.sh
const (
	quietLine = 90 // bytes of each line as the debug ring counts them
)

// quietFlushDefault is the runtime's flush interval when the config does
// not set one: what a runtime without a disk says it is.
func quietFlushDefault(t *testing.T) time.Duration {
	t.Helper()
	rt, err := gwlog.Open(gwlog.Options{Screen: io.Discard})
	require.NoError(t, err)
	defer rt.Close()
	return rt.Config().Runtime.Flush
}

// TestQuietGateway logs one line of quietLine bytes a second of gateway
// time at INFO into the debug stream, with the disk profile's settings
// and the store in BENCH_QUIET_DIR, from Open to Close, and prints the
// log's bytes, the store's commits and fsyncs and the process's
// write_bytes (/proc/self/io) per byte of log. quiet.sh adds the device's
// sectors written, the figure that counts for flash wear.
func TestQuietGateway(t *testing.T) {
	dir := os.Getenv("BENCH_QUIET_DIR")
	if dir == "" {
		t.Skip("set BENCH_QUIET_DIR (quiet.sh does) to run the quiet-gateway measurement")
	}
	span := envDuration(t, "BENCH_QUIET_SPAN", 30*time.Minute)
	speedup := envInt(t, "BENCH_QUIET_SPEEDUP", 15)
	require.Positive(t, speedup, "BENCH_QUIET_SPEEDUP")
	flush := envDuration(t, "BENCH_QUIET_FLUSH", 0)
	named := flush > 0
	if !named {
		flush = quietFlushDefault(t)
	}
	scale := func(d time.Duration) time.Duration { return d / time.Duration(speedup) }

	conf := fmt.Sprintf("[runtime]\nprofile = disk\ndisk = %s\nflush = %s\n", dir, scale(flush))
	confPath := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))

	rt, err := gwlog.Open(gwlog.Options{Configs: []string{confPath}, Screen: io.Discard})
	require.NoError(t, err)
	d := rt.Stats().Disk
	require.NotNil(t, d)
	require.True(t, d.Present, "the store did not open: %s", d.Reason)
	debug := rt.Stream(gwlog.Debug)
	log := rt.Logger("gw.quiet")
	// One probe line gives the bytes the format adds to a message.
	before := debug.Stats().WrittenBytes
	log.Info("probe")
	pad := quietLine - int(debug.Stats().WrittenBytes-before) + len("probe")
	require.Positive(t, pad)
	msg := strings.Repeat("x", pad-8)

	step := scale(time.Second)
	n := int(span / time.Second)
	next := time.Now()
	for i := range n {
		log.Info(fmt.Sprintf("%s%08d", msg, i))
		next = next.Add(step)
		time.Sleep(time.Until(next))
	}
	require.NoError(t, rt.Close())
	st := rt.Stats()
	var logBytes uint64
	for _, s := range st.Streams {
		logBytes += s.WrittenBytes
	}
	store := st.Disk.Store
	require.NotNil(t, store)
	require.Zero(t, st.Disk.Lost, "segments lost")

	name := "default"
	if named {
		name = "flush-" + flush.String()
	}
	line := fmt.Sprintf("quiet %s flush=%s span=%s speedup=%d log_bytes=%d commits=%d fsyncs=%d process_write_bytes=%d process_amp=%.2f\n",
		name, flush, span, speedup, logBytes, store.Commits, store.Syncs, store.ProcessWriteBytes,
		float64(store.ProcessWriteBytes)/float64(logBytes))
	fmt.Print(line)
	if out := os.Getenv("BENCH_QUIET_OUT"); out != "" {
		require.NoError(t, os.WriteFile(out, []byte(line), 0o644))
	}
}
