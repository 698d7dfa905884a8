package levels

import (
	"log/slog"
	"strconv"
	"testing"
	"time"
)

func BenchmarkFormatterAppend(b *testing.B) {
	f := MustFormatter(FormatterOptions{})
	attrs := []slog.Attr{slog.String("path", "/api/v1/status"), slog.Int("status", 200), slog.Float64("temp", 21.5), slog.Int("latency_us", 1234)}
	rec := Record{Time: time.Now(), Level: INFO, Logger: "bench.service", Message: "request handled", Attrs: attrs}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.Append(buf[:0], &rec)
	}
}

func BenchmarkAppendAttrs(b *testing.B) {
	attrs := []slog.Attr{slog.String("path", "/api/v1/status"), slog.Int("status", 200), slog.Float64("temp", 21.5), slog.Int("latency_us", 1234)}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendAttrs(buf[:0], "", attrs)
	}
}

func BenchmarkAttrKinds(b *testing.B) {
	for _, a := range []slog.Attr{slog.String("path", "/api/v1/status"), slog.Int("status", 200), slog.Float64("temp", 21.5)} {
		b.Run(a.Value.Kind().String(), func(b *testing.B) {
			buf := make([]byte, 0, 1024)
			attrs := []slog.Attr{a}
			for b.Loop() {
				buf = AppendAttrs(buf[:0], "", attrs)
			}
		})
	}
	b.Run("strconv-float", func(b *testing.B) {
		buf := make([]byte, 0, 64)
		for b.Loop() {
			buf = strconv.AppendFloat(buf[:0], 21.5, 'g', -1, 64)
		}
	})
	b.Run("appendText", func(b *testing.B) {
		buf := make([]byte, 0, 64)
		for b.Loop() {
			buf = appendText(buf[:0], "/api/v1/status", true)
		}
	})
}
