package gwlog

import (
	"encoding/json"
	"net"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/internal/lokitest"
	"github.com/gwlog/gwlog/syslog"
)

func TestMonitorLine(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	loki := httptest.NewServer(&lokitest.Sink{})
	defer loki.Close()
	logCfg, prodCfg := configs(t, "[runtime]\nmonitor = 1s\nreload = 0\n",
		"[forward.central]\nto = udp://"+pc.LocalAddr().String()+"\nstreams = error\n"+
			"[forward.fleet]\ntype = loki\nto = "+loki.URL+"\nstreams = error\nbudget = 1MiB/day\n")
	rt, err := Open(Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	defer rt.Close()
	for i := range 30 {
		rt.Logger("svc").Error("failing", "i", i)
	}
	var m MonitorLine
	require.Eventually(t, func() bool {
		lines := rt.Stream(Monitor).Tail(5)
		if len(lines) < 2 {
			return false // the second line has rates
		}
		require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &m), lines[len(lines)-1])
		return true
	}, 10*time.Second, 50*time.Millisecond)
	require.Contains(t, m.Streams, "debug")
	d := m.Streams["debug"]
	assert.Equal(t, share(100<<20, 4*64<<10, 40), d.Cap, "debug's share, with the monitor ring")
	assert.Positive(t, d.Bytes)
	assert.InDelta(t, float64(d.Bytes)/float64(d.Cap), d.RingUse, 1e-9)
	assert.InDelta(t, 1.0, m.Interval, 0.5)
	assert.Contains(t, m.Forwards, "central")
	assert.Equal(t, uint64(0), m.Forwards["central"].Lag, "the collector kept up")
	require.Contains(t, m.Shippers, "fleet")
	assert.Equal(t, "loki", m.Shippers["fleet"].Kind)
	assert.Equal(t, int64(1<<20), m.Shippers["fleet"].Budget, "the spend is said against the budget")
	assert.NotContains(t, m.Streams, "nothing")
	for _, l := range rt.Stream(Debug).Tail(100) {
		assert.NotContains(t, l, "lines_per_s", "the monitor line goes to its own stream only")
	}
}

// TestMonitorLineSyslog feeds a runtime through a syslog ingest named
// with SetIngest: Stats and the monitor line carry its counters, and
// leave them out again once SetIngest(nil).
func TestMonitorLineSyslog(t *testing.T) {
	logCfg, prodCfg := configs(t, "[runtime]\nmonitor = 1s\nreload = 0\n", "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	assert.Nil(t, rt.Stats().Syslog, "no ingest named")
	sock := filepath.Join(t.TempDir(), "log.sock")
	srv, err := syslog.Listen(syslog.ServerOptions{Unix: sock, Handle: rt.SyslogHandler(), MaxMessage: 64})
	require.NoError(t, err)
	defer srv.Close()
	rt.SetIngest(srv.Stats)
	c, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer c.Close()
	for _, p := range []string{"<11>1 - gw app - - - fine", "garbage", "<11>1 - gw app - - - " + string(make([]byte, 100))} {
		_, err := c.Write([]byte(p))
		require.NoError(t, err)
	}
	want := syslog.Stats{Received: 3, Malformed: 1, Truncated: 1}
	require.Eventually(t, func() bool { return srv.Stats() == want }, 5*time.Second, 5*time.Millisecond)
	require.NotNil(t, rt.Stats().Syslog)
	assert.Equal(t, want, *rt.Stats().Syslog)
	b, err := json.Marshal(rt.StatsJSON())
	require.NoError(t, err)
	assert.Contains(t, string(b), `"syslog":{"received":3,"malformed":1,"truncated":1,"kernel_drops":0}`)

	var m MonitorLine
	require.Eventually(t, func() bool {
		lines := rt.Stream(Monitor).Tail(1)
		return len(lines) == 1 && json.Unmarshal([]byte(lines[0]), &m) == nil && m.Syslog != nil
	}, 5*time.Second, 50*time.Millisecond)
	assert.Equal(t, want, *m.Syslog)

	rt.SetIngest(nil)
	assert.Nil(t, rt.Stats().Syslog)
}
