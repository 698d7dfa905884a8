package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
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
	"github.com/gwlog/gwlog/internal/demo"
	"github.com/gwlog/gwlog/internal/leakcheck"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestRunServesDemoLinesAndStopsClean(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{
			HTTP: "127.0.0.1:0", Demo: true, DemoOptions: demo.Options{Rate: 20},
			Options: gwlog.Options{Screen: io.Discard},
			Ready:   func(addr string) { ready <- addr },
		})
	}()
	addr := <-ready
	base := "http://" + addr

	// The demo's lines show up in the debug stream within a few ticks.
	var body string
	require.Eventually(t, func() bool {
		_, body = get(t, base+"/streams/debug?n=20")
		return strings.Contains(body, "INFO EventLog.webbrick.CT wb/") && strings.Contains(body, `"GET /`)
	}, 10*time.Second, 20*time.Millisecond)
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	assert.LessOrEqual(t, len(lines), 20)

	code, body := get(t, base+"/streams")
	require.Equal(t, http.StatusOK, code)
	var streams []struct {
		Name     string `json:"name"`
		Bytes    int64  `json:"bytes"`
		Segments int    `json:"segments"`
		Drops    uint64 `json:"drops"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &streams))
	require.Len(t, streams, 4)
	assert.Equal(t, "access", streams[0].Name)
	assert.Positive(t, streams[0].Bytes)

	code, body = get(t, base+"/streams/debug?n=-1")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.JSONEq(t, `{"error":"n: want a whole number from 0 to 1000000, got \"-1\""}`, body)
	code, body = get(t, base+"/streams/nope")
	assert.Equal(t, http.StatusNotFound, code)
	assert.JSONEq(t, `{"error":"no stream \"nope\""}`, body)

	cancel()
	require.NoError(t, <-done)
	_, err := http.Get(base + "/streams")
	assert.Error(t, err, "the API is down after Run returns")
}

func TestSyslogIngest(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	slReady := make(chan string, 1)
	done := make(chan error, 1)
	sock := filepath.Join(t.TempDir(), "log.sock")
	go func() {
		done <- Run(ctx, Config{
			HTTP: "127.0.0.1:0", Syslog: "127.0.0.1:0", SyslogSocket: sock,
			Options:     gwlog.Options{Screen: io.Discard, Profile: "disk"},
			Ready:       func(addr string) { ready <- addr },
			SyslogReady: func(addr string) { slReady <- addr },
		})
	}()
	base, udpAddr := "http://"+<-ready, <-slReady
	udp, err := net.Dial("udp", udpAddr)
	require.NoError(t, err)
	defer udp.Close()
	unix, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer unix.Close()
	_, _ = udp.Write([]byte("<11>1 - gw1 dnsmasq 77 - - upstream timeout"))
	_, _ = unix.Write([]byte("<30>Nov 21 10:00:00 dhcpcd[99]: lease renewed"))
	_, _ = unix.Write([]byte("<999>bad\x01packet"))
	var body string
	require.Eventually(t, func() bool {
		_, body = get(t, base+"/streams/debug?n=50")
		return strings.Contains(body, "<999>") && strings.Contains(body, "dnsmasq") && strings.Contains(body, "dhcpcd")
	}, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, body, "ERROR syslog.dnsmasq upstream timeout host='gw1' pid='77'")
	assert.Contains(t, body, "INFO syslog.dhcpcd lease renewed pid='99'")
	assert.Contains(t, body, `WARNING syslog <999>bad\x01packet err='syslog: malformed message at byte 1: PRI is not a number from 0 to 191'`)
	_, errs := get(t, base+"/streams/error?n=5")
	assert.Contains(t, errs, "syslog.dnsmasq", "an err severity reaches the error stream")
	cancel()
	require.NoError(t, <-done)
	assert.NoFileExists(t, sock)
}

func TestRunRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8514", ":8514", "192.0.2.1:80", "nonsense"} {
		err := Run(context.Background(), Config{HTTP: addr, Options: gwlog.Options{Screen: io.Discard}})
		require.ErrorIs(t, err, ErrUsage, addr)
	}
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0", "localhost:0"} {
		assert.NoError(t, loopback(addr), addr)
	}
}

// TestDaemonProcess runs the real binary on config files: it reads the
// API address off the screen stream, sees an edit to prod.cfg applied
// within the reload interval and another on SIGHUP, without a restart and
// without a lost line, then stops on SIGTERM with status 0.
func TestDaemonProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gwlogd")
	build := exec.Command("go", "build", "-o", bin, "github.com/gwlog/gwlog/cmd/gwlogd")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	logCfg, prodCfg := filepath.Join(dir, "log.cfg"), filepath.Join(dir, "prod.cfg")
	require.NoError(t, os.WriteFile(logCfg, []byte("[runtime]\nreload = 1s\n"), 0o644))
	require.NoError(t, os.WriteFile(prodCfg, []byte("# nothing yet\n"), 0o644))

	cmd := exec.Command(bin, "-config", logCfg, "-config", prodCfg, "-demo", "-demo-rate", "10", "-http", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	sc := bufio.NewScanner(stderr)
	addrRE := regexp.MustCompile(`addr='http://([^']+)'`)
	var addr string
	for addr == "" && sc.Scan() {
		if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	require.NotEmpty(t, addr, "the screen stream names the API address")
	var screen []string
	screenDone := make(chan struct{})
	go func() {
		defer close(screenDone)
		for sc.Scan() {
			screen = append(screen, sc.Text())
		}
	}()
	base := "http://" + addr
	debugHas := func(s string) func() bool {
		return func() bool {
			_, body := get(t, base+"/streams/debug?n=200")
			return strings.Contains(body, s)
		}
	}
	require.Eventually(t, debugHas(`"GET /`), 10*time.Second, 20*time.Millisecond)

	// An edit is picked up within the reload interval.
	require.NoError(t, os.WriteFile(prodCfg, []byte("[logger.WebBrickGateway.Heating]\nlevel = DEBUG\n"), 0o644))
	require.Eventually(t, debugHas("DEBUG WebBrickGateway.Heating pid loop"), 10*time.Second, 50*time.Millisecond)

	// SIGHUP applies the next one at once.
	require.NoError(t, os.WriteFile(prodCfg, []byte("[logger.WebBrickGateway.Comms]\nlevel = DEBUG\n[logger.WebBrickGateway.HTTP]\nlevel = DEBUG\n"), 0o644))
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, debugHas("DEBUG WebBrickGateway.HTTP request handled"), 10*time.Second, 50*time.Millisecond)

	code, body := get(t, base+"/streams")
	require.Equal(t, http.StatusOK, code)
	var streams []struct {
		Name    string `json:"name"`
		Drops   uint64 `json:"drops"`
		Written uint64 `json:"written"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &streams))
	for _, s := range streams {
		assert.Zero(t, s.Drops, "%s lost nothing across the reloads", s.Name)
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "exit status 0")
	<-screenDone
	all := strings.Join(screen, "\n")
	assert.Contains(t, all, "INFO config reloaded")
	assert.Contains(t, all, "INFO gwlogd stopping")
	assert.NotContains(t, all, "gwlogd starting", "no restart")
}
