package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/syslog"
)

// The ingest benchmark (TestSyslogIngest) runs only when BENCH_SYSLOG is
// set, as run.sh does: it takes about a minute and a half and starts
// rsyslogd. Its other knobs, all optional:
//
//	BENCH_SYSLOG_COUNT       messages per flood run (default 500000)
//	BENCH_SYSLOG_RATES       the paced runs' messages/s, comma-separated (default
//	                         100000,250000), each for 5 s
//	BENCH_SYSLOG_SENDERS     sending goroutines (default 2)
//	BENCH_SYSLOG_ROUNDS      rounds of every run, alternating who goes first (default 3)
//	BENCH_SYSLOG_RCVBUF      the receive buffer of both collectors (default 4194304;
//	                         0 leaves the kernel's default)
//	BENCH_SYSLOG_CPUPROFILE  CPU profiles of gwlog's flood runs go to this path
//	                         with the round appended: PATH.1, PATH.2, …
//	RSYSLOGD                 the rsyslogd binary (default /usr/sbin/rsyslogd)
const (
	envIngest     = "BENCH_SYSLOG"
	envSendChild  = "BENCH_SYSLOG_SEND" // set for the sender child: its SendOptions as JSON
	sendStatsMark = "sendstats: "
)

// TestMain runs the sender child when the ingest benchmark re-executes
// the test binary for it, and the tests otherwise.
func TestMain(m *testing.M) {
	if o := os.Getenv(envSendChild); o != "" {
		os.Exit(sendChild(o))
	}
	os.Exit(m.Run())
}

// sendChild sends as the JSON SendOptions o say and prints what it sent.
func sendChild(o string) int {
	var so SendOptions
	if err := json.Unmarshal([]byte(o), &so); err != nil {
		fmt.Fprintln(os.Stderr, "sender:", err)
		return 2
	}
	st, err := Send(context.Background(), so)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sender:", err)
		return 1
	}
	b, _ := json.Marshal(st)
	fmt.Printf("%s%s\n", sendStatsMark, b)
	return 0
}

// sendProcess is a running sender child.
type sendProcess struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

// startSender starts a sender child with o. The senders run in a process
// of their own, for gwlog as for rsyslogd: in the benchmark's process
// they would share its scheduler and collector with the ingest.
func startSender(t *testing.T, o SendOptions) *sendProcess {
	t.Helper()
	b, err := json.Marshal(o)
	require.NoError(t, err)
	p := &sendProcess{cmd: exec.Command(os.Args[0])}
	p.cmd.Env = append(os.Environ(), envSendChild+"="+string(b))
	p.cmd.Stdout = &p.out
	p.cmd.Stderr = os.Stderr
	require.NoError(t, p.cmd.Start())
	return p
}

// wait waits for the child, at most d (it is killed then), and returns
// what it sent.
func (p *sendProcess) wait(d time.Duration) (SendStats, error) {
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return SendStats{}, fmt.Errorf("the sender child failed: %w", err)
		}
	case <-time.After(d):
		_ = p.cmd.Process.Kill()
		<-done
		return SendStats{}, fmt.Errorf("the sender child did not end within %v", d)
	}
	for line := range strings.Lines(p.out.String()) {
		if rest, ok := strings.CutPrefix(line, sendStatsMark); ok {
			var st SendStats
			err := json.Unmarshal([]byte(rest), &st)
			return st, err
		}
	}
	return SendStats{}, fmt.Errorf("the sender child printed no stats: %q", p.out.String())
}

// ingestRun is one collector's run.
type ingestRun struct {
	name     string // "gwlog-flood", "rsyslog-paced", …
	sent     uint64
	received uint64        // lines in the rings, or in rsyslog's file
	elapsed  time.Duration // from the first packet sent to the last line in
	cpu      time.Duration // the collector's CPU time meanwhile, all threads
	note     string
}

func (r ingestRun) rate() float64 { return float64(r.received) / r.elapsed.Seconds() }

func (r ingestRun) lost() uint64 { return r.sent - min(r.sent, r.received) }

// line is r as a go test benchmark result, for cmd/benchtable.
func (r ingestRun) line() string {
	return fmt.Sprintf("BenchmarkSyslogIngest/%s \t1\t%.0f msg/s\t%.2f lost-%%\t%d sent\t%d received\t%.0f cpu-ns/msg",
		r.name, r.rate(), 100*float64(r.lost())/float64(max(r.sent, 1)), r.sent, r.received,
		float64(r.cpu.Nanoseconds())/float64(max(r.received, 1)))
}

// counter reads how many lines a collector has taken in.
type counter func() uint64

// measure starts the senders with o and polls n until every message sent
// is in or nothing has come in for idle after the senders finished. cpu
// is the collector's CPU time so far; used is what it took meanwhile.
func measure(t *testing.T, o SendOptions, n counter, cpu func() time.Duration) (sent, received uint64, elapsed, used time.Duration) {
	t.Helper()
	const idle = 500 * time.Millisecond
	base, cpu0 := n(), cpu()
	p := startSender(t, o)
	type result struct {
		st  SendStats
		err error
	}
	exited := make(chan result, 1)
	go func() {
		st, err := p.wait(2 * time.Minute)
		exited <- result{st, err}
	}()
	var (
		st        SendStats
		finished  bool
		last      = base
		lastMoved = time.Now()
		deadline  = time.Now().Add(3 * time.Minute)
	)
	for time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
		if cur := n(); cur != last {
			last, lastMoved = cur, time.Now()
		}
		if !finished {
			select {
			case r := <-exited:
				require.NoError(t, r.err)
				st, finished = r.st, true
			default:
			}
			continue
		}
		if last-base >= st.Sent || time.Since(lastMoved) > idle {
			break
		}
	}
	require.True(t, finished, "the senders did not finish")
	used = cpu() - cpu0
	// A collector that lost the last messages was busy until the senders
	// stopped all the same.
	return st.Sent, last - base, max(lastMoved.Sub(st.Start), st.End.Sub(st.Start), time.Millisecond), used
}

// readBuffer returns the receive buffer of the UDP socket on port, as the
// kernel reports it (twice what was asked, for its bookkeeping).
func readBuffer(port int) int {
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		sa, err := syscall.Getsockname(fd)
		if a, ok := sa.(*syscall.SockaddrInet4); err == nil && ok && a.Port == port {
			n, _ := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF)
			return n
		}
	}
	return 0
}

// runGwlog feeds a gwlog runtime's syslog ingest (the disk profile: every
// INFO line is kept in the debug ring) with o.
func runGwlog(t *testing.T, name string, o SendOptions, rcvbuf int, profile string) ingestRun {
	t.Helper()
	rt, err := gwlog.Open(gwlog.Options{Profile: "disk", Screen: io.Discard})
	require.NoError(t, err)
	defer rt.Close()
	srv, err := syslog.Listen(syslog.ServerOptions{UDP: "127.0.0.1:0", Handle: rt.SyslogHandler(), ReadBuffer: max(rcvbuf, 0)})
	require.NoError(t, err)
	defer srv.Close()
	port := srv.UDPAddr().(*net.UDPAddr).Port
	debug := rt.Stream(gwlog.Debug)
	o.Addr = srv.UDPAddr().String()
	if profile != "" {
		f, err := os.Create(profile)
		require.NoError(t, err)
		defer f.Close()
		require.NoError(t, pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	sent, received, elapsed, used := measure(t, o, func() uint64 { return debug.Stats().Written }, processCPU)
	packets, malformed := srv.Stats().Received, srv.Stats().Malformed
	assert.Zero(t, malformed, "malformed packets")
	assert.LessOrEqual(t, received, packets, "more lines than packets")
	r := ingestRun{name: "gwlog-" + name, sent: sent, received: received, elapsed: elapsed, cpu: used,
		note: fmt.Sprintf("server read %d packets, socket buffer %d bytes", packets, readBuffer(port))}
	// The newest line is an ingested message, as gwlogd would keep it.
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) syslog\.app\d sensor poll done zone=3 temp=21\.5 valve=open seq=\d+ (host='gw01' )?pid='\d+'`, debug.Tail(1)[0])
	return r
}

// freeUDPPort returns a UDP port on loopback that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// lineFile counts the lines of a file that grows, reading only what is new.
type lineFile struct {
	path  string
	off   int64
	lines uint64
	buf   []byte
}

func (f *lineFile) count() uint64 {
	fh, err := os.Open(f.path)
	if err != nil {
		return f.lines
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err != nil || fi.Size() == f.off {
		return f.lines
	}
	if f.buf == nil {
		f.buf = make([]byte, 1<<20)
	}
	for {
		n, err := fh.ReadAt(f.buf, f.off)
		f.off += int64(n)
		f.lines += uint64(bytes.Count(f.buf[:n], []byte{'\n'}))
		if err != nil || n < len(f.buf) {
			return f.lines
		}
	}
}

// rsyslogConf is an rsyslogd config with imudp on 127.0.0.1:port bound to
// a ruleset that writes every message to out, and nothing else. rcvbuf 0
// leaves the kernel's default buffer.
func rsyslogConf(dir string, port, rcvbuf int, out string) string {
	buf := ""
	if rcvbuf > 0 {
		buf = fmt.Sprintf(" rcvbufSize=%q", strconv.Itoa(rcvbuf))
	}
	return fmt.Sprintf(`global(workDirectory=%q)
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="%d" ruleset="bench"%s)
ruleset(name="bench") {
	action(type="omfile" file=%q)
}
`, dir, port, buf, out)
}

// runRsyslog starts rsyslogd with imudp writing into a file on tmpfs and
// feeds it with o.
func runRsyslog(t *testing.T, bin, name string, o SendOptions, rcvbuf int) ingestRun {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "gwlog-bench-rsyslog-")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	port := freeUDPPort(t)
	out := filepath.Join(dir, "out.log")
	conf := filepath.Join(dir, "rsyslog.conf")
	require.NoError(t, os.WriteFile(conf, []byte(rsyslogConf(dir, port, rcvbuf, out)), 0o644))
	var stderr lockedBuffer
	cmd := exec.Command(bin, "-n", "-f", conf, "-i", filepath.Join(dir, "rsyslogd.pid"))
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	// Ready once a probe has reached the file.
	f := &lineFile{path: out}
	o.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	probe, err := net.Dial("udp", o.Addr)
	require.NoError(t, err)
	defer probe.Close()
	ready := false
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			t.Fatalf("rsyslogd ended at start: %s", stderr.String())
		default:
		}
		_, _ = probe.Write([]byte("<14>1 - - probe - - - ready?"))
		time.Sleep(50 * time.Millisecond)
		if f.count() > 0 {
			ready = true
			break
		}
	}
	require.True(t, ready, "rsyslogd wrote no probe within 15 s: %s", stderr.String())
	time.Sleep(100 * time.Millisecond) // the last probes in
	sent, received, elapsed, used := measure(t, o, f.count, func() time.Duration { return procCPU(cmd.Process.Pid) })
	return ingestRun{name: "rsyslog-" + name, sent: sent, received: received, elapsed: elapsed, cpu: used,
		note: fmt.Sprintf("rcvbufSize %d", rcvbuf)}
}

// procCPU returns the CPU time of process pid, all threads, from
// /proc/PID/stat (utime and stime, in ticks of 1/100 s as Linux counts
// them for user space).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses and may
	// hold spaces: state is the 3rd field, utime the 14th, stime the 15th.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseUint(f[11], 10, 64)
	stime, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// lockedBuffer is a bytes.Buffer safe for concurrent use: a child's
// output, read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// udpStats returns the kernel's UDP InDatagrams and RcvbufErrors, for all
// sockets of the machine (from /proc/net/snmp).
func udpStats() (in, rcvbufErrors uint64) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, 0
	}
	var names []string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, v := range f {
			if i >= len(names) {
				break
			}
			n, _ := strconv.ParseUint(v, 10, 64)
			switch names[i] {
			case "InDatagrams":
				in = n
			case "RcvbufErrors":
				rcvbufErrors = n
			}
		}
		return in, rcvbufErrors
	}
	return 0, 0
}

func envInts(t *testing.T, name string, def []int) []int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		require.NoError(t, err, "%s", name)
		require.Positive(t, n, "%s", name)
		out = append(out, n)
	}
	return out
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "%s", name)
	return n
}

// TestSyslogIngest measures syslog ingest over loopback UDP: gwlog's
// syslog.Server logging into the tree as gwlogd does, against a real
// rsyslogd (imudp into a file on tmpfs), in the same run with the same
// senders. Each is fed a flood (BENCH_SYSLOG_COUNT messages as fast as
// the senders go) and paced runs (BENCH_SYSLOG_RATES messages/s for 5 s
// each). It prints one benchmark-format line per run (msg/s into the
// rings or the file, from the first packet sent to the last line in;
// lost-% of those sent; cpu-ns/msg, the collector's CPU time, all its
// threads, per message taken in) for cmd/benchtable, which takes the
// median of the rounds. gwlog's CPU time is the benchmark process's,
// which also polls the ring's counters every 2 ms.
func TestSyslogIngest(t *testing.T) {
	if os.Getenv(envIngest) == "" {
		t.Skip("set " + envIngest + "=1 to run the syslog ingest benchmark (run.sh does)")
	}
	var (
		count   = envInt(t, "BENCH_SYSLOG_COUNT", 500_000)
		rates   = envInts(t, "BENCH_SYSLOG_RATES", []int{100_000, 250_000})
		senders = envInt(t, "BENCH_SYSLOG_SENDERS", 2)
		rounds  = envInt(t, "BENCH_SYSLOG_ROUNDS", 3)
		rcvbuf  = envInt(t, "BENCH_SYSLOG_RCVBUF", 4<<20)
		profile = os.Getenv("BENCH_SYSLOG_CPUPROFILE")
		bin     = cmp.Or(os.Getenv("RSYSLOGD"), "/usr/sbin/rsyslogd")
	)
	rsyslogMissing := ""
	if _, err := exec.LookPath(bin); err != nil {
		rsyslogMissing = fmt.Sprintf("rsyslog is skipped: %v (Debian: apt-get install rsyslog)", err)
		fmt.Println("# " + rsyslogMissing)
	}
	type mode struct {
		name string
		o    SendOptions
	}
	modes := []mode{{"flood", SendOptions{Senders: senders, Count: count}}}
	for _, r := range rates {
		modes = append(modes, mode{"paced-" + strconv.Itoa(r/1000) + "k", SendOptions{Senders: senders, Rate: r, Count: 5 * r}})
	}
	fmt.Printf("# syslog ingest: %d sender goroutines in a child process; flood: %d messages; paced: %v msg/s for 5 s each; receive buffers %d bytes; %d rounds\n",
		senders, count, rates, rcvbuf, rounds)
	in0, errs0 := udpStats()
	var runs []ingestRun
	for round := range rounds {
		for _, m := range modes {
			order := []string{"gwlog", "rsyslog"}
			if round%2 == 1 {
				slices.Reverse(order)
			}
			for _, who := range order {
				var r ingestRun
				switch {
				case who == "gwlog":
					p := ""
					if m.name == "flood" && profile != "" {
						p = profile + "." + strconv.Itoa(round+1)
					}
					r = runGwlog(t, m.name, m.o, rcvbuf, p)
				case rsyslogMissing != "":
					continue
				default:
					r = runRsyslog(t, bin, m.name, m.o, rcvbuf)
				}
				runs = append(runs, r)
				fmt.Println(r.line())
				fmt.Printf("#   %s round %d: %d of %d in %v, %v of CPU (%s)\n", r.name, round+1, r.received, r.sent,
					r.elapsed.Round(time.Millisecond), r.cpu.Round(time.Millisecond), r.note)
			}
		}
	}
	in1, errs1 := udpStats()
	fmt.Printf("# kernel, all UDP sockets during the benchmark: %d datagrams received, %d dropped for a full receive buffer\n",
		in1-in0, errs1-errs0)
	require.NotEmpty(t, runs)
}

// TestSendOptions checks the sender's guards without sending anything.
func TestSendOptions(t *testing.T) {
	_, err := Send(context.Background(), SendOptions{Addr: "192.0.2.1:514", Count: 1})
	assert.ErrorIs(t, err, ErrNotLoopback)
	_, err = Send(context.Background(), SendOptions{Addr: "127.0.0.1:514"})
	assert.Error(t, err, "neither Count nor Duration")
}

// TestSenderPackets checks that every kind of packet the senders make
// parses as the format it claims, with its app name and sequence number.
func TestSenderPackets(t *testing.T) {
	s := sender{o: SendOptions{Apps: 4, Errors: 8}, id: 1}
	for seq := int64(1); seq <= 16; seq++ {
		p := s.packet(seq)
		m, err := syslog.Parse(p)
		require.NoError(t, err, "%s", p)
		assert.Equal(t, "app"+strconv.FormatInt(seq%4, 10), m.AppName, "%s", p)
		assert.Equal(t, "1001", m.ProcID, "%s", p)
		assert.True(t, strings.HasSuffix(m.Msg, " seq="+strconv.FormatInt(seq, 10)), "%s", p)
		if seq%4 == 3 {
			assert.Empty(t, m.Hostname, "%s", p)
		} else {
			assert.Equal(t, "gw01", m.Hostname, "%s", p)
		}
		wantSev := severities[seq%4]
		if seq%8 == 0 {
			wantSev = 3
		}
		assert.Equal(t, wantSev, m.Severity, "%s", p)
	}
}
