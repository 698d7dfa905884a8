package forward

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/ramlog"
)

// The real databases of the fleet tests, installed by scripts/deps.sh:
// VictoriaLogs (its Loki and OTLP endpoints) built from its Go module at
// a pinned version into ~/.cache/gwlog/bin, and VictoriaMetrics (the
// InfluxDB line protocol) from Debian's package.

// dbServer is a database process on a loopback port with its data in a
// temporary directory; stop and start keep both.
type dbServer struct {
	t    *testing.T
	bin  string
	args []string
	base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	done chan struct{}
}

// findDB returns the path of a database binary, or skips saying why.
func findDB(t *testing.T, name string, dirs ...string) string {
	if testing.Short() {
		t.Skip("takes 12 s: the database is away for 10 s")
	}
	if raceEnabled {
		// The shipper's code is the same as under the unit tests, which
		// the race run has; the databases would add 20 s to it.
		t.Skip("the plain run talks to the real databases; the race run skips them")
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range dirs {
		if p := filepath.Join(d, name); fileExists(p) {
			return p
		}
	}
	t.Skipf("%s is not installed (scripts/deps.sh, run by make test, installs it)", name)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func newDB(t *testing.T, bin string, args func(addr, dir string) []string) *dbServer {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	d := &dbServer{t: t, bin: bin, args: args(addr, t.TempDir()), base: "http://" + addr}
	d.start()
	t.Cleanup(d.stop)
	return d
}

// start starts the server and waits until /health answers.
func (d *dbServer) start() {
	d.cmd = exec.Command(d.bin, d.args...)
	out, err := os.Create(filepath.Join(d.t.TempDir(), "db.log"))
	require.NoError(d.t, err)
	d.cmd.Stdout, d.cmd.Stderr = out, out
	require.NoError(d.t, d.cmd.Start())
	d.done = make(chan struct{})
	go func() { _ = d.cmd.Wait(); out.Close(); close(d.done) }()
	require.Eventually(d.t, func() bool {
		resp, err := http.Get(d.base + "/health")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "%s answers /health", d.bin)
}

// stop stops the server and waits for it.
func (d *dbServer) stop() {
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(20 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
	d.cmd = nil
}

// get returns the body of GET path on the server, or "" on an error.
func (d *dbServer) get(path string, q url.Values) string {
	resp, err := http.Get(d.base + path + "?" + q.Encode())
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return b.String()
}

// logsMessages returns how many times VictoriaLogs holds each _msg the
// LogsQL query selects.
func logsMessages(d *dbServer, query string) map[string]int {
	out := make(map[string]int)
	for l := range strings.SplitSeq(strings.TrimSpace(d.get("/select/logsql/query", url.Values{"query": {query}})), "\n") {
		var row map[string]string
		if json.Unmarshal([]byte(l), &row) == nil {
			out[row["_msg"]]++
		}
	}
	return out
}

// nowLines are n lines stamped now (VictoriaLogs keeps recent logs),
// numbered from `from`.
func nowLines(tag string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = time.Now().Format("2006-01-02 15:04:05,000") + fmt.Sprintf(" INFO app.%s reading %d of the gateway token='t%d'", tag, from+i, from+i)
	}
	return out
}

// exactlyOnce checks that got holds every line of want once and nothing
// else but loss markers (none expected).
func exactlyOnce(t *testing.T, want []string, got map[string]int) {
	t.Helper()
	missing, twice := 0, 0
	for _, l := range want {
		switch got[l] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	assert.Zero(t, missing, "lines that never arrived")
	assert.Zero(t, twice, "lines that arrived more than once")
	assert.Len(t, got, len(want), "nothing else arrived")
}

// TestVictoriaLogs ships a stream to a real VictoriaLogs over Loki push
// and another over OTLP, reads them back with LogsQL, stops the database
// for 10 s while lines are logged and checks that, once it is back, every
// line has arrived exactly once.
func TestVictoriaLogs(t *testing.T) {
	t.Parallel()
	home, _ := os.UserHomeDir()
	bin := findDB(t, "victoria-logs", filepath.Join(home, ".cache/gwlog/bin"))
	db := newDB(t, bin, func(addr, dir string) []string {
		return []string{"-httpListenAddr=" + addr, "-storageDataPath=" + dir, "-loggerLevel=ERROR", "-retentionPeriod=7d"}
	})
	lokiStream := stream(t, ramlog.Options{})
	otlpStream, err := ramlog.New("otlp", ramlog.Options{})
	require.NoError(t, err)
	loki, err := StartShip(ShipOptions{Name: "vl-loki", Kind: Loki, URL: db.base + "/insert/loki/api/v1/push", Gateway: "gw-loki",
		Streams: []*ramlog.Stream{lokiStream}, BatchWait: 100 * time.Millisecond, Backoff: 100 * time.Millisecond})
	require.NoError(t, err)
	defer loki.Close()
	otlp, err := StartShip(ShipOptions{Name: "vl-otlp", Kind: OTLP, URL: db.base + "/insert/opentelemetry/v1/logs", Gateway: "gw-otlp",
		Streams: []*ramlog.Stream{otlpStream}, BatchWait: 100 * time.Millisecond, Backoff: 100 * time.Millisecond})
	require.NoError(t, err)
	defer otlp.Close()

	const n = 2000
	lokiWant, otlpWant := nowLines("loki", 0, n), nowLines("otlp", 0, n)
	for i := range n {
		lokiStream.WriteLine(0, []byte(lokiWant[i]))
		otlpStream.WriteLine(0, []byte(otlpWant[i]))
	}
	lokiQ, otlpQ := `gateway:="gw-loki" stream:="error"`, `gateway:="gw-otlp" "gwlog.stream":="otlp"`
	require.Eventually(t, func() bool {
		return len(logsMessages(db, lokiQ)) >= n && len(logsMessages(db, otlpQ)) >= n
	}, 30*time.Second, 200*time.Millisecond, "VictoriaLogs has the lines: loki %+v, otlp %+v; %d and %d held",
		loki.Stats(), otlp.Stats(), len(logsMessages(db, lokiQ)), len(logsMessages(db, otlpQ)))
	exactlyOnce(t, lokiWant, logsMessages(db, lokiQ))
	exactlyOnce(t, otlpWant, logsMessages(db, otlpQ))
	row := db.get("/select/logsql/query", url.Values{"query": {otlpQ + " | limit 1"}})
	assert.Contains(t, row, `"severity_text":"INFO"`, "OTLP severity text")
	assert.Contains(t, row, `"scope.name":"app.otlp"`, "the logger as the scope")
	assert.Contains(t, row, `"token":"t`, "the token as an attribute")
	st := loki.Stats()
	t.Logf("loki: %.1f B/line on the wire; otlp: %.1f B/line", float64(st.Bytes)/float64(st.Sent),
		float64(otlp.Stats().Bytes)/float64(otlp.Stats().Sent))

	db.stop()
	more := nowLines("loki", n, n)
	moreOTLP := nowLines("otlp", n, n)
	for i := range n {
		lokiStream.WriteLine(0, []byte(more[i]))
		otlpStream.WriteLine(0, []byte(moreOTLP[i]))
	}
	time.Sleep(10 * time.Second) // the database is away
	assert.Positive(t, loki.Stats().Failures)
	assert.Positive(t, otlp.Stats().Lag)
	db.start()
	lokiWant, otlpWant = append(lokiWant, more...), append(otlpWant, moreOTLP...)
	require.Eventually(t, func() bool {
		return len(logsMessages(db, lokiQ)) >= 2*n && len(logsMessages(db, otlpQ)) >= 2*n
	}, 60*time.Second, 200*time.Millisecond, "the lines of the outage arrive: loki %+v, otlp %+v; %d and %d held",
		loki.Stats(), otlp.Stats(), len(logsMessages(db, lokiQ)), len(logsMessages(db, otlpQ)))
	exactlyOnce(t, lokiWant, logsMessages(db, lokiQ))
	exactlyOnce(t, otlpWant, logsMessages(db, otlpQ))
	assert.Zero(t, loki.Stats().Lost)
	assert.Zero(t, otlp.Stats().Lost)
}

// vmSamples returns the values VictoriaMetrics holds for the series
// matching match, as "series value" keys counted.
func vmSamples(d *dbServer, match string) map[string]int {
	d.get("/internal/force_flush", nil)
	out := make(map[string]int)
	for l := range strings.SplitSeq(strings.TrimSpace(d.get("/api/v1/export", url.Values{"match[]": {match}})), "\n") {
		var row struct {
			Metric     map[string]string `json:"metric"`
			Values     []float64         `json:"values"`
			Timestamps []int64           `json:"timestamps"`
		}
		if json.Unmarshal([]byte(l), &row) != nil {
			continue
		}
		for i, v := range row.Values {
			out[fmt.Sprintf("%s{source=%s,gateway=%s} %g @%d", row.Metric["__name__"], row.Metric["source"], row.Metric["gateway"], v, row.Timestamps[i])]++
		}
	}
	return out
}

// TestVictoriaMetrics ships events to a real VictoriaMetrics over the
// InfluxDB line protocol, reads the samples back with /api/v1/export,
// stops the database for 10 s while events are written and checks that,
// once it is back, every event has arrived exactly once.
func TestVictoriaMetrics(t *testing.T) {
	t.Parallel()
	bin := findDB(t, "victoria-metrics", "/usr/bin")
	db := newDB(t, bin, func(addr, dir string) []string {
		return []string{"-httpListenAddr=" + addr, "-storageDataPath=" + dir, "-loggerLevel=ERROR", "-retentionPeriod=1y",
			"-search.latencyOffset=0s"}
	})
	log, err := eventlog.New(eventlog.Options{})
	require.NoError(t, err)
	defer log.Close()
	sh, err := StartShip(ShipOptions{Name: "vm", Kind: Influx, URL: db.base, Gateway: "gw-vm", Events: log,
		EventTypes: []string{"webbrick/CT"}, BatchWait: 100 * time.Millisecond, Backoff: 100 * time.Millisecond})
	require.NoError(t, err)
	defer sh.Close()

	base := time.Now().Add(-time.Minute).Truncate(time.Second).UnixNano()
	var mu sync.Mutex
	want := make(map[string]int)
	write := func(from, to int) {
		mu.Lock()
		defer mu.Unlock()
		for i := from; i < to; i++ {
			ts := base + int64(i)*int64(time.Millisecond)
			src := fmt.Sprintf("wb/100/CT/%d", i%3)
			log.Write(eventlog.Event{Time: ts, Type: "webbrick/CT", Source: src,
				Attrs: []eventlog.Attr{eventlog.FloatAttr("temp", float64(i)/10), eventlog.BoolAttr("ok", true)}})
			log.Write(eventlog.Event{Time: ts, Type: "webbrick/DI", Source: src, Attrs: []eventlog.Attr{eventlog.IntAttr("n", 1)}})
			want[fmt.Sprintf("webbrick_CT_temp{source=%s,gateway=gw-vm} %g @%d", src, float64(i)/10, ts/1e6)]++
			want[fmt.Sprintf("webbrick_CT_ok{source=%s,gateway=gw-vm} 1 @%d", src, ts/1e6)]++
		}
	}
	const n = 3000
	write(0, n)
	match := `{__name__=~"webbrick_.*",gateway="gw-vm"}`
	require.Eventually(t, func() bool { return len(vmSamples(db, match)) >= 2*n }, 30*time.Second, 200*time.Millisecond)
	assert.Equal(t, want, vmSamples(db, match), "every event once, webbrick/DI left out")
	st := sh.Stats()
	assert.Equal(t, uint64(n), st.Sent)
	assert.Equal(t, uint64(n), st.Skipped, "the types not asked for")
	t.Logf("influx: %.1f B/event on the wire", float64(st.Bytes)/float64(st.Sent))

	db.stop()
	write(n, 2*n)
	time.Sleep(10 * time.Second) // the database is away
	assert.Positive(t, sh.Stats().Failures)
	assert.Positive(t, sh.Stats().Lag)
	db.start()
	require.Eventually(t, func() bool { return len(vmSamples(db, match)) >= 4*n }, 60*time.Second, 200*time.Millisecond)
	assert.Equal(t, want, vmSamples(db, match), "the events of the outage arrive, once")
	assert.Zero(t, sh.Stats().Lost)
	assert.Zero(t, sh.Stats().Lag)
}
