package levels

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetReturnsSameLogger(t *testing.T) {
	tree := testTree()
	a := tree.Get("WebBrickGateway.Heating")
	assert.Same(t, a, tree.Get("WebBrickGateway.Heating"))
	assert.Same(t, a, tree.Get("WebBrickGateway..Heating."), "empty components are ignored")
	assert.Same(t, tree.Root(), tree.Get(""))
	assert.Same(t, tree.Root(), tree.Get("root"))
	assert.Same(t, tree.Root(), tree.Get("..."))
	assert.Equal(t, "root", tree.Root().Name())
	assert.Equal(t, []string{"WebBrickGateway", "WebBrickGateway.Heating", "root"}, tree.Names())
}

func TestEffectiveLevelInherits(t *testing.T) {
	tree := testTree()
	c := tree.Get("A.B.C")
	assert.Equal(t, WARNING, c.EffectiveLevel(), "root default")
	tree.SetLevel("A", DEBUG)
	assert.Equal(t, DEBUG, c.EffectiveLevel())
	tree.SetLevel("A.B", ERROR)
	assert.Equal(t, ERROR, c.EffectiveLevel(), "nearest ancestor wins")
	tree.SetLevel("A.B", NOTSET)
	assert.Equal(t, DEBUG, c.EffectiveLevel())
	tree.SetLevel("root", NOTSET)
	assert.Equal(t, WARNING, tree.Level("root"), "the root cannot inherit")
	d := tree.Get("A.B.C.D") // created after the levels were set
	assert.Equal(t, DEBUG, d.EffectiveLevel())
}

func TestRoutingPropagateAndDedup(t *testing.T) {
	tree := testTree()
	var debug, errs, heat memSink
	tree.SetTargets("root", []Target{
		target("debug", NOTSET, "%(levelname)s %(name)s %(message)s", &debug),
		target("error", ERROR, "%(levelname)s %(name)s %(message)s", &errs),
	})
	tree.SetTargets("Heating", []Target{
		target("heating", NOTSET, "%(message)s", &heat),
		target("debug", NOTSET, "near %(message)s", &debug), // the nearest definition wins
	})
	tree.SetLevel("root", DEBUG)
	h := tree.Get("Heating.Valve")
	h.Info("opened")
	h.Error("stuck")
	tree.Get("Other").Debug("chatter")

	assert.Equal(t, []string{"opened\n", "stuck\n"}, heat.all())
	assert.Equal(t, []string{"near opened\n", "near stuck\n", "DEBUG Other chatter\n"}, debug.all(), "debug is reached once")
	assert.Equal(t, []string{"ERROR Heating.Valve stuck\n"}, errs.all())

	tree.SetPropagate("Heating", false)
	heat.reset()
	debug.reset()
	errs.reset()
	h.Error("alone")
	assert.Equal(t, []string{"alone\n"}, heat.all())
	assert.Equal(t, []string{"near alone\n"}, debug.all())
	assert.Empty(t, errs.all(), "the root's targets are not reached")
}

func TestGateSkipsLevelsNoTargetTakes(t *testing.T) {
	tree := testTree()
	var errs memSink
	tree.SetTargets("root", []Target{target("error", ERROR, "%(message)s", &errs)})
	tree.SetLevel("root", DEBUG)
	l := tree.Get("x")
	assert.False(t, l.Enabled(context.Background(), WARNING), "no target takes WARNING")
	assert.True(t, l.Enabled(context.Background(), ERROR))
	assert.False(t, l.Enabled(context.Background(), OFF))
	l.Log(context.Background(), OFF, "never")
	assert.Empty(t, errs.all())
}

func TestOffSilencesALogger(t *testing.T) {
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(name)s", &s)})
	tree.SetLevel("root", DEBUG)
	tree.SetLevel("EventLog.time.second", OFF)
	tree.Get("EventLog.time.second").Critical("tick")
	tree.Get("EventLog.time.minute").Info("tock")
	assert.Equal(t, []string{"EventLog.time.minute\n"}, s.all())
}

func TestConfigureReplacesEverything(t *testing.T) {
	tree := testTree()
	var a, b memSink
	tree.SetTargets("old", []Target{target("a", NOTSET, "%(message)s", &a)})
	tree.SetLevel("old", DEBUG)
	tree.Configure(map[string]Config{
		"root":        {Level: INFO, Propagate: true, Targets: []Target{target("b", NOTSET, "%(name)s %(message)s", &b)}},
		"new..child.": {Level: DEBUG, Propagate: true},
	})
	tree.Get("old").Info("x")
	tree.Get("old").Debug("dropped: old is NOTSET again and root is INFO")
	tree.Get("new.child").Debug("y")
	assert.Empty(t, a.all())
	assert.Equal(t, []string{"old x\n", "new.child y\n"}, b.all())
	assert.Equal(t, INFO, tree.Level("root"))
}

func TestWithAndGroups(t *testing.T) {
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(message)s %(attrs)s", &s)})
	l := tree.Get("svc").With("a", 1, slog.String("b", "x")).WithGroup("G").With("c", true).WithGroup("H")
	l.Warn("m", "e", 2.5)
	l.Warn("none")
	l.Warn("odd", "dangling")
	l.Warn("bad", 42, "k", "v")
	assert.Equal(t, []string{
		"m a='1' b='x' G.c='true' G.H.e='2.5'\n",
		"none a='1' b='x' G.c='true'\n",
		"odd a='1' b='x' G.c='true' G.H.!BADKEY='dangling'\n",
		"bad a='1' b='x' G.c='true' G.H.!BADKEY='42' G.H.k='v'\n",
	}, s.all())
	assert.Same(t, l, l.With())
	assert.Same(t, l, l.WithGroup(""))
}

func TestContextTokenAndTask(t *testing.T) {
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(token)s %(threadName)s %(message)s", &s)})
	ctx := WithTask(WithToken(context.Background(), "req-1"), "poller")
	assert.Equal(t, "req-1", TokenFrom(ctx))
	assert.Equal(t, "poller", TaskFrom(ctx))
	l := tree.Get("x")
	l.WarnContext(ctx, "a")
	l.Warn("b")
	l.LogAttrs(ctx, ERROR, "c", slog.Int("n", 1))
	l.Log(nil, ERROR, "d") //nolint:staticcheck // a nil context is allowed
	assert.Equal(t, []string{"req-1 poller a\n", "- - b\n", "req-1 poller c\n", "- - d\n"}, s.all())
}

func TestAllLevelMethods(t *testing.T) {
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(levelname)s", &s)})
	tree.SetLevel("root", DEBUG)
	l, ctx := tree.Get("x"), context.Background()
	l.Debug("")
	l.Info("")
	l.Warn("")
	l.Error("")
	l.Critical("")
	l.DebugContext(ctx, "")
	l.InfoContext(ctx, "")
	l.WarnContext(ctx, "")
	l.ErrorContext(ctx, "")
	l.CriticalContext(ctx, "")
	l.Log(ctx, 15, "")
	want := []string{"DEBUG\n", "INFO\n", "WARNING\n", "ERROR\n", "CRITICAL\n"}
	assert.Equal(t, append(append(want, want...), "Level 15\n"), s.all())
}

// TestLevelChangesWhileLogging runs writers while levels and targets change;
// under -race this checks that the logging path needs no lock.
func TestLevelChangesWhileLogging(t *testing.T) {
	tree := testTree()
	var n atomic.Int64
	sink := countSink{&n}
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(message)s", sink)})
	l := tree.Get("A.B")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					l.Info("x")
				}
			}
		})
	}
	for i := range 200 {
		if i%2 == 0 {
			tree.SetLevel("A", INFO)
		} else {
			tree.SetLevel("A", ERROR)
		}
		tree.Get("A.B.C" + itoa(i)) // new loggers while logging
	}
	tree.SetLevel("A", INFO)
	before := n.Load()
	for n.Load() == before {
	}
	close(stop)
	wg.Wait()
	require.Positive(t, n.Load())
}

type countSink struct{ n *atomic.Int64 }

func (c countSink) WriteLine(_ int64, _ []byte) { c.n.Add(1) }

func TestCallerCapturedOnlyForLevelsThatRenderIt(t *testing.T) {
	tree := testTree()
	var debug, errs memSink
	tree.SetTargets("root", []Target{
		target("debug", NOTSET, "%(message)s", &debug),
		target("error", ERROR, "%(message)s %(lineno)d", &errs),
	})
	tree.SetLevel("root", DEBUG)
	r := tree.Get("x").n.route.Load()
	assert.Equal(t, ERROR, r.callerMin)
	tree.Get("x").Error("e")
	assert.NotEqual(t, "e 0", errs.last(), "the caller's line is rendered")
}

// TestNameEscapedOnce: %(name)s writes the name escaped when the logger
// was made, through a Logger and through the slog bridge alike, and the
// root as "root".
func TestNameEscapedOnce(t *testing.T) {
	tree := NewTree(Options{})
	sink := &memSink{}
	tree.SetTargets("root", []Target{{Name: "m", Format: MustFormatter(FormatterOptions{Pattern: "%(name)s|%(message)s"}), Sink: sink}})
	tree.SetLevel("root", INFO)
	tree.Get("gw.valve\n1").Info("a")
	tree.Root().Info("b")
	slog.New(tree.Get("gw.é\x00").Handler()).Info("c")
	assert.Equal(t, []string{"gw.valve\\n1|a\n", "root|b\n", "gw.é\\x00|c\n"}, sink.all())
}

// cleanMemSink is a memSink that can take clean lines, and counts them.
type cleanMemSink struct {
	memSink
	clean atomic.Int32
}

func (s *cleanMemSink) WriteCleanLine(when int64, line []byte) {
	s.clean.Add(1)
	s.WriteLine(when, line)
}

// TestCleanSinkGetsCleanLines: a target whose sink is a CleanSink gets a
// formatter's lines through WriteCleanLine, escaped as ever.
func TestCleanSinkGetsCleanLines(t *testing.T) {
	tree := NewTree(Options{})
	sink := &cleanMemSink{}
	tree.SetTargets("root", []Target{{Name: "m", Format: MustFormatter(FormatterOptions{Pattern: "%(message)s"}), Sink: sink}})
	tree.SetLevel("root", INFO)
	tree.Root().Info("two\nlines")
	assert.Equal(t, []string{"two\\nlines\n"}, sink.all())
	assert.Equal(t, int32(1), sink.clean.Load())
}
