//go:build !race

package levels

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

type discardSink struct{}

func (discardSink) WriteLine(int64, []byte) {}

func TestAllocations(t *testing.T) {
	tree := NewTree(Options{})
	tree.SetTargets("root", []Target{
		{Name: "debug", Format: MustFormatter(FormatterOptions{}), Sink: discardSink{}},
		{Name: "error", Level: ERROR, Format: MustFormatter(FormatterOptions{Pattern: "%(filename)s:%(lineno)d %(message)s"}), Sink: discardSink{}},
	})
	tree.SetLevel("root", INFO)
	l := tree.Get("bench.service")
	ctx := context.Background()
	valve, n, big, temp, at, took := strings.Repeat("v", 5), 0, int64(1)<<40, 21.5, time.Now(), 3*time.Second
	var errNone error
	tests := []struct {
		name string
		f    func()
	}{
		{"LogAttrs", func() {
			l.LogAttrs(ctx, INFO, "request handled", slog.String("path", "/api/v1/status"), slog.Int("status", 200),
				slog.Float64("temp", 21.5), slog.Int("latency_us", 1234))
		}},
		{"Info with args", func() { l.Info("request handled", "path", "/api/v1/status", "status", 200, "ok", true) }},
		{"Error reaching two targets, one with the caller", func() { l.Error("failed", "code", 7) }},
		{"Info with variables of every common kind", func() {
			// Not constants: boxing each would allocate if the args escaped.
			n++
			l.Info("poll", "valve", valve, "n", n, "bytes", big, "temp", temp, "ok", n%2 == 0, "at", at, "took", took, "err", errNone)
		}},
		{"filtered", func() { l.Debug("detail", "n", 1) }},
		{"LogAttrsAt", func() {
			l.LogAttrsAt(ctx, time.Unix(1_800_000_000, 0), WARNING, "from syslog", slog.String("host", "gw"), slog.String("pid", "42"))
		}},
		{"With logger", func() { l.With("a", 1).Warn("x") }},
	}
	for _, tt := range tests {
		want := 0.0
		if tt.name == "With logger" {
			want = 3 // the view, its rendered attrs, and boxing the 1 in With's args
		}
		assert.LessOrEqual(t, testing.AllocsPerRun(1000, tt.f), want, tt.name)
	}
}

func TestHandlerAllocations(t *testing.T) {
	tree := NewTree(Options{})
	tree.SetTargets("root", []Target{{Name: "debug", Format: MustFormatter(FormatterOptions{}), Sink: discardSink{}}})
	tree.SetLevel("root", INFO)
	l := slog.New(tree.Handler(HandlerOptions{}))
	ctx := context.Background()
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		l.LogAttrs(ctx, slog.LevelWarn+2, "via slog", slog.Int("n", 1), slog.String("logger", "svc"))
	}), "a level between the named ones included")
}

// TestPresetAllocations: the json, smarty and python presets allocate
// nothing per line, as patterns do (smarty's caller is resolved once per
// call site and cached).
func TestPresetAllocations(t *testing.T) {
	for _, preset := range []string{JSON, Smarty, Python} {
		tree := NewTree(Options{})
		tree.SetTargets("root", []Target{{Name: "s", Format: MustFormatter(FormatterOptions{Pattern: preset}), Sink: discardSink{}}})
		tree.SetLevel("root", INFO)
		l := tree.Get("bench.service")
		ctx := WithTask(WithToken(context.Background(), "req-1"), "poller")
		assert.Zero(t, testing.AllocsPerRun(1000, func() {
			l.LogAttrs(ctx, INFO, "request \"handled\"", slog.String("path", "/api/v1/status\n"), slog.Int("status", 200),
				slog.Float64("temp", 21.5), slog.Bool("ok", true), slog.Duration("took", time.Millisecond))
		}), preset)
	}
	f := MustFormatter(FormatterOptions{Pattern: JSON, MaxLine: 64})
	buf := make([]byte, 0, 4096)
	rec := Record{Time: time.Now(), Level: INFO, Logger: "x", Message: strings.Repeat("é", 100)}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { buf = f.Append(buf[:0], &rec) }), "a cut line")
}
