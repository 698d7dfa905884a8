package gwlog

import (
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/internal/lokitest"
	"github.com/gwlog/gwlog/syslog"
)

func TestForwardFromConfig(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	logCfg, prodCfg := configs(t, baseCfg, "[forward.central]\nto = udp://"+pc.LocalAddr().String()+"\nstreams = error\npriority = local3.info\n")
	rt, err := Open(Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	defer rt.Close()
	l := rt.Logger("WebBrickGateway.Heating")
	buf := make([]byte, 4096)
	var got syslog.Message
	require.Eventually(t, func() bool {
		l.Error("valve stuck", "zone", 3)
		_ = pc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			return false
		}
		got, err = syslog.Parse(buf[:n])
		return err == nil
	}, 5*time.Second, time.Millisecond)
	assert.Equal(t, 19, got.Facility, "local3")
	assert.Equal(t, 3, got.Severity, "err, from the line")
	assert.Equal(t, "error", got.MsgID)
	assert.True(t, strings.HasSuffix(got.Msg, "valve stuck zone='3'"), got.Msg)
	require.Eventually(t, func() bool { return rt.Stats().Forwards["central"].Sent > 0 }, 5*time.Second, time.Millisecond,
		"counted once the write returns, which may be after the collector has it")

	rewrite(t, prodCfg, "[forward.central]\nto = tcp://nowhere:1\nstreams = nope\n")
	err = rt.Reload()
	require.Error(t, err)
	assert.Contains(t, err.Error(), prodCfg+":3: [forward.central] streams:")
}

// TestWebhookFailureReachesDebug: a failing webhook is said on the error
// stream and on debug, which collects everything.
func TestWebhookFailureReachesDebug(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens: every alert fails
	logCfg, prodCfg := configs(t, baseCfg, "[forward.alerts]\ntype = webhook\nto = http://"+addr+"/hook\nstreams = error\n")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	// The webhook follows the stream from when it starts: lines until it
	// has, and one to fail on.
	said := func(stream string) bool {
		return strings.Contains(strings.Join(rt.Stream(stream).Tail(100), "\n"), "webhook failing")
	}
	require.Eventually(t, func() bool {
		rt.Logger("Gateway").Error("boiler lockout")
		return said(Error)
	}, 10*time.Second, 50*time.Millisecond, "said on error")
	assert.Eventually(t, func() bool { return said(Debug) }, 5*time.Second, 10*time.Millisecond, "and on debug, just after")
}

// TestWebhookOnStreamWithoutLevel: a webhook on a stream whose format
// has no level (access's) could never alert: Open refuses it, naming the
// line of the config.
func TestWebhookOnStreamWithoutLevel(t *testing.T) {
	logCfg, prodCfg := configs(t, baseCfg, "[forward.alerts]\ntype = webhook\nto = http://127.0.0.1:9/hook\nstreams = error, access\n")
	_, err := Open(Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	require.ErrorIs(t, err, ErrConfig)
	require.ErrorIs(t, err, forward.ErrNoLevel)
	assert.Contains(t, err.Error(), prodCfg+":4: forward alerts:", "the streams line")
	assert.Contains(t, err.Error(), "stream access")
}

// counted returns how many lines that contain sub sink holds, and the
// most times one of them arrived.
func counted(sink *lokitest.Sink, sub string) (lines, most int) {
	seen := make(map[string]int)
	for _, l := range sink.Texts() {
		if strings.Contains(l, sub) {
			seen[l]++
		}
	}
	for _, n := range seen {
		most = max(most, n)
	}
	return len(seen), most
}

// TestReloadKeepsAnUnchangedShipperRunning: a reload that leaves a
// fleet destination as it was keeps it running, so that nothing is sent
// twice or missed; one that changes it starts it anew.
func TestReloadKeepsAnUnchangedShipperRunning(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	sink := &lokitest.Sink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	fleet := "[runtime]\nname = gw7\n[forward.fleet]\ntype = loki\nto = " + srv.URL + "\nstreams = error\n"
	logCfg, prodCfg := configs(t, baseCfg, fleet)
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	first := rt.shippers[0].Shipper
	l := rt.Logger("WebBrickGateway.Heating")
	for i := range 100 {
		l.Error("before", "i", i)
	}
	rewrite(t, prodCfg, fleet+"[logger.WebBrickGateway]\nlevel = DEBUG\n")
	require.NoError(t, rt.Reload())
	assert.Same(t, first, rt.shippers[0].Shipper, "unchanged: kept running")
	for i := range 100 {
		l.Error("after", "i", i)
	}
	require.Eventually(t, func() bool { n, _ := counted(sink, "after"); return n == 100 }, 10*time.Second, 10*time.Millisecond)
	n, most := counted(sink, "before")
	assert.Equal(t, 100, n, "none missed across the reload")
	assert.Equal(t, 1, most, "none sent twice")
	assert.Equal(t, map[string]string{"gateway": "gw7", "stream": "error", "level": "ERROR"}, sink.Lines()[0].Labels)
	st := rt.Stats().Shippers["fleet"]
	assert.Equal(t, "loki", st.Kind)
	require.Eventually(t, func() bool { return rt.Stats().Shippers["fleet"].Sent >= 200 }, 5*time.Second, time.Millisecond)

	rewrite(t, prodCfg, fleet+"labels = level, logger\n")
	require.NoError(t, rt.Reload())
	assert.NotSame(t, first, rt.shippers[0].Shipper, "changed: started anew")
	assert.Len(t, rt.shippers, 1)

	// A new pattern of a shipped stream starts it anew too: the shipper
	// reads its lines' level and logger by the pattern.
	second := rt.shippers[0].Shipper
	rewrite(t, prodCfg, fleet+"labels = level, logger\n[stream.error]\nformat = %(levelname)s|%(name)s|%(message)s\n")
	require.NoError(t, rt.Reload())
	assert.NotSame(t, second, rt.shippers[0].Shipper, "a stream's pattern changed: started anew")
	l.Error("piped")
	require.Eventually(t, func() bool { n, _ := counted(sink, "piped"); return n == 1 }, 10*time.Second, 10*time.Millisecond)
	for _, line := range sink.Lines() {
		if strings.Contains(line.Text, "piped") {
			assert.Equal(t, map[string]string{"gateway": "gw7", "stream": "error", "level": "ERROR", "logger": "WebBrickGateway.Heating"}, line.Labels, line.Text)
		}
	}
}

// TestShipperCAErrorNamesItsLine: a CA file that cannot be read is a
// config error at the line of ca.
func TestShipperCAErrorNamesItsLine(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "missing.pem")
	logCfg, prodCfg := configs(t, baseCfg, "[forward.fleet]\ntype = loki\nto = https://127.0.0.1:1\nstreams = error\nca = "+ca+"\n")
	_, err := Open(Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrConfig)
	assert.ErrorIs(t, err, forward.ErrCA)
	assert.Contains(t, err.Error(), prodCfg+":5: forward fleet: forward: bad ca file: open "+ca)
}

// TestInfluxFromConfigAtOpen: an influx destination in the config the
// runtime opens with follows the event log, which Open makes after the
// streams: its events arrive as line protocol.
func TestInfluxFromConfigAtOpen(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	var mu sync.Mutex
	var body strings.Builder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err == nil && r.Header.Get("Content-Encoding") == "gzip" {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(b)); err == nil {
				b, err = io.ReadAll(zr)
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		body.Write(b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	logCfg, prodCfg := configs(t, baseCfg, "[runtime]\nname = gw9\n[forward.metrics]\ntype = influx\nto = "+srv.URL+"/write\nevents = webbrick/\n")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	rt.Events().Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/100/CT/1", Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 21.5)}})
	rt.Events().Write(eventlog.Event{Type: "other/x", Source: "s"})
	require.Eventually(t, func() bool { return rt.Stats().Shippers["metrics"].Sent == 1 }, 10*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	assert.Regexp(t, `^webbrick_CT,source=wb/100/CT/1,gateway=gw9 val=21\.5 \d+\n$`, body.String())
}
