package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// BenchmarkCompressedLine logs lines of varied values into the debug
// ring with its sealed history compressed (the default) and plain, each
// call timed: the p50 and p99.9 show whether a seal stalls the caller
// (compression runs on the compressor's goroutine, never the caller's).
func BenchmarkCompressedLine(b *testing.B) {
	for _, mode := range []string{"gzip", "none"} {
		b.Run("ram_compress-"+mode, func(b *testing.B) {
			conf := filepath.Join(b.TempDir(), "log.cfg")
			require.NoError(b, os.WriteFile(conf, []byte("[stream.debug]\nram_compress = "+mode+"\n"), 0o644))
			rt := openRuntime(b, gwlog.Options{Profile: "disk", Configs: []string{conf}}) // root at INFO
			debug := rt.Stream(gwlog.Debug)
			written := debug.Stats().Written
			require.Equal(b, mode, debug.Compression().String())
			l := rt.Logger("bench")
			ctx := context.Background()
			took := make([]time.Duration, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				t := time.Now()
				l.LogAttrs(ctx, levels.INFO, msg, slog.String("path", path), slog.Int("status", 200+i%7),
					slog.Float64("temp", 18+float64(i%97)/10), slog.Int("latency_us", i%5000))
				took[i] = time.Since(t)
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2]), "p50-ns")
			b.ReportMetric(float64(took[len(took)*999/1000]), "p99.9-ns")
			st := debug.Stats()
			require.Equal(b, written+uint64(b.N), st.Written, "every line lands in the debug ring")
			if mode == "gzip" && b.N > 100000 {
				require.Positive(b, st.Blocks, "sealed segments were compressed meanwhile")
			}
		})
	}
}

// BenchmarkCompressedTail reads the newest 100 lines of a stream whose
// live segment holds 10, so that 90 come from its newest compressed
// block, against reading its whole history (every block decompressed).
func BenchmarkCompressedTail(b *testing.B) {
	budget, err := ramlog.NewBudget(64 << 20)
	require.NoError(b, err)
	s, err := ramlog.New("debug", ramlog.Options{Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 256 << 10},
		RAM: 32 << 20, Compress: ramlog.CompressGzip, Budget: budget})
	require.NoError(b, err)
	defer s.Close()
	line := func(i int) []byte {
		return fmt.Appendf(nil, "2026-12-05 10:%02d:%02d,%03d INFO Gateway.Heating zone %d valve %d%% temp=%.1f setpoint=%.1f seq=%d\n",
			i/60000%60, i/1000%60, i%1000, i%7, i*13%100, 18+float64(i%97)/10, 20+float64(i%5)/2, i)
	}
	i := 0
	for ; s.Stats().Blocks < 40; i++ {
		s.WriteLine(0, line(i))
	}
	for segs := s.Stats().Segments; s.Stats().Segments == segs; i++ {
		s.WriteLine(0, line(i)) // to the seal: the next line opens a new segment
	}
	for range 9 {
		s.WriteLine(0, line(i))
		i++
	}
	for s.Stats().Plain > s.Stats().Bytes && s.Stats().Blocks < 40 {
		time.Sleep(time.Millisecond)
	}
	lines := int(s.Stats().Lines)
	b.Run("tail-100", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if n, err := s.WriteTail(io.Discard, 100); err != nil || n == 0 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("whole-history", func(b *testing.B) {
		b.ReportMetric(float64(lines), "lines")
		b.ReportAllocs()
		for range b.N {
			if n, err := s.WriteTail(io.Discard, lines); err != nil || n == 0 {
				b.Fatal(n, err)
			}
		}
	})
}

// BenchmarkTextHistory replays real logs (BENCH_CORPUS) into the debug
// ring of a runtime with the default settings until its compressed
// history is full, and reports the log it holds per byte of its RAM
// share (the plain ring and the blocks; "log/RAM"). The replay waits for
// the compressor now and then, as a gateway's pace lets it keep up.
func BenchmarkTextHistory(b *testing.B) {
	blocks := textBlocks(b, 1<<20)
	rt, err := gwlog.Open(gwlog.Options{Screen: io.Discard}) // the default shares
	require.NoError(b, err)
	defer rt.Close()
	debug := rt.Stream(gwlog.Debug)
	var written int64
	for pass := 0; debug.Stats().Drops == 0 || pass < 2; pass++ {
		for _, blk := range blocks {
			for len(blk) > 0 {
				i := bytes.IndexByte(blk, '\n')
				if i < 0 {
					i = len(blk) - 1 // a file's last line, without its newline
				}
				debug.WriteLine(0, blk[:i+1])
				written += int64(i + 1)
				blk = blk[i+1:]
			}
			for w := 0; debug.Stats().Waiting > 0; w++ {
				time.Sleep(time.Millisecond)
				if w == 2000 {
					b.Fatalf("stuck: %+v", debug.Stats())
				}
			}
		}
	}
	st := debug.Stats()
	b.ReportMetric(float64(st.Plain)/float64(st.Cap), "log/RAM")
	b.ReportMetric(float64(st.Plain)/(1<<20), "MiB-held")
	b.ReportMetric(float64(st.Cap)/(1<<20), "MiB-share")
	for range b.N {
		if st.Plain == 0 || written < st.Plain {
			b.Fatal("nothing held")
		}
	}
}
