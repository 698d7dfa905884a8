package gwlog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/levels"
)

// configs writes log.cfg and prod.cfg into a temporary directory and
// returns their paths.
func configs(t *testing.T, logCfg, prodCfg string) (string, string) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "log.cfg"), filepath.Join(dir, "prod.cfg")
	require.NoError(t, os.WriteFile(a, []byte(logCfg), 0o644))
	require.NoError(t, os.WriteFile(b, []byte(prodCfg), 0o644))
	return a, b
}

func rewrite(t *testing.T, path, content string) {
	t.Helper()
	// A new mtime even on coarse-grained file systems.
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	later := time.Now().Add(time.Duration(len(content)) * time.Millisecond)
	require.NoError(t, os.Chtimes(path, later, later))
}

const baseCfg = `
[runtime]
reload = 0
[stream.debug]
keep = 5
`

func TestReloadAppliesANewConfig(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	logCfg, prodCfg := configs(t, baseCfg, "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg + "?"}, Screen: &syncBuffer{}})
	heat := rt.Logger("WebBrickGateway.Heating")
	for i := range 50 {
		heat.Warn("before", "i", i)
	}
	assert.Equal(t, levels.WARNING, heat.EffectiveLevel())

	rewrite(t, prodCfg, `
[stream.debug]
keep = 9
format = %(levelname)s %(name)s %(message)s %(attrs)s
[stream.heating]
format = %(message)s
[logger.WebBrickGateway.Heating]
level = DEBUG
streams = heating
`)
	require.NoError(t, rt.Reload())
	assert.Equal(t, levels.DEBUG, heat.EffectiveLevel())
	assert.Equal(t, 9, rt.Stream("debug").Keep())
	assert.Equal(t, int64(10<<20), rt.Stream("debug").Stats().Cap, "the ring grew")
	heat.Debug("after")
	assert.Equal(t, []string{"after"}, rt.Stream("heating").Tail(5), "the new stream is wired")
	tail := rt.Stream("debug").Tail(100)
	assert.Equal(t, "DEBUG WebBrickGateway.Heating after", tail[len(tail)-1], "the new format applies")
	assert.Equal(t, 52, len(tail), "the 50 lines from before are all still there, plus the note and the new line")
	note := tail[len(tail)-2]
	assert.Contains(t, note, "INFO gwlog config reloaded changes=")
	assert.Contains(t, note, "logger.WebBrickGateway.Heating/level=DEBUG ("+prodCfg+":8)")
	assert.Contains(t, note, "stream.debug/keep=9 ("+prodCfg+":3)")
	assert.Equal(t, prodCfg+":3", rt.Config().Origins["stream.debug/keep"].String())
}

func TestBadReloadChangesNothing(t *testing.T) {
	logCfg, prodCfg := configs(t, baseCfg, "[stream.debug]\nkeep = 6\n")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	rewrite(t, prodCfg, "[stream.debug]\nkeep = 7\nrotate = sise 1MiB\n[logger.x]\nlevel = LOUD\n")
	err := rt.Reload()
	require.ErrorIs(t, err, ErrConfig)
	assert.Contains(t, err.Error(), prodCfg+`:3: [stream.debug] rotate: want "size N", "time UNIT", "both UNIT,N" or "none", got "sise 1MiB"`)
	assert.Contains(t, err.Error(), prodCfg+`:5: [logger.x] level:`, "every problem is reported")
	assert.Equal(t, 6, rt.Stream("debug").Keep(), "nothing changed")
	errLines := rt.Stream("error").Tail(10)
	require.Len(t, errLines, 1, "one line on the error stream")
	assert.Contains(t, errLines[0], "ERROR gwlog")
	assert.Contains(t, errLines[0], "config reload failed, running config kept")
	assert.Contains(t, errLines[0], prodCfg+":3")

	require.NoError(t, os.Remove(prodCfg))
	require.Error(t, rt.Reload(), "a required file that vanished is an error")
	assert.Equal(t, 6, rt.Stream("debug").Keep())
}

func TestWatcherPicksUpAnEdit(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	logCfg, prodCfg := configs(t, "[runtime]\nreload = 1s\n", "")
	rt, err := Open(Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	require.NoError(t, err)
	defer rt.Close()
	rewrite(t, prodCfg, "[logger.Comms]\nlevel = DEBUG\n")
	require.Eventually(t, func() bool {
		return rt.Logger("Comms").EffectiveLevel() == levels.DEBUG
	}, 5*time.Second, 20*time.Millisecond, "the edit is applied within the reload interval")
}

// TestReloadsLoseNoLine runs writers through 100 reloads that reshape the
// ring and change the format, and counts every line.
func TestReloadsLoseNoLine(t *testing.T) {
	configsA := "[stream.counted]\nrotate = size 64KiB\nkeep = 3\nformat = A %(message)s\n[logger.w]\nlevel = INFO\nstreams = counted\npropagate = no\n"
	configsB := "[stream.counted]\nrotate = size 32KiB\nkeep = 8\nformat = B %(message)s\n[logger.w]\nlevel = INFO\nstreams = counted\npropagate = no\n"
	logCfg, prodCfg := configs(t, baseCfg, configsA)
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	var sent atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			l := rt.Logger("w")
			for {
				select {
				case <-stop:
					return
				default:
				}
				l.Info("line")
				sent.Add(1)
			}
		})
	}
	rounds := 100
	if testing.Short() {
		rounds = 20
	}
	for i := range rounds {
		next := configsA
		if i%2 == 0 {
			next = configsB
		}
		rewrite(t, prodCfg, next)
		require.NoError(t, rt.Reload())
	}
	close(stop)
	wg.Wait()
	st := rt.Stream("counted").Stats()
	assert.Equal(t, sent.Load(), st.Written, "every line reached the stream")
	assert.Equal(t, st.Written, st.Lines+st.Drops, "and is held or counted")
	for _, l := range rt.Stream("counted").Tail(int(st.Lines)) {
		if !strings.HasPrefix(l, "…") {
			assert.Contains(t, []string{"A line", "B line"}, l)
		}
	}
}

func TestSetLevelForAWhile(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	logCfg, prodCfg := configs(t, baseCfg, "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	l := rt.Logger("WebBrickGateway.Heating")
	require.NoError(t, rt.SetLevel("WebBrickGateway.Heating", levels.DEBUG, time.Second))
	assert.True(t, l.Enabled(context.Background(), levels.DEBUG))
	rewrite(t, prodCfg, "[logger.Other]\nlevel = INFO\n")
	require.NoError(t, rt.Reload())
	assert.True(t, l.Enabled(context.Background(), levels.DEBUG), "a reload keeps it")
	require.Eventually(t, func() bool { return !l.Enabled(context.Background(), levels.DEBUG) }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, levels.WARNING, l.EffectiveLevel(), "back to what it was")
	assert.Contains(t, strings.Join(rt.Stream("debug").Tail(10), "\n"), "temporary level ended logger='WebBrickGateway.Heating' level='NOTSET'")

	// Once it has run out, the config decides again.
	rewrite(t, prodCfg, "[logger.WebBrickGateway.Heating]\nlevel = ERROR\n")
	require.NoError(t, rt.Reload())
	assert.Equal(t, levels.ERROR, l.EffectiveLevel())

	require.NoError(t, rt.SetLevel("Comms", levels.ERROR, 0))
	require.NoError(t, rt.Reload())
	assert.Equal(t, levels.ERROR, rt.Logger("Comms").EffectiveLevel(), "a level set for good survives reloads")
}

func TestConfiguredTemporaryLevel(t *testing.T) {
	logCfg, prodCfg := configs(t, baseCfg, "[logger.Heating]\nlevel = DEBUG for 300ms\n")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	l := rt.Logger("Heating")
	assert.Equal(t, levels.DEBUG, l.EffectiveLevel())
	require.Eventually(t, func() bool { return l.EffectiveLevel() == levels.WARNING }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, rt.Reload())
	assert.Equal(t, levels.WARNING, l.EffectiveLevel(), "reloading the same setting does not raise it again")
	rewrite(t, prodCfg, "[logger.Heating]\nlevel = INFO for 1h\n")
	require.NoError(t, rt.Reload())
	assert.Equal(t, levels.INFO, l.EffectiveLevel(), "a new setting does")
}

func TestSetLevelForGoodBeatsAConfiguredTemporaryLevel(t *testing.T) {
	logCfg, prodCfg := configs(t, baseCfg, "[logger.A]\nlevel = DEBUG for 1h\n")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	assert.Equal(t, levels.DEBUG, rt.Logger("A").EffectiveLevel())
	require.NoError(t, rt.SetLevel("A", levels.ERROR, 0))
	assert.Equal(t, levels.ERROR, rt.Logger("A").EffectiveLevel())
	require.NoError(t, rt.Reload())
	assert.Equal(t, levels.ERROR, rt.Logger("A").EffectiveLevel(), "an unchanged reload does not bring the temporary level back")
}

func TestKeepZeroInConfigKeepsNoHistory(t *testing.T) {
	logCfg, prodCfg := configs(t, baseCfg, "[stream.debug]\nkeep = 0\nrotate = size 64KiB\n")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	assert.Equal(t, 0, rt.Stream("debug").Keep())
	assert.Equal(t, int64(64<<10), rt.Stream("debug").Stats().Cap)
}

func TestReloadNoteHidesTheToken(t *testing.T) {
	logCfg, prodCfg := configs(t, baseCfg, "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	rewrite(t, prodCfg, "[runtime]\nhttp_token = s3cret-token-of-16+chars\n")
	require.NoError(t, rt.Reload())
	debug := strings.Join(rt.Stream("debug").Tail(10), "\n")
	assert.Contains(t, debug, "runtime/http_token=(not shown)")
	assert.NotContains(t, debug, "s3cret")
}

// TestFailedReloadSaidOnceInErrorAndDebug: a reload that fails is said on
// the error stream and on debug, which collects everything, and the same
// failure again (the watcher retries a bad file every interval) is not
// said again; once a reload works, a new failure is said.
func TestFailedReloadSaidOnceInErrorAndDebug(t *testing.T) {
	logCfg, prodCfg := configs(t, baseCfg, "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	count := func(stream string) int {
		return strings.Count(strings.Join(rt.Stream(stream).Tail(100), "\n"), "config reload failed")
	}
	rewrite(t, prodCfg, "[stream.debug]\nkeep = many\n")
	for range 5 {
		require.Error(t, rt.Reload())
	}
	assert.Equal(t, 1, count(Error), "said once on error")
	assert.Equal(t, 1, count(Debug), "and once on debug")

	rewrite(t, prodCfg, "[stream.debug]\nkeep = 4\n")
	require.NoError(t, rt.Reload())
	rewrite(t, prodCfg, "[stream.debug]\nkeep = many\n")
	require.Error(t, rt.Reload())
	assert.Equal(t, 2, count(Error), "the same error after a good reload is said again")
	rewrite(t, prodCfg, "[stream.debug]\nkeep = lots\n")
	require.Error(t, rt.Reload())
	assert.Equal(t, 3, count(Error), "another error is said")
	assert.Equal(t, 3, count(Debug))
}
