package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/syslog"
)

// runIngest runs the daemon with the syslog ingest on UDP and on a unix
// socket, and returns the API's base URL, the ingest's UDP address and
// the socket's path; the daemon stops when the test ends.
func runIngest(t *testing.T, c Config) (base, udp, sock string) {
	t.Helper()
	leakcheck.Check(t, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	ready, slReady := make(chan string, 1), make(chan string, 1)
	done := make(chan error, 1)
	sock = filepath.Join(t.TempDir(), "log.sock")
	c.HTTP, c.Syslog, c.SyslogSocket = "127.0.0.1:0", "127.0.0.1:0", sock
	c.Options = gwlog.Options{Screen: io.Discard, Profile: "disk"}
	c.Ready = func(addr string) { ready <- addr }
	c.SyslogReady = func(addr string) { slReady <- addr }
	go func() { done <- Run(ctx, c) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		assert.NoFileExists(t, sock)
	})
	return "http://" + <-ready, <-slReady, sock
}

// ingestStats reads the ingest's counters off GET /stats.
func ingestStats(t *testing.T, base string) syslog.Stats {
	t.Helper()
	_, body := get(t, base+"/stats")
	var st struct {
		Syslog *syslog.Stats `json:"syslog"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &st), body)
	require.NotNil(t, st.Syslog, "/stats has the ingest's counters: %s", body)
	return *st.Syslog
}

// TestSyslogIngestCutsLongPackets sends gwlogd packets over 16 KiB: an
// error keeps its level and reaches the error stream, its message cut
// with a marker that says its size, whole in a line within max_line; a
// malformed one is kept raw, marked alike; /stats counts both.
func TestSyslogIngestCutsLongPackets(t *testing.T) {
	base, udpAddr, sock := runIngest(t, Config{})
	udp, err := net.Dial("udp", udpAddr)
	require.NoError(t, err)
	defer udp.Close()
	unix, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer unix.Close()
	long := "<11>1 - gw1 bigapp 7 - - " + strings.Repeat("x", 40000)
	_, err = udp.Write([]byte(long))
	require.NoError(t, err)
	_, err = unix.Write([]byte("<999>" + strings.Repeat("z", 20000)))
	require.NoError(t, err)

	var errs string
	require.Eventually(t, func() bool {
		_, errs = get(t, base+"/streams/error?n=5")
		return strings.Contains(errs, "syslog.bigapp")
	}, 5*time.Second, 10*time.Millisecond)
	line := regexp.MustCompile(`(?m)^\S+ \S+ ERROR syslog\.bigapp \S+ (x+)…\[truncated from 40025 bytes\] host='gw1' pid='7'$`).FindStringSubmatch(errs)
	require.NotNil(t, line, "an error cut, with its level and a marker: %.200q … %q", errs, errs[max(len(errs)-300, 0):])
	assert.Len(t, line[1], ingestMax(16<<10)-25, "cut where the kept bytes end")
	assert.LessOrEqual(t, len(line[0]), 16<<10, "within max_line")
	var debug string // the unix socket's packet is handled on a goroutine of its own
	require.Eventually(t, func() bool {
		_, debug = get(t, base+"/streams/debug?n=5")
		return strings.Contains(debug, "<999>")
	}, 5*time.Second, 10*time.Millisecond)
	raw := regexp.MustCompile(`WARNING syslog <999>z+…\[truncated from 20005 bytes\] err='syslog: message too long: 20005 bytes, kept \d+: syslog: malformed message at byte 1: [^']*'\n`)
	assert.Regexp(t, raw, debug)
	assert.NotContains(t, debug, "bytes truncated]", "no line cut again to fit max_line")
	assert.Equal(t, syslog.Stats{Received: 2, Malformed: 1, Truncated: 2}, ingestStats(t, base))
}

// TestTwoDaemonsOneSocket runs gwlogd, then a second on its syslog
// socket: the second exits 2 saying the socket is in use, and the first
// keeps its socket and gets what is logged there. Once the first is
// killed (its socket file left behind), a third replaces the stale file,
// and removes it when it stops.
func TestTwoDaemonsOneSocket(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gwlogd")
	build := exec.Command("go", "build", "-o", bin, "github.com/gwlog/gwlog/cmd/gwlogd")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	sock := filepath.Join(dir, "log.sock")
	args := []string{"-http", "127.0.0.1:0", "-syslog-socket", sock}

	first, base := startGwlogd(t, bin, args...)
	second := exec.Command(bin, args...)
	var stderr strings.Builder
	second.Stderr = &stderr
	err := second.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the second gwlogd runs: %s", stderr.String())
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, stderr.String(), "\ngwlogd: usage: syslog: socket in use: "+sock+" answers: another process serves it\n")

	send(t, sock, "<12>1 - gw1 probe - - - to the first gwlogd")
	require.Eventually(t, func() bool {
		_, body := get(t, base+"/streams/debug?n=20")
		return strings.Contains(body, "syslog.probe to the first gwlogd")
	}, 5*time.Second, 10*time.Millisecond)

	require.NoError(t, first.Process.Kill())
	_ = first.Wait()
	require.FileExists(t, sock, "a killed gwlogd leaves its socket file")
	third, base := startGwlogd(t, bin, args...)
	send(t, sock, "<12>1 - gw1 probe - - - to the third gwlogd")
	require.Eventually(t, func() bool {
		_, body := get(t, base+"/streams/debug?n=20")
		return strings.Contains(body, "syslog.probe to the third gwlogd")
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, third.Process.Signal(syscall.SIGTERM))
	require.NoError(t, third.Wait(), "exit status 0")
	assert.NoFileExists(t, sock)
}

// startGwlogd starts the gwlogd at bin and returns it once its screen
// stream says it serves the API and the syslog ingest, with the API's
// base URL; it is killed when the test ends.
func startGwlogd(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	ready := make(chan string, 1)
	go func() {
		addrRE := regexp.MustCompile(`addr='http://([^']+)'`)
		sc := bufio.NewScanner(out)
		var addr string
		for sc.Scan() {
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
				addr = m[1]
			}
			if strings.Contains(sc.Text(), "INFO syslog ingest socket=") {
				ready <- addr
			}
		}
	}()
	select {
	case addr := <-ready:
		return cmd, "http://" + addr
	case <-time.After(10 * time.Second):
		t.Fatal("gwlogd does not say it serves the syslog ingest")
		return nil, ""
	}
}

// send writes one packet to the unix socket at path.
func send(t *testing.T, path, packet string) {
	t.Helper()
	c, err := net.Dial("unixgram", path)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte(packet))
	require.NoError(t, err)
}
