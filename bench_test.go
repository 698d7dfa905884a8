package gwlog

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/gwlog/gwlog/levels"
)

// The side-by-side comparison with zerolog, zap and slog is in bench/;
// these measure gwlog alone, beside the code.

// benchLine logs the benchmark line at lv on a runtime of profile for b.N
// iterations and returns the runtime.
func benchLine(b *testing.B, profile string, lv levels.Level) *Runtime {
	rt, err := Open(Options{Profile: profile, Screen: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })
	l := rt.Logger("bench.service")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l.LogAttrs(ctx, lv, "request handled", slog.String("path", "/api/v1/status"),
			slog.Int("status", 200), slog.Float64("temp", 21.5), slog.Int("latency_us", 1234))
	}
	return rt
}

func BenchmarkLogAttrsIntoRing(b *testing.B) {
	rt := benchLine(b, "disk", levels.INFO)
	if rt.Stream(Debug).Stats().Written == 0 {
		b.Fatal("nothing reached the ring")
	}
}

// BenchmarkFilteredOut mostly measures building the four slog.Attr
// arguments, which the caller does before the call; the level check
// itself is an atomic load and a compare (see levels' benchmarks).
func BenchmarkFilteredOut(b *testing.B) {
	rt := benchLine(b, "minimal", levels.DEBUG)
	if rt.Stream(Debug).Stats().Written != 0 {
		b.Fatal("a filtered line reached the ring")
	}
}
