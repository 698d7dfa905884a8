package gwlog

import (
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/internal/leakcheck"
)

func TestMonitorLine(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	logCfg, prodCfg := configs(t, "[runtime]\nmonitor = 1s\nreload = 0\n",
		"[forward.central]\nto = udp://"+pc.LocalAddr().String()+"\nstreams = error\n")
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
	assert.Equal(t, int64(6<<20), d.Cap)
	assert.Positive(t, d.Bytes)
	assert.InDelta(t, float64(d.Bytes)/float64(d.Cap), d.RingUse, 1e-9)
	assert.InDelta(t, 1.0, m.Interval, 0.5)
	assert.Contains(t, m.Forwards, "central")
	assert.Equal(t, uint64(0), m.Forwards["central"].Lag, "the collector kept up")
	assert.NotContains(t, m.Streams, "nothing")
	for _, l := range rt.Stream(Debug).Tail(100) {
		assert.NotContains(t, l, "lines_per_s", "the monitor line goes to its own stream only")
	}
}
