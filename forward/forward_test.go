package forward

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

func stream(t *testing.T, o ramlog.Options) *ramlog.Stream {
	s, err := ramlog.New("error", o)
	require.NoError(t, err)
	return s
}

// waitFollowing writes probe lines until the forwarder's follower has
// subscribed (Follow starts at the tail it sees), and returns how many it
// wrote.
func waitFollowing(t *testing.T, s *ramlog.Stream, f *Forwarder) {
	t.Helper()
	require.Eventually(t, func() bool {
		s.WriteLine(0, []byte("2026-11-21 10:00:00,000 DEBUG app probe"))
		return f.Stats().Sent+f.Stats().Skipped > 0
	}, 5*time.Second, 5*time.Millisecond)
}

// readMessages reads n syslog messages from pc, leaving out
// waitFollowing's probes; each must come within 5 s.
func readMessages(t *testing.T, pc net.PacketConn, n int) []syslog.Message {
	t.Helper()
	var got []syslog.Message
	buf := make([]byte, 4096)
	for len(got) < n {
		_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		k, _, err := pc.ReadFrom(buf)
		require.NoError(t, err)
		m, err := syslog.Parse(buf[:k])
		require.NoError(t, err)
		if !strings.Contains(m.Msg, "probe") {
			got = append(got, m)
		}
	}
	return got
}

func TestUDPAndLevels(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	s := stream(t, ramlog.Options{})
	f, err := Start(Options{Name: "udp", To: "udp://" + pc.LocalAddr().String(), Streams: []*ramlog.Stream{s},
		Level: levels.INFO, Facility: 19, Hostname: "gw1"})
	require.NoError(t, err)
	defer f.Close()
	waitFollowing(t, s, f)
	s.WriteLine(0, []byte("2026-11-21 10:00:01,000 ERROR svc valve stuck"))
	s.WriteLine(0, []byte("2026-11-21 10:00:02,000 DEBUG svc detail"))
	s.WriteLine(0, []byte("no level at all"))
	got := readMessages(t, pc, 2)
	assert.Equal(t, "2026-11-21 10:00:01,000 ERROR svc valve stuck", got[0].Msg)
	assert.Equal(t, 3, got[0].Severity, "err, from the line's level")
	assert.Equal(t, 19, got[0].Facility)
	assert.Equal(t, "gwlog", got[0].AppName)
	assert.Equal(t, "error", got[0].MsgID, "the stream")
	assert.Equal(t, "gw1", got[0].Hostname)
	assert.Equal(t, "no level at all", got[1].Msg)
	assert.Equal(t, 5, got[1].Severity, "the configured severity")
	assert.GreaterOrEqual(t, f.Stats().Skipped, uint64(1), "DEBUG is below the destination's level")
}

func TestUnixRFC3164(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	pc, err := net.ListenPacket("unixgram", sock)
	require.NoError(t, err)
	defer pc.Close()
	s := stream(t, ramlog.Options{})
	f, err := Start(Options{To: "unix://" + sock, Protocol: syslog.RFC3164, Streams: []*ramlog.Stream{s}, Hostname: "gw1"})
	require.NoError(t, err)
	defer f.Close()
	waitFollowing(t, s, f)
	s.WriteLine(0, []byte("2026-11-21 10:00:01,000 WARNING app over the socket"))
	buf := make([]byte, 4096)
	for {
		_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		require.NoError(t, err)
		if strings.HasSuffix(string(buf[:n]), "over the socket") {
			assert.Regexp(t, `^<12>\w{3} [ \d]\d \d\d:\d\d:\d\d gw1 gwlog\[\d+\]: 2026-11-21 10:00:01,000 WARNING app over the socket$`, string(buf[:n]))
			return
		}
	}
}

func TestBadDestinations(t *testing.T) {
	for _, to := range []string{"", "http://x", "udp://", "tcp:// bad", "file:///x"} {
		_, err := Start(Options{To: to})
		assert.ErrorIs(t, err, ErrAddress, to)
	}
}

// collector is a TCP syslog receiver that keeps the messages it reads.
type collector struct {
	ln    net.Listener
	mu    sync.Mutex
	msgs  []string
	conns []net.Conn
	wg    sync.WaitGroup
}

func listenTCP(t *testing.T, addr string) *collector {
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	c := &collector{ln: ln}
	c.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.conns = append(c.conns, conn)
			c.mu.Unlock()
			c.wg.Go(func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for {
					var n int
					if _, err := fmt.Fscanf(r, "%d ", &n); err != nil {
						return
					}
					b := make([]byte, n)
					if _, err := io.ReadFull(r, b); err != nil {
						return
					}
					m, err := syslog.Parse(b)
					if err == nil {
						c.mu.Lock()
						c.msgs = append(c.msgs, m.Msg)
						c.mu.Unlock()
					}
				}
			})
		}
	})
	return c
}

// stop closes the listener and the connections, as a collector that
// goes away does, and waits for its goroutines.
func (c *collector) stop() {
	c.ln.Close()
	c.mu.Lock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *collector) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

// TestTCPOutageCatchesUp stops the collector, logs, starts it again, and
// expects every line still in the ring, in order, once.
func TestTCPOutageCatchesUp(t *testing.T) {
	c := listenTCP(t, "127.0.0.1:0")
	addr := c.ln.Addr().String()
	s := stream(t, ramlog.Options{})
	f, err := Start(Options{To: "tcp://" + addr, Streams: []*ramlog.Stream{s}, Backoff: 20 * time.Millisecond})
	require.NoError(t, err)
	defer f.Close()
	waitFollowing(t, s, f)
	for i := range 5 {
		s.WriteLine(0, fmt.Appendf(nil, "before %d", i))
	}
	require.Eventually(t, func() bool { return len(c.got()) >= 6 }, 5*time.Second, 10*time.Millisecond)
	c.stop()
	time.Sleep(50 * time.Millisecond)
	for i := range 20 {
		s.WriteLine(0, fmt.Appendf(nil, "during %d", i))
	}
	time.Sleep(300 * time.Millisecond)
	c2 := listenTCP(t, addr)
	defer c2.stop()
	require.Eventually(t, func() bool { return len(c2.got()) >= 20 }, 10*time.Second, 20*time.Millisecond, "stats %+v, got %q", f.Stats(), c2.got())
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("during %d", i))
	}
	assert.Equal(t, want, c2.got(), "all of them, in order, once")
	assert.Positive(t, f.Stats().Reconnects)
}

// rsyslog is a real rsyslogd listening on a loopback TCP port, writing
// each message it receives as a line of a file.
type rsyslog struct {
	t         *testing.T
	bin, dir  string
	conf, out string
	port      int
	cmd       *exec.Cmd
}

// newRsyslog configures an rsyslogd in a temporary directory, or skips
// the test when there is none.
func newRsyslog(t *testing.T) *rsyslog {
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		bin, err = "/usr/sbin/rsyslogd", nil
		if _, serr := os.Stat(bin); serr != nil {
			err = serr
		}
	}
	if err != nil {
		t.Skip("rsyslogd is not installed (make test installs Debian's rsyslog when root)")
	}
	dir := t.TempDir()
	r := &rsyslog{t: t, bin: bin, dir: dir, port: freePort(t),
		out: filepath.Join(dir, "out.log"), conf: filepath.Join(dir, "rsyslog.conf")}
	require.NoError(t, os.WriteFile(r.conf, []byte(fmt.Sprintf(`
global(workDirectory="%s")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="%d")
template(name="raw" type="string" string="%%msg%%\n")
*.* action(type="omfile" file="%s" template="raw")
`, dir, r.port, r.out)), 0o644))
	return r
}

// start starts rsyslogd and waits until it listens.
func (r *rsyslog) start() {
	r.cmd = exec.Command(r.bin, "-n", "-f", r.conf, "-i", filepath.Join(r.dir, "rsyslogd.pid"))
	r.cmd.Stderr = os.Stderr
	require.NoError(r.t, r.cmd.Start())
	require.Eventually(r.t, func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "rsyslogd listens")
}

// stop stops rsyslogd and waits for it.
func (r *rsyslog) stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	_ = r.cmd.Wait()
}

// received returns the lines rsyslogd has written that the test sent.
func (r *rsyslog) received() []string {
	b, _ := os.ReadFile(r.out)
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if strings.Contains(l, "heating valve") {
			got = append(got, l)
		}
	}
	return got
}

// TestRsyslog forwards to a real rsyslog on a loopback port: lines arrive
// byte-exact and in order, and after rsyslog is stopped for 10 s and
// started again it receives everything still in the ring.
func TestRsyslog(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 11 s: the collector is away for 10 s")
	}
	rs := newRsyslog(t)
	rs.start()
	defer rs.stop()

	s := stream(t, ramlog.Options{})
	f, err := Start(Options{To: fmt.Sprintf("tcp://127.0.0.1:%d", rs.port), Streams: []*ramlog.Stream{s}, Backoff: 50 * time.Millisecond})
	require.NoError(t, err)
	defer f.Close()
	waitFollowing(t, s, f)
	lines := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("2026-11-21 10:00:%02d,000 ERROR heating valve %d stuck zone='%d' note=\"it's\" \\x1b", i%60, i, i%4))
		}
		return out
	}
	for _, l := range lines(0, 50) {
		s.WriteLine(0, []byte(l))
	}
	require.Eventually(t, func() bool { return len(rs.received()) >= 50 }, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, lines(0, 50), rs.received(), "byte-exact and in order")

	rs.stop()
	for _, l := range lines(50, 100) {
		s.WriteLine(0, []byte(l))
	}
	time.Sleep(10 * time.Second) // the collector is away
	rs.start()
	require.Eventually(t, func() bool { return len(rs.received()) >= 100 }, 20*time.Second, 50*time.Millisecond)
	assert.Equal(t, lines(0, 100), rs.received(), "everything still in the ring arrives, once, in order")
	assert.Zero(t, f.Stats().Lost)
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestLevelsByPattern: a forwarder reads a line's level by its stream's
// pattern, so that a level name in a message is not taken for the line's.
func TestLevelsByPattern(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	for _, c := range []struct {
		pattern string
		lines   []string
		want    map[string]int // forwarded line: its severity
	}{
		{"%(levelname)s|%(name)s|%(message)s",
			[]string{"ERROR|svc|valve stuck", "DEBUG|svc|detail", "2026-11-21 10:00:01,000 ERROR svc other shape"},
			map[string]int{"ERROR|svc|valve stuck": 3, "2026-11-21 10:00:01,000 ERROR svc other shape": 5}},
		{"%(message)s",
			[]string{"ERROR svc said by the message", "DEBUG svc so was this"},
			map[string]int{"ERROR svc said by the message": 5, "DEBUG svc so was this": 5}},
	} {
		t.Run(c.pattern, func(t *testing.T) {
			pc, err := net.ListenPacket("udp", "127.0.0.1:0")
			require.NoError(t, err)
			defer pc.Close()
			sc, err := levels.NewScanner(c.pattern, time.UTC)
			require.NoError(t, err)
			s := stream(t, ramlog.Options{})
			f, err := Start(Options{Name: "udp", To: "udp://" + pc.LocalAddr().String(), Streams: []*ramlog.Stream{s},
				Scanners: []*levels.Scanner{sc}, Level: levels.INFO})
			require.NoError(t, err)
			defer f.Close()
			waitFollowing(t, s, f)
			for _, l := range c.lines {
				s.WriteLine(0, []byte(l))
			}
			got := make(map[string]int)
			for _, m := range readMessages(t, pc, len(c.want)) {
				got[m.Msg] = m.Severity
			}
			assert.Equal(t, c.want, got)
			assert.Equal(t, uint64(len(c.lines)-len(c.want)), f.Stats().Skipped, "below INFO by the pattern's level")
		})
	}
}
