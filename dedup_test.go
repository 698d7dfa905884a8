package gwlog

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/internal/leakcheck"
)

// lastLines returns the last n lines of a stream, without their time
// stamps (the default format's first 24 bytes).
func lastLines(t *testing.T, rt *Runtime, stream string, n int) []string {
	t.Helper()
	lines := rt.Stream(stream).Tail(n)
	out := make([]string, len(lines))
	for i, l := range lines {
		require.Greater(t, len(l), 24, l)
		out[i] = l[24:]
	}
	return out
}

func TestDedupStream(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	logCfg, prodCfg := configs(t, "[runtime]\nreload = 0\n[stream.debug]\ndedup = 30s\n", "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	assert.Equal(t, 30*time.Second, rt.Config().Streams[3].Dedup)
	heat := rt.Logger("WebBrickGateway.Heating")
	for range 5 {
		heat.Warn("boiler pressure low", "bar", 0.4)
	}
	heat.Warn("boiler pressure ok", "bar", 1.2)
	assert.Equal(t, []string{
		"WARNING WebBrickGateway.Heating boiler pressure low bar='0.4'",
		"WARNING WebBrickGateway.Heating last message repeated 4 times",
		"WARNING WebBrickGateway.Heating boiler pressure ok bar='1.2'",
	}, lastLines(t, rt, Debug, 3))

	// The error stream has no dedup: every line is there.
	for range 3 {
		heat.Error("valve stuck")
	}
	assert.Len(t, rt.Stream(Error).Tail(10), 3)
	assert.Equal(t, "ERROR WebBrickGateway.Heating valve stuck", lastLines(t, rt, Debug, 1)[0], "two repeats held back")

	require.NoError(t, rt.Close())
	assert.Equal(t, []string{
		"ERROR WebBrickGateway.Heating valve stuck",
		"ERROR WebBrickGateway.Heating last message repeated 2 times",
	}, lastLines(t, rt, Debug, 2), "Close writes the count held")
}

func TestDedupReload(t *testing.T) {
	logCfg, prodCfg := configs(t, "[runtime]\nreload = 0\n[stream.debug]\ndedup = 30s\n", "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	l := rt.Logger("svc")
	for range 3 {
		l.Warn("same")
	}

	// A new window keeps the Dedup, and so the count; the reload's note
	// (a line of the runtime's own) writes it.
	rewrite(t, prodCfg, "[stream.debug]\ndedup = 1m\n")
	require.NoError(t, rt.Reload())
	l.Warn("same")
	l.Warn("same")
	got := lastLines(t, rt, Debug, 4)
	assert.Equal(t, []string{"WARNING svc same", "WARNING svc last message repeated 2 times"}, got[:2])
	assert.Contains(t, got[2], "INFO gwlog config reloaded changes='stream.debug/dedup=1m ("+prodCfg+":2)'")
	assert.Equal(t, "WARNING svc same", got[3], "the note ended the run")

	// Turning dedup off writes the count held and lets every line through.
	rewrite(t, prodCfg, "[stream.debug]\ndedup = off\n")
	require.NoError(t, rt.Reload())
	l.Warn("same")
	l.Warn("same")
	got = lastLines(t, rt, Debug, 4)
	assert.Equal(t, "WARNING svc same", got[0], "the single repeat held, as it is")
	assert.Contains(t, got[1], "config reloaded changes='stream.debug/dedup=off ("+prodCfg+":2)'")
	assert.Equal(t, []string{"WARNING svc same", "WARNING svc same"}, got[2:])
}

// TestDedupQuietStream checks that the watcher writes the count of a
// stream that has gone quiet, reload or not.
func TestDedupQuietStream(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	logCfg, prodCfg := configs(t, "[runtime]\nreload = 0\n[stream.debug]\ndedup = 1s\n", "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	l := rt.Logger("svc")
	for range 4 {
		l.Warn("same")
	}
	require.Eventually(t, func() bool {
		return strings.HasSuffix(rt.Stream(Debug).Tail(1)[0], " WARNING svc last message repeated 3 times")
	}, 5*time.Second, 20*time.Millisecond)
}
