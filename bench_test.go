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

func BenchmarkLogAttrsIntoRing(b *testing.B) {
	rt, err := Open(Options{Profile: "disk", Screen: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	l := rt.Logger("bench.service")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l.LogAttrs(ctx, levels.INFO, "request handled", slog.String("path", "/api/v1/status"),
			slog.Int("status", 200), slog.Float64("temp", 21.5), slog.Int("latency_us", 1234))
	}
	if rt.Stream(Debug).Stats().Written == 0 {
		b.Fatal("nothing reached the ring")
	}
}

func BenchmarkFilteredOut(b *testing.B) {
	rt, err := Open(Options{Screen: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	l := rt.Logger("bench.service")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l.LogAttrs(ctx, levels.DEBUG, "request handled", slog.String("path", "/api/v1/status"),
			slog.Int("status", 200), slog.Float64("temp", 21.5), slog.Int("latency_us", 1234))
	}
}
