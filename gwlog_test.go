package gwlog

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/internal/sysmem"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// syncBuffer is a console for tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func open(t *testing.T, o Options) *Runtime {
	t.Helper()
	rt, err := Open(o)
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close() })
	return rt
}

func tail(rt *Runtime, stream string) string {
	return strings.Join(rt.Stream(stream).Tail(1000), "\n")
}

func TestOpenDefaults(t *testing.T) {
	rt := open(t, Options{Screen: &syncBuffer{}})
	var names []string
	for _, s := range rt.Streams() {
		names = append(names, s.Name())
	}
	assert.Equal(t, []string{"access", "error", "EventLog", "debug"}, names)
	assert.Nil(t, rt.Stream("screen"), "screen is a console")
	assert.Equal(t, "time midnight", rt.Stream("access").Rotation().String())
	// The profile's keep is what a plain ring keeps; compressed history
	// (ram_compress = gzip, the default) holds as many files as fit.
	keeps := map[string]int{"access": 7, "error": 7, "EventLog": 5, "debug": 5}
	for _, s := range rt.Config().Streams {
		if want, ok := keeps[s.Name]; ok {
			assert.Equal(t, want, s.Keep, s.Name)
			assert.Equal(t, "gzip", s.RAMCompress, s.Name)
			assert.Greater(t, rt.Stream(s.Name).Keep(), 100, s.Name)
			assert.Positive(t, rt.Stream(s.Name).Stats().Cap, s.Name)
		}
	}
	assert.Equal(t, "size 1MiB", rt.Stream("EventLog").Rotation().String())
	assert.Equal(t, levels.WARNING, rt.Logger("anything").EffectiveLevel())
	assert.Equal(t, levels.INFO, rt.Logger("access").EffectiveLevel())
	assert.Equal(t, levels.INFO, rt.Logger("EventLog.webbrick.CT").EffectiveLevel())
	st := rt.Stats()
	assert.Equal(t, int64(100<<20), st.RAMCap)
	// The rings take the whole cap in their shares (docs/design.md, "RAM
	// shares"), less the compressor's memory, committing it as lines come.
	used := ramlog.WorkMem(1 << 20)
	for name, pct := range map[string]int64{"debug": 40, "access": 15, "EventLog": 15, "error": 10} {
		assert.Equal(t, share(100<<20, 0, pct), rt.Stream(name).Stats().Cap, name)
		used += share(100<<20, 0, pct)
	}
	assert.Equal(t, share(100<<20, 0, 20), st.Events.Cap, "events")
	used += share(100<<20, 0, 20)
	assert.Equal(t, used, st.RAMUsed, "the four rings, the event ring and the compressor")
	assert.Greater(t, st.RAMUsed, int64(100<<20-5*4<<10), "the whole cap, but for rounding to 4 KiB")

	disk := open(t, Options{Profile: "disk", Screen: &syncBuffer{}})
	assert.Equal(t, levels.INFO, disk.Logger("x").EffectiveLevel())
}

// share is the RAM a ring of pct per 100 takes of ramCap besides the
// compressor's memory for 1 MiB segments, to 4 KiB, when the profile's
// rings (weighing 100 MiB) share it with plain ones of plain bytes.
func share(ramCap, plain, pct int64) int64 {
	return int64(float64(pct<<20)*float64(ramCap-ramlog.WorkMem(1<<20))/float64(100<<20+plain)) &^ (4<<10 - 1)
}

func TestMinimalProfileRouting(t *testing.T) {
	screen := &syncBuffer{}
	rt := open(t, Options{Screen: screen})
	heat := rt.Logger("WebBrickGateway.Heating")
	heat.Info("valve opened", "zone", 3)
	heat.Warn("valve slow", "zone", 3)
	heat.Error("valve stuck", "zone", 3)
	rt.Logger("access").Info(`127.0.0.1 - - [21/Nov/2026:23:37:17 +0000] "GET / HTTP/1.1" 200 5`)
	rt.Logger("EventLog.webbrick.CT").Info("not an event: kept out of the EventLog stream")
	rt.Events().Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/100/CT/1", Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 21.5)}})
	rt.Logger(ScreenLogger).Info("gwlogd starting")

	debug := tail(rt, "debug")
	assert.NotContains(t, debug, "valve opened", "INFO chatter stays out at the minimal level")
	assert.Contains(t, debug, "WARNING WebBrickGateway.Heating valve slow zone='3'")
	assert.Contains(t, debug, "ERROR WebBrickGateway.Heating valve stuck zone='3'")
	assert.Contains(t, debug, `INFO access 127.0.0.1 - - [21/Nov/2026:23:37:17 +0000] "GET / HTTP/1.1" 200 5`)
	assert.Contains(t, debug, "INFO EventLog.webbrick.CT wb/100/CT/1 seq='1' val='21.5'")
	assert.Contains(t, debug, "INFO screen gwlogd starting")
	assert.Equal(t, 6, len(rt.Stream("debug").Tail(100)), "debug collects everything the others get")

	assert.Regexp(t, `ERROR WebBrickGateway.Heating gwlog_test.go:\d+ valve stuck zone='3'$`, tail(rt, "error"))
	assert.Equal(t, `127.0.0.1 - - [21/Nov/2026:23:37:17 +0000] "GET / HTTP/1.1" 200 5`, tail(rt, "access"))
	assert.Regexp(t, `^\S+ \S+ INFO EventLog.webbrick.CT wb/100/CT/1 seq='1' val='21.5'$`, tail(rt, "EventLog"), "only the event")
	assert.Regexp(t, `^\S+ \S+ INFO gwlogd starting\n$`, screen.String())

	// Raising one logger to DEBUG adds its detail to the debug stream only.
	rt.Tree().SetLevel("WebBrickGateway.Heating", levels.DEBUG)
	heat.Debug("pid loop", "err", 0.25)
	assert.Contains(t, tail(rt, "debug"), "DEBUG WebBrickGateway.Heating pid loop err='0.25'")
	assert.NotContains(t, tail(rt, "error"), "pid loop")
	assert.NotContains(t, tail(rt, "access"), "pid loop")
}

func TestSlogThroughTheTree(t *testing.T) {
	rt := open(t, Options{Screen: &syncBuffer{}})
	rt.Tree().SetLevel("Comms", levels.DEBUG)
	l := slog.New(rt.Handler())
	l.Info("dropped at WARNING")
	l.Warn("from slog", "n", 1)
	l.Debug("named", "logger", "Comms", "port", 80)
	debug := tail(rt, "debug")
	assert.NotContains(t, debug, "dropped at WARNING")
	assert.Contains(t, debug, "WARNING root from slog n='1'")
	assert.Contains(t, debug, "DEBUG Comms named port='80'")
}

func TestFSView(t *testing.T) {
	rt := open(t, Options{Screen: &syncBuffer{}, Streams: []StreamOptions{{Name: "debug", Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 200}}}})
	l := rt.Logger("x")
	for i := range 20 {
		l.Warn("line", "i", i)
	}
	data, err := fs.ReadFile(rt.FS(), "debug.log.1")
	require.NoError(t, err)
	assert.Contains(t, string(data), "WARNING x line i=")
	entries, err := fs.ReadDir(rt.FS(), ".")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Contains(t, names, "debug.log")
	assert.Contains(t, names, "debug.log.1")
	assert.Contains(t, names, "access.log")
}

func TestExtraStreamAndLogger(t *testing.T) {
	rt := open(t, Options{
		Screen:  &syncBuffer{},
		Streams: []StreamOptions{{Name: "heating", Format: "%(levelname)s %(message)s", Keep: 2, Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 64 << 10}}},
		Loggers: []LoggerOptions{{Name: "WebBrickGateway.Heating", Level: levels.INFO, Streams: []string{"heating"}, NoPropagate: true}},
	})
	rt.Logger("WebBrickGateway.Heating.Valve").Info("opened")
	assert.Equal(t, "INFO opened", tail(rt, "heating"))
	assert.Empty(t, tail(rt, "debug"), "propagation stopped at Heating")
}

func TestBadOptionsNameTheField(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want []string
	}{
		{"profile", Options{Profile: "tiny"}, []string{`options:2: [runtime] profile: want minimal or disk, got "tiny"`}},
		{"format", Options{Streams: []StreamOptions{{Name: "debug", Format: "%(levelnam)s"}}}, []string{`stream debug: format: levels: invalid format: offset 0: unknown field "levelnam"`}},
		{"negative ram", Options{Streams: []StreamOptions{{Name: "error", RAM: -1}}}, []string{"stream error: ram: ramlog: invalid size: -1 is negative"}},
		{"negative keep", Options{Streams: []StreamOptions{{Name: "x", Keep: -2}}}, []string{"stream x: keep"}},
		{"negative cap", Options{RAMCap: -1}, []string{"ram_cap"}},
		{"over the cap", Options{RAMCap: 8 << 20, Streams: []StreamOptions{{Name: "debug", Keep: 9}, {Name: "big", RAM: 4 << 20}}},
			[]string{"the rings need 36MiB (events 8MiB, access 4MiB, error 4MiB, EventLog 6MiB, debug 10MiB, big 4MiB), over ram_cap 8MiB"}},
		{"unknown stream", Options{Loggers: []LoggerOptions{{Name: "a", Streams: []string{"nope"}}}}, []string{`logger a: streams: no stream "nope"`}},
		{"bad stream name", Options{Streams: []StreamOptions{{Name: "../x"}}}, []string{`stream name "../x"`}},
		{"max line", Options{MaxLine: 3}, []string{"max_line 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := Open(tt.o)
			require.ErrorIs(t, err, ErrConfig)
			assert.Nil(t, rt)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestSmallCapShrinksDefaultRings(t *testing.T) {
	rt := open(t, Options{RAMCap: 16 << 20, Screen: &syncBuffer{}, Streams: []StreamOptions{{Name: "access", RAM: 2 << 20}}})
	st := rt.Stats()
	assert.LessOrEqual(t, st.RAMUsed, int64(16<<20))
	assert.Greater(t, st.RAMUsed, int64(15<<20), "the cap is used, not wasted")
	assert.Equal(t, int64(2<<20), rt.Stream("access").Stats().Cap, "a size the user gave is kept")
	assert.Equal(t, 5, rt.Stream("debug").Keep(), "keep is kept; segments shrink")
	assert.Less(t, rt.Stream("debug").Rotation().Size, int64(1<<20))

	tiny := open(t, Options{RAMCap: 1 << 20, Screen: &syncBuffer{}})
	assert.LessOrEqual(t, tiny.Stats().RAMUsed, int64(1<<20))
}

func TestFailedOpenReleasesRAM(t *testing.T) {
	// A failed Open must not keep rings reserved: the same cap opens fine
	// right after.
	_, err := Open(Options{RAMCap: 20 << 20, Loggers: []LoggerOptions{{Name: "a", Streams: []string{"nope"}}}})
	require.Error(t, err)
	rt := open(t, Options{RAMCap: 20 << 20, Screen: &syncBuffer{}})
	assert.LessOrEqual(t, rt.Stats().RAMUsed, int64(20<<20))
	assert.Greater(t, rt.Stats().RAMUsed, int64(20<<20-64<<10), "nothing is held back by the failed Open")
}

func TestCloseLeavesNoGoroutineAndDropsLateRecords(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	rt, err := Open(Options{Screen: &syncBuffer{}})
	require.NoError(t, err)
	var wg sync.WaitGroup
	got := make(chan string, 16)
	for _, s := range rt.Streams() {
		wg.Go(func() {
			for l := range s.Follow(context.Background()) {
				got <- string(l)
			}
		})
	}
	l := rt.Logger("x")
	deadline := time.Now().Add(5 * time.Second)
	for len(got) == 0 && time.Now().Before(deadline) {
		l.Error("while followed")
		time.Sleep(time.Millisecond)
	}
	require.NotEmpty(t, got, "followers saw live lines")
	require.NoError(t, rt.Close())
	require.NoError(t, rt.Close(), "idempotent")
	wg.Wait()
	before := rt.Stream("debug").Stats().Written
	l.Error("after close")
	assert.Equal(t, before, rt.Stream("debug").Stats().Written, "loggers are detached")
	assert.False(t, l.Enabled(context.Background(), levels.CRITICAL))
	assert.Equal(t, int64(0), rt.Stats().RAMUsed)
}

func TestNothingPanicsOnAnyName(t *testing.T) {
	rt := open(t, Options{Screen: &syncBuffer{}})
	for _, name := range []string{"", ".", "..", "a..b", "\x00", "\xff\xfe", strings.Repeat("x.", 1000), "root", "日本.語"} {
		l := rt.Logger(name)
		l.Error(name, name, name)
		l.With(name, name).WithGroup(name).Warn(name)
	}
	for _, line := range rt.Stream("debug").Tail(100) {
		assert.NotContains(t, line, "\x00")
	}
	assert.Nil(t, rt.Stream("\x00"))
}

// TestDefaultCapFitsTheMachine: unset, ram_cap is 100 MiB but never more
// than a quarter of MemTotal; set in a file or by Options, it wins.
func TestDefaultCapFitsTheMachine(t *testing.T) {
	total, err := sysmem.Total()
	if err != nil {
		t.Skip("no MemTotal here:", err)
	}
	rt := open(t, Options{Screen: &syncBuffer{}})
	got, why := rt.RAMCap()
	assert.Equal(t, min(int64(100<<20), total/4), got)
	assert.Equal(t, got, rt.Stats().RAMCap)
	assert.Contains(t, why, "a quarter of MemTotal "+units.FormatSize(total))

	conf := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(conf, []byte("[runtime]\nreload = 0\nram_cap = 24MiB\n"), 0o600))
	set := open(t, Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	got, why = set.RAMCap()
	assert.Equal(t, int64(24<<20), got)
	assert.Equal(t, "set at "+conf+":3", why)

	given := open(t, Options{Configs: []string{conf}, RAMCap: 20 << 20, Screen: &syncBuffer{}})
	got, why = given.RAMCap()
	assert.Equal(t, int64(20<<20), got)
	assert.Equal(t, "set by Options.RAMCap", why)
	assert.Greater(t, given.Stats().RAMUsed, int64(20<<20-64<<10), "the rings take the cap given")
}
