package levels

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slogtestPattern renders the built-in keys as attrs so that a line parses
// back into the map slogtest wants.
const slogtestPattern = "time='%(asctime)s' level='%(levelname)s' msg='%(message)s' %(attrs)s"

func TestHandlerSlogtest(t *testing.T) {
	var sink *memSink
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		sink = &memSink{}
		tree := NewTree(Options{})
		tree.SetTargets("root", []Target{target("d", NOTSET, slogtestPattern, sink)})
		tree.SetLevel("root", INFO)
		return tree.Handler(HandlerOptions{})
	}, func(t *testing.T) map[string]any {
		return parseLine(t, sink.last())
	})
}

// parseLine reads key='value' pairs, nesting dotted keys into groups. A
// time of "-" (a zero Record.Time) is left out.
func parseLine(t *testing.T, line string) map[string]any {
	m := map[string]any{}
	for s := line; s != ""; {
		s = strings.TrimLeft(s, " ")
		eq := strings.Index(s, "='")
		require.GreaterOrEqual(t, eq, 0, "in %q", line)
		key := s[:eq]
		s = s[eq+2:]
		var val strings.Builder
		for i := 0; ; i++ {
			require.Less(t, i, len(s), "unterminated value in %q", line)
			if s[i] == '\\' {
				val.WriteByte(s[i+1])
				i++
				continue
			}
			if s[i] == '\'' {
				s = s[i+1:]
				break
			}
			val.WriteByte(s[i])
		}
		if key == slog.TimeKey && val.String() == "-" {
			continue
		}
		g := m
		parts := strings.Split(key, ".")
		for _, p := range parts[:len(parts)-1] {
			sub, ok := g[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				g[p] = sub
			}
			g = sub
		}
		g[parts[len(parts)-1]] = val.String()
	}
	return m
}

func TestHandlerRoutesByLoggerAttr(t *testing.T) {
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(levelname)s %(name)s %(message)s %(attrs)s", &s)})
	tree.SetLevel("Heating", DEBUG)
	l := slog.New(tree.Handler(HandlerOptions{Default: "stdlib"}))

	l.Debug("dropped: stdlib inherits WARNING")
	l.Debug("kept", "logger", "Heating", "zone", 3)
	l.Warn("plain")
	l.With("logger", "Heating.Valve").Debug("bound", "k", "v")
	l.WithGroup("g").Warn("grouped", "logger", "not-a-name")
	l.Log(context.Background(), slog.LevelError+4, "crit")

	assert.Equal(t, []string{
		"DEBUG Heating kept zone='3'\n",
		"WARNING stdlib plain\n",
		"DEBUG Heating.Valve bound k='v'\n",
		"WARNING stdlib grouped g.logger='not-a-name'\n",
		"CRITICAL stdlib crit\n",
	}, s.all())
}

func TestHandlerEnabled(t *testing.T) {
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(message)s", &s)})
	h := tree.Handler(HandlerOptions{})
	ctx := context.Background()
	assert.False(t, h.Enabled(ctx, slog.LevelInfo))
	tree.SetLevel("chatty", DEBUG)
	assert.True(t, h.Enabled(ctx, slog.LevelDebug), "a record may still name the chatty logger")
	fixed := tree.Handler(HandlerOptions{NameKey: "-"})
	assert.False(t, fixed.Enabled(ctx, slog.LevelDebug), "without naming, the default logger decides")
	lh := tree.Get("chatty").Handler()
	assert.True(t, lh.Enabled(ctx, slog.LevelDebug))
	slog.New(lh).Debug("via logger handler", "logger", "ignored")
	assert.Equal(t, []string{"via logger handler\n"}, s.all())
}

func TestHandlerKeepsCallerAndContext(t *testing.T) {
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(funcName)s %(token)s %(asctime)s", &s)})
	l := slog.New(tree.Handler(HandlerOptions{}))
	l.WarnContext(WithToken(context.Background(), "t1"), "x")
	line := s.last()
	assert.True(t, strings.HasPrefix(line, "TestHandlerKeepsCallerAndContext t1 "), line)
	_, err := time.Parse("2006-01-02 15:04:05,000", strings.SplitN(line, " ", 3)[2])
	assert.NoError(t, err)
}

func TestHandlerBoundsLoggersNamedByRecords(t *testing.T) {
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{target("d", NOTSET, "%(name)s", &s)})
	l := slog.New(tree.Handler(HandlerOptions{}))
	tree.Get("known.parent")
	for i := range MaxNamedByRecords + 10 {
		l.Warn("x", "logger", "known.parent.n"+itoa(i))
	}
	assert.Len(t, tree.Names(), MaxNamedByRecords, "the tree stops growing at the bound")
	assert.Equal(t, "known.parent", s.last(), "past it, a record goes to the nearest logger that exists")
}

func TestFarOffTimes(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(asctime)s|%(created)f|%(msecs)d|%(relativeCreated)d", Location: time.UTC})
	got := string(f.Append(nil, &Record{Time: time.Date(10000, 1, 1, 0, 0, 0, 5e6, time.UTC)}))
	assert.Equal(t, "10000-01-01 00:00:00,005|253402300800.005000|5|", strings.SplitAfter(got, "|5|")[0])
	assert.Equal(t, "-|-|-|-\n", string(f.Append(nil, &Record{})), "a zero time renders as -")
}
