package gwlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// The fault tests log numbered lines, "<prefix> <n>", through one logger
// and look for them in RAM and in the store afterwards.

// maxLogCall is the longest one logging call may take in the fault tests:
// far more than a ring write costs, far less than a disk that hangs would
// make it. Under the race detector, on a busy 2-core machine, a call that
// meets a GC cycle has been seen to take 320 ms: a second there.
var maxLogCall = map[bool]time.Duration{false: 250 * time.Millisecond, true: time.Second}[raceEnabled]

// faultLine is the message of line n of prefix.
func faultLine(prefix string, n int) string { return fmt.Sprintf("%s %05d", prefix, n) }

// logNumbered logs lines from to to-1 of prefix and checks that no call
// blocks.
func logNumbered(t *testing.T, log *levels.Logger, prefix string, from, to int) {
	t.Helper()
	var worst time.Duration
	for n := from; n < to; n++ {
		start := time.Now()
		log.Info(faultLine(prefix, n))
		worst = max(worst, time.Since(start))
	}
	assert.Less(t, worst, maxLogCall, "logging %s lines never blocks", prefix)
}

// logNumberedFor logs lines of prefix from n on, a few every 50 ms, for d, and
// returns the next n.
func logNumberedFor(t *testing.T, log *levels.Logger, prefix string, n int, d time.Duration) int {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); n += 20 {
		logNumbered(t, log, prefix, n, n+20)
		time.Sleep(50 * time.Millisecond)
	}
	return n
}

// ackLines logs lines 0 to n-1 of prefix and returns once a flush that
// began after them committed: two more flushes counted after they were
// written, as flushes are serial. A flush with nothing to write is not
// counted, so "tick" lines keep the flushes coming meanwhile.
func ackLines(t *testing.T, rt *Runtime, log *levels.Logger, prefix string, n int) {
	t.Helper()
	logNumbered(t, log, prefix, 0, n)
	f0 := rt.Stats().Disk.Flushes
	for i, end := 0, time.Now().Add(10*time.Second); ; i++ {
		d := rt.Stats().Disk
		require.True(t, d.Present, "the disk is present: %s", d.Reason)
		if d.Flushes >= f0+2 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("waited 10s for two flushes after the %s lines: %+v\nerror stream: %q", prefix, *d, rt.Stream(Error).Tail(20))
		}
		log.Info(faultLine("tick", i))
		time.Sleep(50 * time.Millisecond)
	}
}

// fastRetry is Options.DiskRetry for the tests that take a disk away:
// it is looked for again every half second instead of every 30 s.
const fastRetry = 500 * time.Millisecond

// waitDisk polls cond every 20 ms until it holds, failing the test after
// timeout.
func waitDisk(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(timeout); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
	}
}

// errorLinesAbout returns the lines of the error stream that name dir.
func errorLinesAbout(rt *Runtime, dir string) []string {
	var out []string
	for _, l := range rt.Stream(Error).Tail(100000) {
		if strings.Contains(l, dir) {
			out = append(out, l)
		}
	}
	return out
}

// screenLinesAbout returns the console's lines that name dir and say
// what.
func screenLinesAbout(screen *syncBuffer, dir, what string) []string {
	var out []string
	for _, l := range strings.Split(screen.String(), "\n") {
		if strings.Contains(l, dir) && strings.Contains(l, what) {
			out = append(out, l)
		}
	}
	return out
}

// ringHolds reports whether the debug ring (not the store) holds line n of
// prefix.
func ringHolds(rt *Runtime, prefix string, n int) bool {
	want := []byte(faultLine(prefix, n) + "\n")
	found := false
	rt.Stream(Debug).Walk(0, func(p *ramlog.Spill) {
		found = found || bytes.Contains(p.AppendTo(nil), want)
	})
	return found
}

// storedLines counts, by prefix and number, the numbered lines of the
// store in dir (read-only, as gwlog -store does), after checking that
// every file passes bbolt's check.
func storedLines(t *testing.T, dir string) map[string]map[int]int {
	t.Helper()
	st, err := persist.Open(persist.Options{Dir: dir, ReadOnly: true})
	require.NoError(t, err)
	assert.Empty(t, st.Recovered(), "every store file passes the check")
	require.NoError(t, st.Close())
	v, err := OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	out := make(map[string]map[int]int)
	debug := v.Stream(Debug)
	if debug == nil {
		return out
	}
	for _, l := range debug.Tail(1 << 30) {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		n, err := strconv.Atoi(f[len(f)-1])
		if err != nil || len(f[len(f)-1]) != 5 {
			continue
		}
		p := f[len(f)-2]
		if out[p] == nil {
			out[p] = make(map[int]int)
		}
		out[p][n]++
	}
	return out
}

// assertStored checks that lines 0 to n-1 of prefix are each stored once.
func assertStored(t *testing.T, got map[string]map[int]int, prefix string, n int, why string) {
	t.Helper()
	var missing, repeated []int
	for i := range n {
		switch got[prefix][i] {
		case 0:
			missing = append(missing, i)
		case 1:
		default:
			repeated = append(repeated, i)
		}
	}
	if len(missing) > 0 || len(repeated) > 0 {
		t.Errorf("%s lines 0 to %d (%s): %d missing %s, %d stored more than once %s", prefix, n-1, why, len(missing), numbers(missing), len(repeated), numbers(repeated))
	}
}

// numbers shows a list of numbers short.
func numbers(ns []int) string {
	switch len(ns) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("(%d)", ns[0])
	}
	return fmt.Sprintf("(%d … %d)", ns[0], ns[len(ns)-1])
}

// faultEvents writes n events of source src, numbered in attribute "n".
func faultEvents(rt *Runtime, src string, n int) {
	for i := range n {
		rt.Events().Write(eventlog.Event{Type: "fault/event", Source: src, Attrs: []eventlog.Attr{eventlog.IntAttr("n", int64(i))}})
	}
}

// storedEvents counts the stored events of each source by number, after
// checking that Seq increases strictly.
func storedEvents(t *testing.T, dir string) map[string]map[int64]int {
	t.Helper()
	v, err := OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	out := make(map[string]map[int64]int)
	var last uint64
	for ev, err := range v.Events().Query(eventlog.Filter{TypePrefix: "fault/"}) {
		require.NoError(t, err)
		assert.Greater(t, ev.Seq, last, "Seq increases strictly")
		last = ev.Seq
		if out[ev.Source] == nil {
			out[ev.Source] = make(map[int64]int)
		}
		for _, a := range ev.Attrs {
			if a.Key == "n" {
				out[ev.Source][a.Value.AsInt()]++
			}
		}
	}
	return out
}

// assertStoredEvents checks that events 0 to n-1 of src are each stored
// once.
func assertStoredEvents(t *testing.T, got map[string]map[int64]int, src string, n int, why string) {
	t.Helper()
	var missing, repeated []int
	for i := range n {
		switch got[src][int64(i)] {
		case 0:
			missing = append(missing, i)
		case 1:
		default:
			repeated = append(repeated, i)
		}
	}
	if len(missing) > 0 || len(repeated) > 0 {
		t.Errorf("%s events 0 to %d (%s): %d missing %s, %d stored more than once %s", src, n-1, why, len(missing), numbers(missing), len(repeated), numbers(repeated))
	}
}

// TestDiskFaultDirectoryRemoved removes the disk directory under a running
// runtime: logging goes on in RAM, the loss is said once and counted, and
// once the directory is back the runtime finds it again and spills what
// its rings hold onto it.
func TestDiskFaultDirectoryRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "disk")
	require.NoError(t, os.Mkdir(dir, 0o755))
	// Small segments, many of them: the first lines are in segments sealed
	// and written before the fault, and still in RAM when the disk is back.
	conf := diskConf(t, dir+" force", "8KiB", 64)
	screen := &syncBuffer{}
	rt := open(t, Options{Configs: []string{conf}, Screen: screen, DiskRetry: fastRetry})
	require.True(t, rt.Stats().Disk.Present)
	log := rt.Logger("Fault.Removed")
	const before, events = 300, 100
	faultEvents(rt, "before", events)
	ackLines(t, rt, log, "before", before)

	require.NoError(t, os.RemoveAll(dir))
	faultEvents(rt, "during", events)
	during := 0
	waitDisk(t, 10*time.Second, "the runtime to notice that the directory is gone", func() bool {
		during = logNumberedFor(t, log, "during", during, 100*time.Millisecond)
		return !rt.Stats().Disk.Present
	})
	d := rt.Stats().Disk
	assert.Equal(t, uint64(1), d.Failures, "counted")
	assert.Contains(t, d.Reason, dir, "the reason names the directory")
	// A few flush intervals and retries later: RAM only, nothing more said.
	during = logNumberedFor(t, log, "during", during, 2*time.Second)
	errs := errorLinesAbout(rt, dir)
	assert.Len(t, errs, 1, "the loss is said once on the error stream: %q", errs)
	assert.False(t, rt.Stats().Disk.Present)
	assert.Equal(t, 1, strings.Count(screen.String(), "does not exist"), "the missing directory is said once on the screen:\n%s", screen.String())
	require.True(t, ringHolds(rt, "during", during-1), "the lines are in RAM")
	t.Logf("disk lost: %s; %d lines logged meanwhile", d.Reason, during)

	require.NoError(t, os.Mkdir(dir, 0o755))
	back := time.Now()
	waitDisk(t, 30*time.Second, "the runtime to find the directory again", func() bool {
		during = logNumberedFor(t, log, "during", during, 100*time.Millisecond)
		return rt.Stats().Disk.Present
	})
	t.Logf("disk found again %v after the directory came back (retries back off from %v)", time.Since(back).Round(time.Millisecond), fastRetry)
	require.True(t, ringHolds(rt, "before", 0), "the ring held the first lines when the disk came back")
	assert.Empty(t, rt.Stats().Disk.Reason)
	faultEvents(rt, "after", events)
	const after = 300
	ackLines(t, rt, log, "after", after)
	// Said by the first flush the disk took after its return, which
	// ackLines waited for (Present comes before it, when the store opens).
	assert.Len(t, screenLinesAbout(screen, dir, "spilling"), 2, "the start and the return are said on the screen:\n%s", screen.String())
	assert.Len(t, errorLinesAbout(rt, dir), 1, "said once")
	require.NoError(t, rt.Close())
	assert.Zero(t, rt.Stats().Disk.Lost)

	got := storedLines(t, dir)
	assertStored(t, got, "after", after, "logged once the disk was back")
	assertStored(t, got, "during", during, "logged while the disk was gone, in RAM when it came back")
	assertStored(t, got, "before", before, "spilled to the removed directory, and still in RAM when the disk came back")
	evs := storedEvents(t, dir)
	assertStoredEvents(t, evs, "after", events, "written once the disk was back")
	assertStoredEvents(t, evs, "during", events, "written while the disk was gone")
	assertStoredEvents(t, evs, "before", events, "spilled to the removed directory, and still in RAM when the disk came back")
}

// damagedRuns writes a store in dir from two runtimes: one whose clock is
// a day behind (lines "old", yesterday's file), then one on today's clock
// (lines "new", today's file). It returns the two files' names.
func damagedRuns(t *testing.T, dir string, lines int) (yesterday, today string) {
	t.Helper()
	conf := diskConf(t, dir, "8KiB", 2)
	for i, prefix := range []string{"old", "new"} {
		o := Options{Configs: []string{conf}, Screen: &syncBuffer{}}
		if i == 0 {
			o.Now = func() time.Time { return time.Now().Add(-24 * time.Hour) }
		}
		rt := open(t, o)
		logNumbered(t, rt.Logger("Fault.Damaged"), prefix, 0, lines)
		for range 10 {
			rt.Events().Write(eventlog.Event{Type: "fault/damaged", Source: prefix})
		}
		require.NoError(t, rt.Close())
		require.Zero(t, rt.Stats().Disk.Lost)
	}
	files, err := filepath.Glob(filepath.Join(dir, "gwlog-*.db"))
	require.NoError(t, err)
	sort.Strings(files)
	require.Len(t, files, 2, "a file of yesterday and one of today")
	return filepath.Base(files[0]), filepath.Base(files[1])
}

// TestDiskFaultDamagedFiles damages the store's files between two runs: a
// file cut short or a file of garbage is renamed aside when the runtime
// opens, which says so on its error stream and spills to a fresh file;
// the files left whole still read.
func TestDiskFaultDamagedFiles(t *testing.T) {
	cut := func(size int64) func(t *testing.T, dir, yesterday, today string) []string {
		return func(t *testing.T, dir, _, today string) []string {
			require.NoError(t, os.Truncate(filepath.Join(dir, today), size))
			return []string{today}
		}
	}
	garbage := func(t *testing.T, dir string) string {
		name := "gwlog-" + time.Now().UTC().Add(-48*time.Hour).Format(time.DateOnly) + ".db"
		b := bytes.Repeat([]byte("not a bbolt file, but a gwlog-*.db name\n"), 2000)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o640))
		return name
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, dir, yesterday, today string) []string // returns the files damaged
	}{
		{"today cut to one page", cut(4096)},
		{"today cut short", cut(16 << 10)},
		{"today cut to nothing", cut(0)},
		{"a file of garbage", func(t *testing.T, dir, _, _ string) []string {
			return []string{garbage(t, dir)}
		}},
		{"today cut short and a file of garbage", func(t *testing.T, dir, y, today string) []string {
			return append(cut(16<<10)(t, dir, y, today), garbage(t, dir))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			const lines = 500
			yesterday, today := damagedRuns(t, dir, lines)
			damaged := tt.damage(t, dir, yesterday, today)
			todayLost := damaged[0] == today

			screen := &syncBuffer{}
			rt := open(t, Options{Configs: []string{diskConf(t, dir, "8KiB", 2)}, Screen: screen})
			d := rt.Stats().Disk
			require.True(t, d.Present, "the disk is used: %s", d.Reason)
			require.NotNil(t, d.Store)
			assert.Equal(t, uint64(len(damaged)), d.Store.Recovered)
			errs := rt.Stream(Error).Tail(1000)
			assert.Len(t, errs, len(damaged), "one error line per file set aside: %q", errs)
			for _, name := range damaged {
				var said string
				for _, l := range errs {
					if strings.Contains(l, name+":") {
						said = l
					}
				}
				if assert.NotEmpty(t, said, "the error stream names %s: %q", name, errs) {
					assert.Contains(t, said, "renamed to "+name+".corrupt-", "and says where it went")
				}
				aside, err := filepath.Glob(filepath.Join(dir, name+".corrupt-*"))
				require.NoError(t, err)
				assert.Len(t, aside, 1, "%s is renamed aside, not deleted", name)
			}
			logNumbered(t, rt.Logger("Fault.Damaged"), "fresh", 0, lines)
			require.NoError(t, rt.Close())
			assert.Zero(t, rt.Stats().Disk.Lost)
			if todayLost {
				fi, err := os.Stat(filepath.Join(dir, today))
				require.NoError(t, err, "a fresh file of today")
				assert.Greater(t, fi.Size(), int64(16<<10))
			}

			got := storedLines(t, dir)
			assertStored(t, got, "old", lines, "yesterday's file is whole")
			assertStored(t, got, "fresh", lines, "spilled after the recovery")
			if !todayLost {
				assertStored(t, got, "new", lines, "today's file is whole")
			}
			t.Logf("error stream: %q", errs)
		})
	}
}
