package bench

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
)

// The steady-state spill measurement (TestSpillSteadyState) runs only
// when BENCH_SPILL is set to anything but 0, as run.sh does: it takes 4½
// flush intervals, about 2¼ minutes at the default 30 s flush. Its other
// knobs, all optional:
//
//	BENCH_SPILL_FLUSH      the flush interval, a Go duration (default 30 s,
//	                       set in the config: the runtime's default is 5 min);
//	                       the benchmark's name says it when it is not 30 s,
//	                       so that the targets skip the run
//	BENCH_SPILL_INTERVALS  flush intervals measured after the warm-up (default 3)
//	BENCH_SPILL_RATE       bytes of log lines a second (default 1000000)
//	BENCH_SPILL_COMPRESS   "gzip" stores the debug stream's sealed segments
//	                       gzipped (compress = gzip); the name says "-gzip"
//	BENCH_SPILL_DIR        where the store goes (in a new directory in it);
//	                       by default the bench directory's out/, else /var/tmp:
//	                       the first that is not on tmpfs or ramfs
//
// Quick run: BENCH_SPILL=1 BENCH_SPILL_FLUSH=4s BENCH_SPILL_INTERVALS=2.
const (
	envSpill  = "BENCH_SPILL"
	spillLine = 1000 // bytes of each line, as the debug ring counts them (WrittenBytes)
	spillStep = 10 * time.Millisecond
	spillTick = 100 * time.Millisecond // how often the runtime's counters are sampled
	spillMark = " INFO spill.bench steady "
	spillSeqW = 9 // digits of the sequence number after spillMark
)

// spillPads makes 1024 different pads of n bytes, key=value pairs with
// values that vary as a gateway's do, so that the lines (one pad in turn
// each) gzip about as real ones do (about 5:1), not as one repeated text.
func spillPads(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	pads := make([]string, 1024)
	for i := range pads {
		var b []byte
		for len(b) < n {
			b = fmt.Appendf(b, "zone=%d valve=%d%% temp=%.1f setpoint=%.1f source=wb/%d/CT/%d rssi=%d ",
				r.IntN(12), r.IntN(101), 15+r.Float64()*10, 18+float64(r.IntN(8))/2, r.IntN(200), r.IntN(8), -30-r.IntN(60))
		}
		pads[i] = string(b[:n])
	}
	return pads
}

// spillDir returns a directory for the store on a filesystem that is not
// held in RAM, and that filesystem's name: BENCH_SPILL_DIR when set, else
// the bench directory's out/ (run.sh's output directory, made if missing),
// else /var/tmp. reason says why none fits. On the 2-core VM the figures in
// the notes come from, out/ and /var/tmp are both on ext4 (/dev/vda, the
// root filesystem) and out/ is taken; /dev/shm is the tmpfs there.
func spillDir() (dir, fsName, reason string) {
	candidates := []string{"out", "/var/tmp"}
	if d := os.Getenv("BENCH_SPILL_DIR"); d != "" {
		candidates = []string{d}
	}
	var why []string
	for _, c := range candidates {
		if c == "out" {
			_ = os.MkdirAll(c, 0o755)
		}
		abs, err := filepath.Abs(c)
		if err != nil {
			why = append(why, c+": "+err.Error())
			continue
		}
		name, ram, err := filesystem(abs)
		switch {
		case err != nil:
			why = append(why, abs+": "+err.Error())
		case ram:
			why = append(why, abs+" is on "+name)
		default:
			return abs, name, ""
		}
	}
	return "", "", "no directory on a disk: " + strings.Join(why, "; ")
}

// spillSnap is what the runtime's counters say at one moment.
type spillSnap struct {
	at               time.Time
	lines, lineBytes uint64 // the debug stream's Written and WrittenBytes
	flushes          uint64 // the spiller's PutSegments that committed
	commits, syncs   uint64
	puts, dataBytes  uint64
	processWrite     uint64 // the store's ProcessWriteBytes: /proc/self/io write_bytes since Open
}

func takeSpillSnap(t *testing.T, rt *gwlog.Runtime) spillSnap {
	t.Helper()
	st := rt.Stats()
	d := st.Disk
	require.NotNil(t, d, "no disk configured")
	require.True(t, d.Present, "the disk went away: %s", d.Reason)
	require.NotNil(t, d.Store)
	s := spillSnap{at: time.Now(), flushes: d.Flushes, commits: d.Store.Commits, syncs: d.Store.Syncs,
		puts: d.Store.Puts, dataBytes: d.Store.DataBytes, processWrite: d.Store.ProcessWriteBytes}
	for _, ss := range st.Streams {
		if ss.Name == gwlog.Debug {
			s.lines, s.lineBytes = ss.Written, ss.WrittenBytes
		}
	}
	return s
}

// storeCounters are the store's counters a commit moves.
type storeCounters struct {
	commits, syncs          uint64
	dataBytes, processWrite uint64
}

func countersOf(d *gwlog.SpillStats) storeCounters {
	return storeCounters{commits: d.Store.Commits, syncs: d.Store.Syncs,
		dataBytes: d.Store.DataBytes, processWrite: d.Store.ProcessWriteBytes}
}

func (c storeCounters) sub(o storeCounters) storeCounters {
	return storeCounters{commits: c.commits - o.commits, syncs: c.syncs - o.syncs,
		dataBytes: c.dataBytes - o.dataBytes, processWrite: c.processWrite - o.processWrite}
}

// spillCommit is one or more commits the sampler saw land between two
// samples: what they moved, and the largest queue sampled before them.
// (The store's counters, not the spiller's Flushes: a sample taken while
// a commit is in progress reads Flushes before it and the store's
// counters after it, as SpillStats takes the store's last.)
type spillCommit struct {
	at           time.Duration // since the runtime was opened, when seen
	delta        storeCounters
	queuedBefore int64
	inWindow     bool
}

// spillSampler polls the runtime's disk counters every spillTick: the
// peak of the spill queue, and each commit as it lands. rt.Stats waits for
// a commit in progress, so it runs on a goroutine of its own, not the
// logging one.
type spillSampler struct {
	mu      sync.Mutex
	window  bool
	peak    int64 // the queue's largest sample in the window
	sincePk int64 // the queue's largest sample since the last commit
	commits []spillCommit
	last    storeCounters
	// slowest is the longest rt.Stats took: it waits for a commit in
	// progress, holding the spiller's lock.
	slowest time.Duration
	started bool
}

func (s *spillSampler) sample(t0 time.Time, d *gwlog.SpillStats, took time.Duration) {
	if d == nil || d.Store == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slowest = max(s.slowest, took)
	if s.window {
		s.peak = max(s.peak, d.Queued)
	}
	// Queued counts the batch being committed, and d's Queued was read
	// before the store's counters: it belongs to the commit they show.
	s.sincePk = max(s.sincePk, d.Queued)
	now := countersOf(d)
	if s.started && now.commits != s.last.commits {
		s.commits = append(s.commits, spillCommit{at: time.Since(t0), delta: now.sub(s.last),
			queuedBefore: s.sincePk, inWindow: s.window})
		s.sincePk = 0
	}
	s.last, s.started = now, true
}

func (s *spillSampler) setWindow(on bool) {
	s.mu.Lock()
	s.window = on
	s.mu.Unlock()
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "%s", name)
	require.Positive(t, d, "%s", name)
	return d
}

// TestSpillSteadyState measures the disk path in steady state at the
// defaults of the disk profile (1 MiB debug segments, 5 kept, 100 MiB
// ram_cap) with a 30 s flush set in the config, and with disk = DIR
// force on a real disk (spillDir): a logger at INFO writes lines of
// spillLine bytes through the tree into the debug stream (the root's
// stream; no other stream takes them, so each line reaches the store
// once) at BENCH_SPILL_RATE bytes a second, in
// spillStep steps. The warm-up is one flush interval and a half, so that
// the measured window — BENCH_SPILL_INTERVALS intervals — starts and ends
// halfway between the runtime's timed flushes (its ticker starts at Open)
// rather than on one, which would be counted in or out by chance.
//
// Over the window it reports, as the benchmark line
// BenchmarkSpillSteady/gwlog-1MBps for cmd/benchtable:
//
//   - write-amp: bytes the process had the kernel write to storage (the
//     store's ProcessWriteBytes, /proc/self/io write_bytes) per byte of
//     log line taken by the debug ring (target ≤ 1.3);
//   - store-amp: the store's DataBytes (segment values, tails included)
//     per byte of log line;
//   - fsyncs/interval (target ≤ 1), commits/interval, flushes/interval
//     (the spiller's PutSegments that committed) and fsyncs/commit, from
//     the store's Syncs and Commits (bbolt: two per commit and one per
//     growth of the file);
//   - lost-segs: segments the spiller gave up, from Open to Close (must
//     be 0);
//   - queued-peak-MiB: the largest spill queue sampled (every spillTick);
//   - line-MB/s: the rate achieved; max-log-ms: the slowest Info call
//     (wall time: a busy machine shows in it, and so may the sampler,
//     whose rt.Stats holds the spiller's lock while it waits for a
//     commit, which an Info call that evicts a segment then waits for).
//
// It fails when a segment is lost, a write fails, the pace was not kept,
// or the store, reopened after Close, does not hold every line logged
// exactly once.
func TestSpillSteadyState(t *testing.T) {
	if v := os.Getenv(envSpill); v == "" || v == "0" {
		t.Skip("set " + envSpill + "=1 to run the steady-state spill measurement (run.sh does)")
	}
	var (
		flushEnv  = envDuration(t, "BENCH_SPILL_FLUSH", 30*time.Second)
		intervals = envInt(t, "BENCH_SPILL_INTERVALS", 3)
		rate      = envInt(t, "BENCH_SPILL_RATE", 1_000_000)
	)
	require.Positive(t, intervals, "BENCH_SPILL_INTERVALS")
	require.Positive(t, rate, "BENCH_SPILL_RATE")
	base, fsName, reason := spillDir()
	if base == "" {
		t.Skip(reason)
	}
	dir, err := os.MkdirTemp(base, "gwlog-spill-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })

	conf := "[runtime]\nprofile = disk\ndisk = " + dir + " force\n"
	if flushEnv > 0 {
		conf += "flush = " + flushEnv.String() + "\n"
	}
	compress := os.Getenv("BENCH_SPILL_COMPRESS")
	if compress != "" {
		conf += "[stream.debug]\ncompress = " + compress + "\n"
	}
	confPath := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))

	t0 := time.Now() // the runtime's flush ticker starts in Open
	rt, err := gwlog.Open(gwlog.Options{Configs: []string{confPath}, Screen: io.Discard})
	require.NoError(t, err)
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = rt.Close()
		}
	})
	c := rt.Config()
	flush := c.Runtime.Flush
	require.Positive(t, flush)
	var rotate string
	keep := 0
	for _, s := range c.Streams {
		if s.Name == gwlog.Debug {
			rotate, keep = s.Rotate.String(), s.Keep
		}
	}
	debug := rt.Stream(gwlog.Debug)
	require.NotNil(t, debug)
	d := rt.Stats().Disk
	require.NotNil(t, d)
	require.True(t, d.Present, "the store did not open: %s", d.Reason)

	// One probe line gives the bytes the format adds to a message.
	log := rt.Logger("spill.bench")
	before := debug.Stats().WrittenBytes
	log.Info("probe")
	overhead := int(debug.Stats().WrittenBytes-before) - len("probe")
	padLen := spillLine - overhead - len("steady ") - spillSeqW - 1
	require.Positive(t, padLen, "a line of %d bytes has no room for the message (the format adds %d)", spillLine, overhead)
	pads := spillPads(padLen)

	perSec := float64(rate) / spillLine
	warm := flush + flush/2
	end := warm + time.Duration(intervals)*flush
	w0, w1 := int(warm.Seconds()*perSec), int(end.Seconds()*perSec)
	fmt.Printf("# spill steady state: store in %s (%s); profile disk: debug rotate %s keep %d, flush %v, ram_cap %d MiB; "+
		"%d lines/s of %d bytes (%.2f MB/s) in %v steps; warm-up %v, then %d intervals\n",
		dir, fsName, rotate, keep, flush, c.Runtime.RAMCap>>20, int(perSec), spillLine, float64(rate)/1e6, spillStep, warm, intervals)

	sm := &spillSampler{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tk := time.NewTicker(spillTick)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				start := time.Now()
				d := rt.Stats().Disk
				sm.sample(t0, d, time.Since(start))
			}
		}
	})
	stopSampler := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	t.Cleanup(stopSampler) // before rt.Close, should the test stop early

	var (
		s0, s1   spillSnap
		maxLog   time.Duration
		slowLogs int // calls over 10 ms in the window
	)
	tk := time.NewTicker(spillStep)
	for n := 0; n < w1; {
		<-tk.C
		due := min(int(time.Since(t0).Seconds()*perSec), w1)
		for ; n < due; n++ {
			if n == w0 {
				s0 = takeSpillSnap(t, rt)
				sm.setWindow(true)
			}
			line := fmt.Sprintf("steady %0*d %s", spillSeqW, n, pads[n%len(pads)])
			start := time.Now()
			log.Info(line)
			if n >= w0 {
				el := time.Since(start)
				maxLog = max(maxLog, el)
				if el > 10*time.Millisecond {
					slowLogs++
				}
			}
		}
	}
	tk.Stop()
	s1 = takeSpillSnap(t, rt)
	sm.setWindow(false)
	stopSampler()

	closeStart := time.Now()
	require.NoError(t, rt.Close())
	closed = true
	closeTook := time.Since(closeStart)
	final := rt.Stats().Disk
	require.NotNil(t, final)

	// The figures.
	var (
		window    = s1.at.Sub(s0.at)
		lineBytes = float64(s1.lineBytes - s0.lineBytes)
		n         = float64(intervals)
		commits   = float64(s1.commits - s0.commits)
		syncs     = float64(s1.syncs - s0.syncs)
		written   = s1.processWrite - s0.processWrite
		name      = "gwlog-" + strconv.FormatFloat(float64(rate)/1e6, 'f', -1, 64) + "MBps"
	)
	if flush != 30*time.Second {
		name += "-flush" + flush.String()
	}
	if compress != "" {
		name += "-" + compress
	}
	metrics := []string{}
	if written > 0 {
		metrics = append(metrics, fmt.Sprintf("%.3f write-amp", float64(written)/lineBytes))
	} else {
		fmt.Println("# write-amp is not measured: /proc/self/io write_bytes did not move (no /proc, or no I/O accounting here)")
	}
	metrics = append(metrics,
		fmt.Sprintf("%.3f store-amp", float64(s1.dataBytes-s0.dataBytes)/lineBytes),
		fmt.Sprintf("%.2f fsyncs/interval", syncs/n),
		fmt.Sprintf("%.2f commits/interval", commits/n),
		fmt.Sprintf("%.2f flushes/interval", float64(s1.flushes-s0.flushes)/n),
		fmt.Sprintf("%.2f fsyncs/commit", syncs/max(commits, 1)),
		fmt.Sprintf("%d lost-segs", final.Lost),
		fmt.Sprintf("%.2f queued-peak-MiB", float64(sm.peak)/(1<<20)),
		fmt.Sprintf("%.3f line-MB/s", lineBytes/1e6/window.Seconds()),
		fmt.Sprintf("%.2f max-log-ms", float64(maxLog)/1e6),
	)
	fmt.Printf("BenchmarkSpillSteady/%s \t1\t%s\n", name, strings.Join(metrics, "\t"))
	fmt.Printf("#   window %v: %d lines, %.1f MB of lines; the store took %d segment values (%.1f MB) in %d commits, %d fsyncs; "+
		"the process wrote %.1f MB; %d Info calls over 10 ms\n",
		window.Round(time.Millisecond), s1.lines-s0.lines, lineBytes/1e6, s1.puts-s0.puts, float64(s1.dataBytes-s0.dataBytes)/1e6,
		s1.commits-s0.commits, s1.syncs-s0.syncs, float64(written)/1e6, slowLogs)
	sm.mu.Lock()
	for _, f := range sm.commits {
		phase := f.at % flush
		fmt.Printf("#   commit seen at %6.1fs (%4.1fs into an interval)%s: %d commit(s), %d fsyncs, %.2f MiB of values, process wrote %.2f MiB; queued (waiting or in flight) peak %.2f MiB\n",
			f.at.Seconds(), phase.Seconds(), map[bool]string{true: " [window]", false: "         "}[f.inWindow],
			f.delta.commits, f.delta.syncs, float64(f.delta.dataBytes)/(1<<20), float64(f.delta.processWrite)/(1<<20),
			float64(f.queuedBefore)/(1<<20))
	}
	fmt.Printf("#   the slowest rt.Stats call of the sampler took %v\n", sm.slowest.Round(time.Millisecond))
	sm.mu.Unlock()
	st := final.Store
	require.NotNil(t, st)
	fmt.Printf("#   after Close (%v): %d flushes, %d commits, %d fsyncs, %.1f MB of values, %d files, %.1f MB on disk; write amplification since Open %.3f\n",
		closeTook.Round(time.Millisecond), final.Flushes, st.Commits, st.Syncs, float64(st.DataBytes)/1e6, st.Files,
		float64(st.DiskBytes)/1e6, st.WriteAmp)

	// The hard facts.
	assert.Zero(t, final.Lost, "segments lost (the spill queue was full, or the disk went)")
	assert.Zero(t, final.LostLines, "lines lost")
	assert.Zero(t, final.Failures, "failed writes")
	assert.Equal(t, uint64(w1-w0), s1.lines-s0.lines, "the debug stream took the window's lines and no others")
	assert.Equal(t, uint64(w1-w0)*spillLine, s1.lineBytes-s0.lineBytes, "every line is %d bytes", spillLine)
	assert.InDelta(t, float64(intervals)*flush.Seconds(), window.Seconds(), 0.05*float64(intervals)*flush.Seconds(),
		"the pace was kept: the window's lines took %v", window)
	assert.Positive(t, s1.commits-s0.commits, "the store committed in the window")

	// The store, reopened, holds every line once.
	v, err := gwlog.OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	stored := v.Stream(gwlog.Debug)
	require.NotNil(t, stored, "the store holds no debug stream")
	seen := make([]uint8, w1)
	var bad, dups int
	for _, si := range stored.Segments() {
		data, err := fs.ReadFile(v.FS(), si.Name)
		require.NoError(t, err, "%s", si.Name)
		for line := range strings.Lines(string(data)) {
			i := strings.Index(line, spillMark)
			if i < 0 {
				continue
			}
			digits := line[i+len(spillMark):]
			if len(digits) < spillSeqW {
				bad++
				continue
			}
			seq, err := strconv.Atoi(digits[:spillSeqW])
			if err != nil || seq < 0 || seq >= w1 {
				bad++
				continue
			}
			if seen[seq] > 0 {
				dups++
			}
			seen[seq]++
		}
	}
	var missing []int
	for i, c := range seen {
		if c == 0 {
			missing = append(missing, i)
		}
	}
	fmt.Printf("#   the store reopened: %d of %d lines, %d missing, %d duplicated, %d unreadable\n",
		w1-len(missing), w1, len(missing), dups, bad)
	assert.Zero(t, len(missing), "lines logged that the store does not hold; the first: %v", missing[:min(len(missing), 10)])
	assert.Zero(t, dups, "lines the store holds twice")
	assert.Zero(t, bad, "lines of ours that do not read back")
}
