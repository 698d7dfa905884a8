package gwlog

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// The runtime crash test's parent and child agree through these variables.
const (
	diskCrashCfgEnv   = "GWLOG_DISK_CRASH_CFG"   // the child's config file
	diskCrashRoundEnv = "GWLOG_DISK_CRASH_ROUND" // the round, in the child's lines and events
	diskCrashBurstEnv = "GWLOG_DISK_CRASH_BURST" // lines the child logs between two 2 ms pauses
	diskCrashStallEnv = "GWLOG_DISK_CRASH_STALL" // set: the child stalls its flushes (TestDiskCrashStalledFlush)
	// diskCrashErrorEnv set: every crashErrorEvery-th line is an ERROR,
	// announced on stdout as "error N" once logged.
	diskCrashErrorEnv = "GWLOG_DISK_CRASH_ERRORS"
	// diskCrashSeedEnv sets TestDiskCrash's seed, to repeat a run.
	diskCrashSeedEnv = "GWLOG_DISK_CRASH_SEED"
)

// diskSelfCommand runs this test binary again with args, through the
// emulator named by GWLOG_QEMU when the tests run under qemu-user without
// binfmt_misc (cross/test.sh).
func diskSelfCommand(args ...string) *exec.Cmd {
	if qemu := os.Getenv("GWLOG_QEMU"); qemu != "" {
		return exec.Command(qemu, append([]string{os.Args[0]}, args...)...)
	}
	return exec.Command(os.Args[0], args...)
}

// diskConf writes a config that spills to disk (a directory, with
// " force" to accept tmpfs) with a debug ring of keep segments of
// segment bytes, and returns its path.
func diskConf(t *testing.T, disk, segment string, keep int) string {
	t.Helper()
	c := fmt.Sprintf(`
[runtime]
profile = disk
disk = %s
flush = 1s
reload = 0
event_ram = 64KiB
[stream.debug]
rotate = size %s
keep = %d
`, disk, segment, keep)
	path := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(path, []byte(c), 0o644))
	return path
}

// crashMark starts a child's numbered line, "crash r%03d line %08d".
var crashMark = []byte("crash r")

// crashErrorEvery is how often a child with diskCrashErrorEnv logs its
// numbered line at ERROR.
const crashErrorEvery = 500

// parseCrashLine parses the round and line number after crashMark.
func parseCrashLine(b []byte) (round, n int64, ok bool) {
	const tail = "000 line 00000000"
	if len(b) < len(tail) || string(b[3:9]) != " line " {
		return 0, 0, false
	}
	r, err1 := strconv.ParseInt(string(b[:3]), 10, 64)
	v, err2 := strconv.ParseInt(string(b[9:17]), 10, 64)
	return r, v, err1 == nil && err2 == nil
}

// crashSnap is what the child had written when it read Stats().Disk.Flushes.
type crashSnap struct {
	line, event int64 // the last numbered line and event written; -1 for none
	seq         uint64
}

// TestDiskCrashChild is TestDiskCrash's child: it opens a runtime with the
// config in GWLOG_DISK_CRASH_CFG and logs numbered lines, and an event
// every eighth line, until it is killed. On stdout it prints "ready" once
// open, then "flush F" each time it sees Stats().Disk.Flushes reach F, and
// after it "ack F LINE EVENT SEQ" when LINE, EVENT (and EVENT's SEQ) were
// written before it read Flushes as F-2 or less. That flush and the next
// were counted after the read, and flushes are serial, so flush F began
// after those writes and its commit holds them.
func TestDiskCrashChild(t *testing.T) {
	conf := os.Getenv(diskCrashCfgEnv)
	if conf == "" {
		t.Skip("the disk crash test's child process")
	}
	round, _ := strconv.Atoi(os.Getenv(diskCrashRoundEnv))
	burst, _ := strconv.Atoi(os.Getenv(diskCrashBurstEnv))
	burst = max(burst, 1)
	errorsToo := os.Getenv(diskCrashErrorEnv) != ""
	rt, err := Open(Options{Configs: []string{conf}, Screen: os.Stderr})
	if err != nil {
		fmt.Println("err open:", err)
		os.Exit(3)
	}
	if d := rt.Stats().Disk; d == nil || !d.Present {
		fmt.Printf("err no disk: %+v\n", d)
		os.Exit(3)
	}
	for _, l := range rt.Stream(Error).Tail(100) {
		if !strings.Contains(l, string(crashMark)) { // not an earlier child's ERROR line
			fmt.Println("err error stream at start:", l)
		}
	}
	fmt.Println("ready")
	if os.Getenv(diskCrashStallEnv) != "" {
		// Hold the access stream, which nothing writes, 20 ms at a time:
		// a flush that walks it before debug waits meanwhile, as one
		// descheduled on a busy CPU, or copying a big live segment of
		// another stream, does.
		access := rt.Stream(Access)
		go func() {
			for {
				access.Walk(0, func(*ramlog.Spill) { time.Sleep(20 * time.Millisecond) })
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}

	var line, event atomic.Int64
	var seq atomic.Uint64
	line.Store(-1)
	event.Store(-1)
	go func() {
		log := rt.Logger("Crash.Child")
		for n := int64(0); ; n++ {
			if errorsToo && n%crashErrorEvery == 0 {
				log.Error(fmt.Sprintf("crash r%03d line %08d", round, n))
				fmt.Println("error", n)
			} else {
				log.Info(fmt.Sprintf("crash r%03d line %08d", round, n))
			}
			line.Store(n)
			if n%8 == 0 {
				e := event.Load() + 1
				s := rt.Events().Write(eventlog.Event{Type: "crash/tick", Source: "child", Attrs: []eventlog.Attr{
					eventlog.IntAttr("round", int64(round)), eventlog.IntAttr("n", e),
				}})
				seq.Store(s)
				event.Store(e)
			}
			if n%int64(burst) == 0 {
				time.Sleep(2 * time.Millisecond)
			}
		}
	}()

	snaps := make(map[uint64]crashSnap) // the last snapshot taken while Flushes read as the key
	seen := rt.Stats().Disk.Flushes
	for stop := time.Now().Add(30 * time.Second); time.Now().Before(stop); time.Sleep(5 * time.Millisecond) {
		// The writes first, then the counter: the order the proof needs.
		s := crashSnap{line: line.Load(), event: event.Load()}
		s.seq = seq.Load()
		d := rt.Stats().Disk
		if !d.Present || d.Failures > 0 || d.Lost > 0 {
			fmt.Printf("err disk path: present %v, failures %d, lost %d segments (%d lines): %s\n", d.Present, d.Failures, d.Lost, d.LostLines, d.Reason)
			os.Exit(3)
		}
		f := d.Flushes
		snaps[f] = s
		if f <= seen {
			continue
		}
		seen = f
		fmt.Println("flush", f)
		best, ok := uint64(0), false
		for k := range snaps {
			if k+2 <= f && (!ok || k > best) {
				best, ok = k, true
			}
		}
		if !ok {
			continue
		}
		a := snaps[best]
		fmt.Printf("ack %d %d %d %d\n", f, a.line, a.event, a.seq)
		for k := range snaps {
			if k < best {
				delete(snaps, k)
			}
		}
	}
	fmt.Println("err not killed")
	os.Exit(4)
}

// crashRound is one child's life in a crash test.
type crashRound struct {
	round int
	burst int  // lines between the child's pauses
	stall bool // the child stalls its flushes
	// kill says when to kill the child: early (now and then) after it
	// started, else delay after it is ready, or at the first flush line
	// (F) it prints at or after afterFlush when that is set.
	early      bool
	delay      time.Duration
	afterFlush uint64
	// urgent, when set, is the child's flush_urgent: it logs ERROR lines
	// (diskCrashErrorEnv), and those it logged more than urgent plus
	// crashCommitSlack before the kill must be in the store.
	urgent time.Duration
}

// crashCommitSlack is what a flush may take beyond flush_urgent to commit
// on a busy machine (the race detector, tests in parallel).
const crashCommitSlack = 1500 * time.Millisecond

// timedLine is a line of the child's stdout and when the parent read it.
type timedLine struct {
	text string
	at   time.Time
}

func (l timedLine) String() string { return l.text }

// runCrashChild starts a child for c, kills it as c says, and returns the
// last acknowledgement it printed (line -1 for none) and how many.
// With c.urgent set it also returns the numbers of the ERROR lines the
// child logged more than c.urgent plus crashCommitSlack before the kill.
func runCrashChild(t *testing.T, conf string, c crashRound, at string) (crashSnap, int, []int64, *syncBuffer) {
	t.Helper()
	cmd := diskSelfCommand("-test.run=^TestDiskCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), diskCrashCfgEnv+"="+conf, diskCrashRoundEnv+"="+strconv.Itoa(c.round), diskCrashBurstEnv+"="+strconv.Itoa(c.burst))
	if c.stall {
		cmd.Env = append(cmd.Env, diskCrashStallEnv+"=1")
	}
	if c.urgent > 0 {
		cmd.Env = append(cmd.Env, diskCrashErrorEnv+"=1")
	}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	lines := make(chan timedLine, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- timedLine{sc.Text(), time.Now()}
		}
		close(lines)
	}()
	var got []timedLine
	// until reads the child's lines until one satisfies done.
	until := func(what string, done func(string) bool) {
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return
				}
				got = append(got, l)
				if done(l.text) {
					return
				}
			case <-timeout:
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("%s: no %s from the child after 30 s: %q; stderr:\n%s", at, what, got, stderr.String())
			}
		}
	}
	switch {
	case c.early:
		time.Sleep(c.delay)
	case c.afterFlush > 0:
		until("flush", func(l string) bool {
			var f uint64
			_, err := fmt.Sscanf(l, "flush %d", &f)
			return err == nil && f >= c.afterFlush
		})
	default:
		until("ready", func(l string) bool { return l == "ready" })
		time.Sleep(c.delay)
	}
	killed := time.Now()
	require.NoError(t, cmd.Process.Kill())
	for l := range lines {
		got = append(got, l)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 {
		t.Fatalf("%s: the child ended by itself (%v): %q; stderr:\n%s", at, err, got, stderr.String())
	}
	a := crashSnap{line: -1, event: -1}
	n := 0
	var due []int64
	for _, tl := range got {
		l := tl.text
		f := strings.Fields(l)
		switch f[0] {
		case "ready", "flush":
		case "error":
			e, err := strconv.ParseInt(f[1], 10, 64)
			require.NoError(t, err, l)
			if c.urgent > 0 && tl.at.Before(killed.Add(-c.urgent-crashCommitSlack)) {
				due = append(due, e)
			}
		case "ack":
			var s crashSnap
			_, err := fmt.Sscan(strings.Join(f[2:], " "), &s.line, &s.event, &s.seq)
			require.NoError(t, err, l)
			require.GreaterOrEqual(t, s.line, a.line, "acks only grow")
			a = s
			n++
		default:
			t.Fatalf("%s: child: %s; stderr:\n%s", at, l, stderr.String())
		}
	}
	return a, n, due, stderr
}

// crashSeed returns the seed of a crash test: from the environment when
// set there, else from the clock; the test logs it.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(diskCrashSeedEnv); v != "" {
		var err error
		seed, err = strconv.ParseUint(v, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("seed %d (%s=%d repeats this run)", seed, diskCrashSeedEnv, seed)
	return seed
}

// TestDiskCrash kills a runtime that spills to disk at random moments,
// over and over on one directory, and checks after each kill that the
// store opens and passes bbolt's Tx.Check, that every line and event the
// child saw a flush acknowledge is there once and in order, that what a
// round left is a run without a gap, and that event Seq is strictly
// increasing without a repeat across all the children. Every other round
// flushes once a minute and logs some lines at ERROR, with flush_urgent
// 1 s: each ERROR line logged more than that (and crashCommitSlack)
// before the kill must be in the store, though no timed flush took it.
func TestDiskCrash(t *testing.T) {
	if os.Getenv(diskCrashCfgEnv) != "" {
		t.Skip("in the child")
	}
	t.Parallel()
	seed := crashSeed(t)
	rounds := 30
	switch {
	case testing.Short():
		rounds = 8
	case raceEnabled:
		rounds = 12 // each child runs some ten times slower; the plain run does 30
	}
	r := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	conf := diskConf(t, dir+" force", "8KiB", 2)
	plain, err := os.ReadFile(conf)
	require.NoError(t, err)
	acks := make([]crashSnap, rounds)
	due := make([][]int64, rounds)
	start := time.Now()
	for round := range rounds {
		c := crashRound{round: round, burst: []int{4, 10, 40}[r.IntN(3)]}
		if r.IntN(2) == 0 {
			c.urgent = time.Second
		}
		// Every other round stores the debug stream's sealed segments
		// gzipped: a store holds both kinds.
		gzip := r.IntN(2) == 0
		body := string(plain)
		if c.urgent > 0 {
			body = strings.Replace(body, "flush = 1s\n", "flush = 1m\nflush_urgent = "+c.urgent.String()+"\n", 1)
		}
		if gzip {
			body += "compress = gzip\n" // in [stream.debug], the last section
		}
		require.NoError(t, os.WriteFile(conf, []byte(body), 0o644))
		// Mostly kill while it logs; now and then while it opens the store.
		if c.early = r.IntN(6) == 0; c.early {
			c.delay = time.Duration(r.IntN(150)) * time.Millisecond
		} else {
			c.delay = time.Duration(r.Int64N(int64(3 * time.Second)))
			if c.urgent > 0 { // long enough for ERROR lines to be due
				c.delay += c.urgent + crashCommitSlack
			}
		}
		at := fmt.Sprintf("seed %d round %d", seed, round)
		a, n, d, stderr := runCrashChild(t, conf, c, at)
		acks[round], due[round] = a, d
		checkCrashStore(t, dir, acks[:round+1], due[:round+1], at)
		if t.Failed() {
			t.Fatalf("%s: stopped at the first failing round; the child's stderr:\n%s", at, stderr.String())
		}
		when := "early, " + c.delay.String() + " after start"
		if !c.early {
			when = c.delay.Round(time.Millisecond).String() + " after ready"
		}
		t.Logf("round %d: burst %d, gzip %v, flush_urgent %v, killed %s, %d acks: line %d, event %d (seq %d), %d ERROR lines due", round, c.burst, gzip, c.urgent, when, n, a.line, a.event, a.seq, len(d))
	}
	acked := 0
	for _, a := range acks {
		if a.line >= 0 {
			acked++
		}
	}
	t.Logf("seed %d: %d kills, %d rounds with acknowledged lines, %v", seed, rounds, acked, time.Since(start).Round(time.Millisecond))
	if !testing.Short() {
		assert.Greater(t, acked, 0, "some rounds lived to see an acknowledgement")
	}
}

// TestDiskCrashStalledFlush kills the child right after a flush committed,
// while its flushes are slowed down between taking the eviction queue and
// walking the rings (the child holds another stream meanwhile): a segment
// the debug ring gives up in between must be in that commit all the same,
// as it was written before the flush began.
func TestDiskCrashStalledFlush(t *testing.T) {
	if os.Getenv(diskCrashCfgEnv) != "" {
		t.Skip("in the child")
	}
	t.Parallel()
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	dir := t.TempDir()
	conf := diskConf(t, dir+" force", "8KiB", 2)
	acks := make([]crashSnap, rounds)
	for round := range rounds {
		// Flush 1 is the one at start; 2 the first of the timer.
		c := crashRound{round: round, burst: 40, stall: true, afterFlush: 2}
		at := fmt.Sprintf("round %d", round)
		a, _, _, stderr := runCrashChild(t, conf, c, at)
		acks[round] = a
		checkCrashStore(t, dir, acks[:round+1], nil, at)
		if t.Failed() {
			t.Fatalf("%s: stopped at the first failing round; the child's stderr:\n%s", at, stderr.String())
		}
	}
}

// checkCrashStore checks the store in dir after a kill: it passes the
// check, holds every line and event acks acknowledged (one per round so
// far) exactly once and in order, and the ERROR lines due (by round, where
// given), and event Seq increases strictly across the rounds.
func checkCrashStore(t *testing.T, dir string, acks []crashSnap, due [][]int64, at string) {
	t.Helper()
	st, err := persist.Open(persist.Options{Dir: dir, ReadOnly: true})
	require.NoError(t, err, "%s: the store opens after a kill", at)
	assert.Empty(t, st.Recovered(), "%s: a kill damages no file (Tx.Check passes)", at)
	lastSeq := st.LastSeq()
	require.NoError(t, st.Close())

	v, err := OpenStore(dir)
	require.NoError(t, err, at)
	defer v.Close()

	// Lines: (round, n) strictly increasing through the history.
	type pos struct{ round, n int64 }
	prev := pos{-1, -1}
	count := make([]int64, len(acks)) // lines of each round with n <= its ack
	last := make([]int64, len(acks))  // the last line of each round held
	for i := range last {
		last[i] = -1
	}
	if debug := v.Stream(Debug); debug != nil {
		b := debug.AppendTail(nil, 1<<30)
		for {
			i := bytes.Index(b, crashMark)
			if i < 0 {
				break
			}
			b = b[i+len(crashMark):]
			rd, n, ok := parseCrashLine(b)
			if !ok {
				continue
			}
			p := pos{rd, n}
			if p.round < prev.round || p.round == prev.round && p.n <= prev.n {
				t.Errorf("%s: line %d of round %d follows line %d of round %d: a repeat or out of order", at, p.n, p.round, prev.n, prev.round)
				return
			}
			if p.round == prev.round && p.n != prev.n+1 || p.round != prev.round && p.n != 0 {
				// A flush holds everything written before it began, so
				// what a round left is a run from its first line.
				t.Errorf("%s: lines of round %d: line %d follows line %d: the lines between were lost while later ones were kept", at, p.round, p.n, map[bool]int64{true: prev.n, false: -1}[p.round == prev.round])
				return
			}
			prev = p
			if int(rd) < len(acks) {
				last[rd] = n
				if n <= acks[rd].line {
					count[rd]++
				}
			}
		}
	}
	for rd, a := range acks {
		if a.line >= 0 && count[rd] != a.line+1 {
			t.Errorf("%s: round %d acknowledged lines 0 to %d, the store holds %d of them", at, rd, a.line, count[rd])
		}
	}
	for rd, d := range due {
		if len(d) > 0 && d[len(d)-1] > last[rd] {
			// A round's lines are a run from its first: line e is held
			// when the run reaches it.
			t.Errorf("%s: round %d logged line %d at ERROR more than flush_urgent before the kill; the store holds its lines 0 to %d only", at, rd, d[len(d)-1], last[rd])
		}
	}

	// Events: Seq strictly increasing, (round, n) along with it.
	prev = pos{-1, -1}
	var prevSeq uint64
	evCount := make([]int64, len(acks))
	for ev, err := range v.Events().Query(eventlog.Filter{TypePrefix: "crash/"}) {
		require.NoError(t, err, at)
		var p pos
		for _, kv := range ev.Attrs {
			switch kv.Key {
			case "round":
				p.round = kv.Value.AsInt()
			case "n":
				p.n = kv.Value.AsInt()
			}
		}
		if ev.Seq <= prevSeq {
			t.Errorf("%s: Seq %d follows Seq %d", at, ev.Seq, prevSeq)
			return
		}
		if p.round < prev.round || p.round == prev.round && p.n <= prev.n {
			t.Errorf("%s: event %d of round %d (Seq %d) follows event %d of round %d (Seq %d): Seq did not go on across a restart", at, p.n, p.round, ev.Seq, prev.n, prev.round, prevSeq)
			return
		}
		if p.round == prev.round && p.n != prev.n+1 || p.round != prev.round && p.n != 0 {
			t.Errorf("%s: events of round %d: event %d (Seq %d) follows event %d: the events between were lost while later ones were kept", at, p.round, p.n, ev.Seq, map[bool]int64{true: prev.n, false: -1}[p.round == prev.round])
			return
		}
		prev, prevSeq = p, ev.Seq
		if int(p.round) < len(acks) && p.n <= acks[p.round].event {
			evCount[p.round]++
			if p.n == acks[p.round].event {
				assert.Equal(t, acks[p.round].seq, ev.Seq, "%s: the Seq the child was given", at)
			}
		}
	}
	for rd, a := range acks {
		if a.event >= 0 && evCount[rd] != a.event+1 {
			t.Errorf("%s: round %d acknowledged events 0 to %d, the store holds %d of them", at, rd, a.event, evCount[rd])
		}
	}
	assert.LessOrEqual(t, prevSeq, lastSeq, "%s: LastSeq covers the stored events", at)
}
