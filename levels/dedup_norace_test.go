//go:build !race

package levels

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestDedupAllocations checks that a Dedup allocates nothing once its
// buffers have grown: not to count a repeat, not to write a new line, not
// to render a count line.
func TestDedupAllocations(t *testing.T) {
	clk := newClock()
	tree := NewTree(Options{Now: clk.now, RootLevel: INFO})
	d := NewDedup(discardSink{}, 30*time.Second)
	// %(created)f rather than %(asctime)s, whose per-second cache would
	// allocate as the cases move the clock on by seconds.
	debug := MustFormatter(FormatterOptions{Pattern: "%(created)f %(levelname)s %(name)s %(message)s %(attrs)s"})
	tree.SetTargets("root", []Target{
		{Name: "debug", Format: debug, Sink: d},
		{Name: "error", Level: ERROR, Format: MustFormatter(FormatterOptions{Pattern: "%(asctime)s %(filename)s:%(lineno)d %(message)s"}), Sink: NewDedup(discardSink{}, time.Minute)},
	})
	l := tree.Get("bench.service")
	ctx := context.Background()
	attrs := func(status int) {
		l.LogAttrs(ctx, INFO, "request handled", slog.String("path", "/api/v1/status"), slog.Int("status", status))
	}
	tests := []struct {
		name string
		f    func()
	}{
		{"a repeat", func() { attrs(200); clk.add(time.Millisecond) }},
		{"lines that differ", func() { attrs(200); attrs(404) }},
		{"repeats, their count, a new line", func() {
			for range 5 {
				attrs(200)
			}
			attrs(404)
		}},
		{"a single repeat", func() { attrs(200); attrs(200); attrs(404) }},
		{"the window passing", func() { attrs(200); clk.add(31 * time.Second) }},
		{"Expire and Flush", func() {
			attrs(500)
			attrs(500)
			attrs(500)
			clk.add(time.Minute)
			d.Expire(clk.now())
			attrs(500)
			d.Flush()
		}},
		{"two targets, one with the caller", func() { l.Error("failed", "code", 7) }},
	}
	for _, tt := range tests {
		assert.Zero(t, testing.AllocsPerRun(1000, tt.f), tt.name)
	}
}
