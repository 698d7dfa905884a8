package daemon

import (
	"bufio"
	"cmp"
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
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/internal/leakcheck"
)

// get gets url and returns the status code and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return getAuth(t, url, "")
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
	// The error stream may take the line just after the debug stream.
	var errs string
	assert.Eventually(t, func() bool {
		_, errs = get(t, base+"/streams/error?n=5")
		return strings.Contains(errs, "syslog.dnsmasq")
	}, 5*time.Second, 10*time.Millisecond, "an err severity reaches the error stream: %q", errs)
	cancel()
	require.NoError(t, <-done)
	assert.NoFileExists(t, sock)
}

// apiToken is a valid http_token for the tests.
const apiToken = "gw-test-token_0123456789"

// notLoopback is the start of the error for an exposed API without a token.
const notLoopback = `is not a loopback address: set an API token first ([runtime] http_token, -http-token or GWLOG_HTTP_TOKEN)`

func TestLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
		err  bool
	}{
		{"127.0.0.1:0", true, false},
		{"127.1.2.3:8514", true, false},
		{"[::1]:0", true, false},
		{"localhost:0", true, false},
		{"0.0.0.0:8514", false, false},
		{":8514", false, false},
		{"[::]:8514", false, false},
		{"192.0.2.1:80", false, false},
		{"gateway.local:80", false, false},
		{"nonsense", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			ok, err := loopback(tt.addr)
			assert.Equal(t, tt.ok, ok)
			if tt.err {
				assert.ErrorIs(t, err, ErrUsage)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

// TestRunHTTPToken starts the daemon on loopback and on every interface,
// with and without a token from the flag or the config, and checks what
// is refused at start-up and which requests are served.
func TestRunHTTPToken(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	conf := gwtest.Config(t, "[runtime]\nhttp_token = "+apiToken+"\n")
	tests := []struct {
		name, addr, flag string
		configs          []string
		err              string // the refusal at start-up
		open             bool   // served without a token
	}{
		{name: "every interface without a token", addr: "0.0.0.0:0", err: `usage: -http "0.0.0.0:0" ` + notLoopback},
		{name: "empty host without a token", addr: ":8514", err: `usage: -http ":8514" ` + notLoopback},
		{name: "another host without a token", addr: "192.0.2.1:80", err: `usage: -http "192.0.2.1:80" ` + notLoopback},
		{name: "no port", addr: "nonsense", err: `usage: -http "nonsense": address nonsense: missing port in address`},
		{name: "malformed flag token", addr: "127.0.0.1:0", flag: "secret value",
			err: "usage: -http-token: want a token of 16 to 512 characters from A-Z a-z 0-9 - . _ ~ + / (then = padding)"},
		{name: "loopback without a token", addr: "127.0.0.1:0", open: true},
		{name: "loopback with a flag token", addr: "127.0.0.1:0", flag: apiToken},
		{name: "every interface with a flag token", addr: "0.0.0.0:0", flag: apiToken},
		{name: "every interface with a config token", addr: "0.0.0.0:0", configs: []string{conf}},
		{name: "the flag wins over the config", addr: "127.0.0.1:0", flag: "other-token-0123456789", configs: []string{conf}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ready := make(chan string, 1)
			done := make(chan error, 1)
			go func() {
				done <- Run(ctx, Config{
					HTTP: tt.addr, HTTPToken: tt.flag,
					Options: gwlog.Options{Screen: io.Discard, Configs: tt.configs},
					Ready:   func(addr string) { ready <- addr },
				})
			}()
			if tt.err != "" {
				err := <-done
				require.ErrorIs(t, err, ErrUsage)
				assert.Equal(t, tt.err, err.Error())
				assert.NotContains(t, err.Error(), "secret", "a token is never repeated")
				return
			}
			var addr string
			select {
			case addr = <-ready:
			case err := <-done:
				t.Fatalf("Run: %v", err)
			}
			_, port, err := net.SplitHostPort(addr)
			require.NoError(t, err)
			url := "http://127.0.0.1:" + port + "/streams"
			token := cmp.Or(tt.flag, apiToken)

			code, body := getAuth(t, url, "")
			if tt.open {
				assert.Equal(t, http.StatusOK, code, body)
			} else {
				assert.Equal(t, http.StatusUnauthorized, code)
				assert.JSONEq(t, `{"error":"unauthorized: want an Authorization: Bearer header with the API's token"}`, body)
			}
			code, _ = getAuth(t, url, "Bearer "+token)
			assert.Equal(t, http.StatusOK, code)
			if !tt.open {
				code, body = getAuth(t, url, "Bearer "+token+"x")
				assert.Equal(t, http.StatusUnauthorized, code)
				assert.JSONEq(t, `{"error":"unauthorized: wrong token"}`, body)
			}
			cancel()
			require.NoError(t, <-done)
		})
	}
}

// getAuth gets url with an Authorization header, unless empty.
func getAuth(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	resp, b := gwtest.Fetch(t, http.MethodGet, url, "Authorization", auth)
	return resp.StatusCode, string(b)
}

// TestDaemonRefusesExposedAPI runs the real binary: an API on every
// interface without a token exits 2 with one line on stderr; with
// GWLOG_HTTP_TOKEN it starts and wants the token.
func TestDaemonRefusesExposedAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "gwlogd")
	build := exec.Command("go", "build", "-o", bin, "github.com/gwlog/gwlog/cmd/gwlogd")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	cmd := exec.Command(bin, "-http", "0.0.0.0:0")
	cmd.Env = append(os.Environ(), "GWLOG_HTTP_TOKEN=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Equal(t, `gwlogd: usage: -http "0.0.0.0:0" `+notLoopback+"\n", stderr.String())

	cmd = exec.Command(bin, "-http", "0.0.0.0:0")
	cmd.Env = append(os.Environ(), "GWLOG_HTTP_TOKEN="+apiToken)
	out, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	ports := make(chan string, 1)
	go func() {
		addrRE := regexp.MustCompile(`addr='http://[^']*:(\d+)' token='true'`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
				ports <- m[1]
			}
		}
	}()
	var port string
	select {
	case port = <-ports:
	case <-time.After(10 * time.Second):
		t.Fatal("the screen stream does not name the API address")
	}
	code, _ := getAuth(t, "http://127.0.0.1:"+port+"/stats", "")
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = getAuth(t, "http://127.0.0.1:"+port+"/stats", "bearer "+apiToken)
	assert.Equal(t, http.StatusOK, code)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "exit status 0")
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
	<-screenDone // read to the end before Wait, which closes the pipe
	require.NoError(t, cmd.Wait(), "exit status 0")
	all := strings.Join(screen, "\n")
	assert.Contains(t, all, "INFO config reloaded")
	assert.Contains(t, all, "INFO gwlogd stopping")
	assert.NotContains(t, all, "gwlogd starting", "no restart")
}

// TestAccessFormatFromConfig: [stream.access] format = w3c makes gwlogd's
// access lines W3C, with the header lines at the top of the file.
func TestAccessFormatFromConfig(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	path := gwtest.Config(t, "[stream.access]\nformat = w3c\n")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{
			HTTP: "127.0.0.1:0", Demo: true, DemoOptions: demo.Options{Rate: 20},
			Options: gwlog.Options{Screen: io.Discard, Configs: []string{path}},
			Ready:   func(addr string) { ready <- addr },
		})
	}()
	base := "http://" + <-ready
	var body string
	require.Eventually(t, func() bool {
		_, body = get(t, base+"/files/access.log")
		return strings.Count(body, "\n") >= 4
	}, 10*time.Second, 20*time.Millisecond)
	lines := strings.Split(body, "\n")
	assert.Equal(t, "#Version: 1.0", lines[0])
	assert.Equal(t, "#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status sc-bytes time-taken cs(User-Agent) cs(Referer) x-request-id", lines[1])
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 127\.0\.0\.1 (GET|POST) /api/\S+ \S+ \d{3} \d+ \d+ \S+ - \S+$`, lines[2])
	assert.NotContains(t, body, "w3c\n", "not the literal word")
	cancel()
	require.NoError(t, <-done)
}

// TestJSONPreset: format = json makes gwlogd's debug lines JSON objects
// that encoding/json reads, with the attrs as fields.
func TestJSONPreset(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	path := gwtest.Config(t, "[stream.debug]\nformat = json\n")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{
			HTTP: "127.0.0.1:0", Demo: true, DemoOptions: demo.Options{Rate: 20},
			Options: gwlog.Options{Screen: io.Discard, Configs: []string{path}},
			Ready:   func(addr string) { ready <- addr },
		})
	}()
	base := "http://" + <-ready
	var body string
	require.Eventually(t, func() bool {
		_, body = get(t, base+"/streams/debug?n=200")
		return strings.Contains(body, `"logger":"EventLog.webbrick.CT"`)
	}, 10*time.Second, 20*time.Millisecond)
	for line := range strings.Lines(body) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		assert.Contains(t, m, "level", line)
		if m["logger"] == "EventLog.webbrick.CT" {
			assert.IsType(t, float64(0), m["val"], "a number: %s", line)
			assert.IsType(t, float64(0), m["seq"], line)
		}
	}
	cancel()
	require.NoError(t, <-done)
}

// TestEventTypesEndpoint: gwlogd's API lists the demo's event types and
// sources, with the attributes a graph can take.
func TestEventTypesEndpoint(t *testing.T) {
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
	base := "http://" + <-ready
	var ans struct {
		Types []struct {
			Type, Source string
			Count        int
			Attrs        []string
		}
	}
	require.Eventually(t, func() bool {
		code, body := get(t, base+"/events/types?type="+demo.TypeTemperature)
		require.Equal(t, http.StatusOK, code, body)
		require.NoError(t, json.Unmarshal([]byte(body), &ans))
		return len(ans.Types) == 4
	}, 10*time.Second, 50*time.Millisecond, "the demo's four sensors")
	for _, k := range ans.Types {
		assert.Equal(t, demo.TypeTemperature, k.Type)
		assert.Regexp(t, `^wb/10\d/CT/\d$`, k.Source)
		assert.Positive(t, k.Count)
		assert.Equal(t, []string{"val"}, k.Attrs)
	}
	cancel()
	require.NoError(t, <-done)
}
