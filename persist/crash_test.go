package persist

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The crash test's child and parent agree through these variables.
const (
	crashDirEnv   = "GWLOG_PERSIST_CRASH_DIR"
	crashRoundEnv = "GWLOG_PERSIST_CRASH_ROUND"
	// CrashSeedEnv sets the crash test's seed, to repeat a run.
	crashSeedEnv = "GWLOG_PERSIST_SEED"
)

// selfCommand runs this test binary again with args: through the emulator
// named by GWLOG_QEMU when the tests run under qemu-user without
// binfmt_misc (cross/test.sh), which cannot start a foreign binary by
// itself.
func selfCommand(args ...string) *exec.Cmd {
	if qemu := os.Getenv("GWLOG_QEMU"); qemu != "" {
		return exec.Command(qemu, append([]string{os.Args[0]}, args...)...)
	}
	return exec.Command(os.Args[0], args...)
}

// crashOptions are the store options of the crash test's processes in
// round: a clock that crosses midnight now and then, and keeps long enough
// that nothing expires.
func crashOptions(dir string, round int, now *time.Time) Options {
	keep := 100 * 365 * 24 * time.Hour
	return Options{
		Dir: dir, Timeout: 5 * time.Second,
		Keep: map[string]time.Duration{"debug": keep, "error": keep, "events": keep},
		Now:  func() time.Time { return *now },
	}
}

// crashBase is the clock of round's start.
func crashBase(round int) time.Time { return t0.Add(time.Duration(round) * 7 * time.Hour) }

// eventData is count event records with Seq from first on.
func eventData(first uint64, count int) []byte {
	var b []byte
	for i := range uint64(count) {
		b = append(b, record(first+i)...)
	}
	return b
}

// TestHelperProcess is the crash test's child: it writes batches of
// segments to the store in GWLOG_PERSIST_CRASH_DIR until it is killed,
// printing each segment on stdout once PutSegments acknowledged it.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("the crash test's child process")
	}
	round, _ := strconv.Atoi(os.Getenv(crashRoundEnv))
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	r := rand.New(rand.NewPCG(seed, uint64(round)))
	now := crashBase(round)
	s, err := Open(crashOptions(dir, round, &now))
	if err != nil {
		fmt.Println("err", err)
		os.Exit(3)
	}
	next := map[string]uint64{}
	for _, st := range []string{"debug", "error", "events"} {
		next[st] = s.NextID(st)
	}
	seq := s.LastSeq() + 1
	fmt.Println("ready")
	stop := time.Now().Add(10 * time.Second)
	for time.Now().Before(stop) {
		now = now.Add(time.Minute)
		var segs []Segment
		var acks []string
		for range 1 + r.IntN(3) {
			switch st := []string{"debug", "error", "events"}[r.IntN(3)]; st {
			case "events":
				n := 1 + r.IntN(200)
				segs = append(segs, Segment{
					Stream: st, ID: next[st], Events: true, Records: uint64(n), Last: now,
					FirstSeq: seq, LastSeq: seq + uint64(n) - 1, Data: eventData(seq, n),
				})
				acks = append(acks, fmt.Sprintf("ack events %d %d %d", next[st], seq, n))
				seq += uint64(n)
				next[st]++
			default:
				size := 256 + r.IntN(16<<10)
				segs = append(segs, seg(st, next[st], size, now))
				acks = append(acks, fmt.Sprintf("ack %s %d %d", st, next[st], size))
				next[st]++
			}
		}
		if r.IntN(3) == 0 { // the live debug segment's tail
			g := seg("debug", next["debug"], 1+r.IntN(8<<10), now)
			g.Tail = true
			segs = append(segs, g)
		}
		if err := s.PutSegments(segs); err != nil {
			fmt.Println("err", err)
			os.Exit(3)
		}
		for _, a := range acks {
			fmt.Println(a)
		}
	}
	os.Exit(4)
}

// crashAck is what the child acknowledged of a segment: its size, or for
// events its record count and first Seq, and the round it was written in.
type crashAck struct {
	size     int
	firstSeq uint64
	round    int
}

func TestCrash(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in the child")
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(crashSeedEnv); v != "" {
		var err error
		seed, err = strconv.ParseUint(v, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("seed %d (%s=%d repeats this run)", seed, crashSeedEnv, seed)
	rounds := 30
	if testing.Short() {
		rounds = 10
	}
	r := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	acked := map[string]map[uint64]crashAck{"debug": {}, "error": {}, "events": {}}
	start := time.Now()
	kills := 0
	for round := range rounds {
		// Mostly kill while it writes; now and then while it opens and
		// recovers.
		early := r.IntN(5) == 0
		delay := time.Duration(r.IntN(120)) * time.Millisecond
		got := killChild(t, dir, seed, round, r, early, delay)
		kills++
		n := readAcks(t, got, acked, seed, round)
		checkCrashRound(t, dir, seed, round, acked)
		t.Logf("round %d: killed %s after %d acknowledgements", round, map[bool]string{true: "early", false: delay.String()}[early], n)
	}
	total := 0
	for _, m := range acked {
		total += len(m)
	}
	t.Logf("seed %d: %d kills, %d segments acknowledged, %d files, %v", seed, kills, total, len(files(t, dir)), time.Since(start))
	assert.Greater(t, total, 0)
}

// killChild starts the crash test's child for round, kills it early
// (while it opens) or delay after it is ready, and returns what it
// printed.
func killChild(t *testing.T, dir string, seed uint64, round int, r *rand.Rand, early bool, delay time.Duration) []string {
	t.Helper()
	cmd := selfCommand("-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashRoundEnv+"="+strconv.Itoa(round), crashSeedEnv+"="+strconv.FormatUint(seed, 10))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	if early {
		time.Sleep(time.Duration(r.IntN(40)) * time.Millisecond)
	} else {
		for l := range lines {
			got = append(got, l)
			if l == "ready" {
				break
			}
		}
		time.Sleep(delay)
	}
	require.NoError(t, cmd.Process.Kill())
	for l := range lines {
		got = append(got, l)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 {
		t.Fatalf("seed %d round %d: the child ended by itself (%v): %q", seed, round, err, got)
	}
	return got
}

// readAcks puts the acknowledgements among the child's lines in acked and
// returns how many there were.
func readAcks(t *testing.T, got []string, acked map[string]map[uint64]crashAck, seed uint64, round int) int {
	t.Helper()
	n := 0
	for _, l := range got {
		f := strings.Fields(l)
		switch f[0] {
		case "ready":
		case "ack":
			id, _ := strconv.ParseUint(f[2], 10, 64)
			if f[1] == "events" {
				first, _ := strconv.ParseUint(f[3], 10, 64)
				cnt, _ := strconv.Atoi(f[4])
				acked[f[1]][id] = crashAck{size: cnt, firstSeq: first, round: round}
			} else {
				size, _ := strconv.Atoi(f[3])
				acked[f[1]][id] = crashAck{size: size, round: round}
			}
			n++
		default:
			t.Fatalf("seed %d round %d: child: %s", seed, round, l)
		}
	}
	return n
}

// checkCrashRound opens the store after round's kill and checks that it
// recovered nothing, holds every acknowledged segment as written, and
// numbers IDs and Seq without a gap or a repeat.
func checkCrashRound(t *testing.T, dir string, seed uint64, round int, acked map[string]map[uint64]crashAck) {
	t.Helper()
	now := crashBase(round + 1)
	s, err := Open(crashOptions(dir, round, &now))
	require.NoError(t, err, "seed %d round %d", seed, round)
	assert.Empty(t, s.Recovered(), "seed %d round %d: a kill corrupts nothing", seed, round)
	for stream, want := range acked {
		infos, err := s.Segments(stream)
		require.NoError(t, err, "seed %d round %d", seed, round)
		for i, in := range infos {
			// IDs run from 0 without a gap or a repeat: after a
			// restart the writer goes on from NextID.
			require.Equal(t, uint64(i), in.ID, "seed %d round %d: %s IDs %v", seed, round, stream, ids(infos))
			b, err := s.Read(stream, in.ID)
			require.NoError(t, err, "seed %d round %d: %s %d", seed, round, stream, in.ID)
			a, ok := want[in.ID]
			if stream == "events" {
				if i > 0 {
					require.Greater(t, in.FirstSeq, infos[i-1].LastSeq, "seed %d round %d: Seq strictly increasing", seed, round)
				}
				require.Equal(t, in.Records, in.LastSeq-in.FirstSeq+1)
			} else if ok {
				require.False(t, in.Tail, "seed %d round %d: %s %d was sealed", seed, round, stream, in.ID)
			}
			if ok && a.round < round {
				continue // its content was compared after its own round
			}
			switch {
			case stream == "events":
				if ok {
					assert.Equal(t, eventData(a.firstSeq, a.size), b, "seed %d round %d: events %d", seed, round, in.ID)
				}
			case ok:
				assert.Equal(t, data(stream, in.ID, a.size), b, "seed %d round %d: %s %d", seed, round, stream, in.ID)
			default: // committed but not acknowledged, or a tail
				assert.Equal(t, data(stream, in.ID, len(b)), b, "seed %d round %d: %s %d", seed, round, stream, in.ID)
			}
		}
		for id := range want {
			require.Less(t, id, uint64(len(infos)), "seed %d round %d: acknowledged %s %d is missing", seed, round, stream, id)
		}
		if stream == "events" && len(infos) > 0 {
			assert.Equal(t, infos[len(infos)-1].LastSeq, s.LastSeq())
		}
	}
	require.NoError(t, s.Close())
	checkFiles(t, dir)
}
