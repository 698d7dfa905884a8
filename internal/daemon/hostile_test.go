package daemon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

// The tests of this file run the real gwlogd and play clients that do
// not behave, on loopback: they hold thousands of connections, ask for
// all there is at once, and flood the syslog ingest. gwlogd's promise is
// that its memory stays within ram_cap + 16 MiB whatever they do, and
// that a plain tail is answered within a second meanwhile.

// hostileCap is the ram_cap of the tests' gwlogd, and hostileRoom what
// it may use beyond it.
const (
	hostileCap  = 32 << 20
	hostileRoom = 16 << 20
)

// siegedProc is a gwlogd process the test started.
type siegedProc struct {
	cmd    *exec.Cmd
	addr   string // the API's, host:port
	screen *gwtest.Buffer
}

// startSieged builds gwlogd and starts it on a loopback port with args
// and env added, and stops it when the test ends.
func startSieged(t *testing.T, env []string, args ...string) *siegedProc {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads the process's memory from /proc")
	}
	bin := filepath.Join(t.TempDir(), "gwlogd")
	build := exec.Command("go", "build", "-o", bin, "github.com/gwlog/gwlog/cmd/gwlogd")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	cmd := exec.Command(bin, append([]string{"-http", "127.0.0.1:0", "-ram-cap", strconv.Itoa(hostileCap>>20) + "MiB"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &siegedProc{cmd: cmd, screen: new(gwtest.Buffer)}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "gwlogd exits 0 on SIGTERM: %s", p.screen)
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("gwlogd did not stop on SIGTERM")
		}
	})
	sc := bufio.NewScanner(stderr)
	addrRE := regexp.MustCompile(`addr='http://([^']+)'`)
	for p.addr == "" && sc.Scan() {
		fmt.Fprintln(p.screen, sc.Text())
		if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
			p.addr = m[1]
		}
	}
	require.NotEmpty(t, p.addr, "the screen stream names the API address: %s", p.screen)
	go func() { _, _ = io.Copy(p.screen, stderr) }()
	return p
}

// rss returns the process's resident memory in bytes.
func (p *siegedProc) rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB$`).FindSubmatch(b)
	require.NotNil(t, m, "VmRSS in %s", b)
	kb, err := strconv.ParseInt(string(m[1]), 10, 64)
	require.NoError(t, err)
	return kb << 10
}

// connsFor returns how many client connections the test may hold, want
// or as many as its file limit allows (raised to the hard limit first),
// keeping 200 for the rest; it skips the test, saying why, when that is
// under a quarter of want.
func connsFor(t *testing.T, want int) int {
	t.Helper()
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	}
	n := min(want, int(lim.Cur)-200)
	if n < want/4 {
		t.Skipf("the open file limit (ulimit -n) is %d: too low to hold %d connections", lim.Cur, want/4)
	}
	if n < want {
		t.Logf("the open file limit (ulimit -n) is %d: holding %d connections rather than %d", lim.Cur, n, want)
	}
	return n
}

// holdIdle opens up to n keep-alive connections to addr, each after one
// GET of path with the header hdr (a whole line, or ""), until stop is
// closed, and returns them open. A connection the server closes at once
// (one of many beyond its cap) is kept too: the client holds it. The
// test's cleanup closes them.
func holdIdle(t *testing.T, addr, path, hdr string, n int, stop <-chan struct{}) []net.Conn {
	conns := make([]net.Conn, 0, n)
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: gw\r\n" + hdr + "\r\n")
	buf := make([]byte, 4096)
	for range n {
		select {
		case <-stop:
			return conns
		default:
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Errorf("connection %d: %v", len(conns), err)
			return conns
		}
		conns = append(conns, c)
		t.Cleanup(func() { c.Close() })
		_, _ = c.Write(req)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(buf); err != nil { // the response's start: it was answered
			t.Errorf("connection %d: %v", len(conns), err)
			return conns
		}
	}
	return conns
}

// stillOpen counts the connections the server has not closed.
func stillOpen(conns []net.Conn) int {
	n := 0
	var b [4096]byte
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		for {
			_, err := c.Read(b[:])
			if err == nil {
				continue // the rest of the response
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				n++
			}
			break
		}
	}
	return n
}

// TestDaemonIdleConnections holds 4,000 keep-alive connections to
// gwlogd, half of them refused with 401 by its token: its memory stays
// within ram_cap + 16 MiB, it keeps no more than its cap of them open,
// and a new client is served at once.
func TestDaemonIdleConnections(t *testing.T) {
	n := connsFor(t, 4000)
	p := startSieged(t, []string{"GWLOG_HTTP_TOKEN=" + apiToken})
	before := p.rss(t)
	var conns []net.Conn
	most := before
	for i := range 2 {
		auth := ""
		if i == 1 {
			auth = "Authorization: Bearer " + apiToken + "\r\n"
		}
		conns = append(conns, holdIdle(t, p.addr, "/streams/debug?n=1", auth, n/2, nil)...)
		most = max(most, p.rss(t))
	}
	// The last connection in made the server close the one idle longest:
	// its FIN may still be on its way.
	var kept int
	assert.Eventually(t, func() bool { kept = stillOpen(conns); return kept <= httplog.DefaultMaxConns }, 5*time.Second, 50*time.Millisecond)
	most = max(most, p.rss(t))
	t.Logf("%d connections held: gwlogd kept %d open, resident memory %d KiB at start, at most %d KiB", len(conns), kept, before>>10, most>>10)
	assert.LessOrEqual(t, kept, httplog.DefaultMaxConns, "connections open beyond the cap")
	assert.LessOrEqual(t, most, int64(hostileCap+hostileRoom), "resident memory")

	start := time.Now()
	code, _ := getAuth(t, "http://"+p.addr+"/streams/debug?n=10", "Bearer "+apiToken)
	assert.Equal(t, http.StatusOK, code)
	assert.Less(t, time.Since(start), time.Second)
}

// TestDaemonHostileClients is the whole siege at once: 4,000 idle
// keep-alive connections held (and up to 1,000 more coming), 40 clients
// asking for the largest read-backs the API takes (and more) over and
// over, and a syslog flood, for a few seconds. gwlogd's resident memory, sampled throughout, stays within
// ram_cap + 16 MiB, and a plain tail of ten lines is answered within a
// second throughout.
func TestDaemonHostileClients(t *testing.T) {
	n := connsFor(t, 4000)
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	slAddr := udp.LocalAddr().String()
	require.NoError(t, udp.Close())
	p := startSieged(t, nil, "-syslog", slAddr)
	base := "http://" + p.addr
	const siege = 4 * time.Second
	stop := make(chan struct{})
	var wg sync.WaitGroup

	// The idle connections first: opened during the siege, each would
	// wait its turn for a CPU that the rest keeps busy.
	opening := time.Now()
	conns := holdIdle(t, p.addr, "/stats", "", n, nil)
	t.Logf("%d idle connections opened in %v", len(conns), time.Since(opening).Round(time.Millisecond))

	// Resident memory, every 20 ms.
	var most atomic.Int64
	most.Store(p.rss(t))
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if r := p.rss(t); r > most.Load() {
					most.Store(r)
				}
			}
		}
	})

	// The syslog flood: up to 20,000 packets a second.
	var sent atomic.Int64
	wg.Go(func() {
		c, err := net.Dial("udp", slAddr)
		if !assert.NoError(t, err) {
			return
		}
		defer c.Close()
		pad := bytes.Repeat([]byte("x"), 160)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for range 100 {
				sev := []string{"<11>", "<14>", "<30>"}[i%3]
				_, _ = fmt.Fprintf(c, "%s1 - gw1 flood %d - - packet %d %s", sev, i%50, i, pad)
				i++
			}
			sent.Store(int64(i))
		}
	})

	// 40 clients asking for the most, or more than the API gives.
	heavy := []string{
		"/series?attr=val&step=9s&since=-24h",               // 9,600 buckets: the most
		"/series?attr=val&step=1s&since=-7d",                // 604,800: refused
		"/streams/debug?n=" + strconv.Itoa(httplog.MaxTail), // the whole ring
		"/streams/error?n=" + strconv.Itoa(httplog.MaxTail),
		"/streams/debug?grep=packet&n=" + strconv.Itoa(httplog.MaxTail), // filtered: more than a first pass keeps
		"/streams/debug?level=ERROR&logger=syslog.flood&n=" + strconv.Itoa(httplog.MaxTail),
		"/events",
		"/files/debug.log",
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	codes := make(map[int]int)
	var codesMu sync.Mutex
	for w := range 40 {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(base + heavy[i%len(heavy)])
				if err != nil {
					continue // cut while gwlogd makes room: asked again
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codesMu.Lock()
				codes[resp.StatusCode]++
				codesMu.Unlock()
			}
		})
	}

	// More come meanwhile, pressing on the cap on connections.
	var more []net.Conn
	wg.Go(func() { more = holdIdle(t, p.addr, "/stats", "", 1000, stop) })

	// A plain tail, every 100 ms, on a client of its own.
	tail := &http.Client{Timeout: 5 * time.Second}
	var slowest time.Duration
	var tails, failed int
	for end := time.Now().Add(siege); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		start := time.Now()
		resp, err := tail.Get(base + "/streams/debug?n=10")
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		slowest = max(slowest, time.Since(start))
		tails++
		if err != nil {
			failed++
			t.Errorf("a plain tail failed: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	conns = append(conns, more...)
	kept := stillOpen(conns)
	t.Logf("%d idle connections (%d kept open), %d syslog packets, read-backs answered %v; %d tails, the slowest %v; resident memory at most %d KiB",
		len(conns), kept, sent.Load(), codes, tails, slowest, most.Load()>>10)
	assert.LessOrEqual(t, most.Load(), int64(hostileCap+hostileRoom), "resident memory")
	assert.LessOrEqual(t, slowest, time.Second, "the slowest plain tail")
	assert.Zero(t, failed, "plain tails failed")
	assert.Positive(t, codes[http.StatusOK], "read-backs answered")
	var st struct {
		Streams []struct {
			Name    string `json:"name"`
			Written uint64 `json:"written"`
		} `json:"streams"`
	}
	_, body := get(t, base+"/stats")
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	for _, s := range st.Streams {
		if s.Name == "debug" {
			assert.Greater(t, s.Written, uint64(sent.Load()/10), "the flood reached the debug stream")
		}
	}
}
