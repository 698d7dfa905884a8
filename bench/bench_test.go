package bench

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	phuslu "github.com/phuslu/log"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// The record every benchmark logs.
const (
	msg       = "request handled"
	path      = "/api/v1/status"
	status    = 200
	temp      = 21.5
	latencyUS = 1234
)

// ringSize is the size of gwlog's debug ring (1 MiB segments, 5 kept
// besides the live one: openRuntime sets it), given to the competitors'
// Rings too.
const ringSize = 6 << 20

// The lines each logger must have written, timestamp included; the
// benchmarks that write into a ring check the last line held against
// them after the timed loop.
var (
	gwlogLine   = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO bench\S* request handled path='/api/v1/status' status='200' temp='21.5' latency_us='1234'$`)
	zerologLine = regexp.MustCompile(`^\{"level":"info","path":"/api/v1/status","status":200,"temp":21.5,"latency_us":1234,"time":"\d{4}-\d\d-\d\dT[^"]+","message":"request handled"\}$`)
	phusluLine  = regexp.MustCompile(`^\{"time":"\d{4}-\d\d-\d\dT[^"]+","level":"info","path":"/api/v1/status","status":200,"temp":21.5,"latency_us":1234,"message":"request handled"\}$`)
	zapLine     = regexp.MustCompile(`^\{"level":"info","ts":\d+\.\d+,"msg":"request handled","path":"/api/v1/status","status":200,"temp":21.5,"latency_us":1234\}$`)
	slogLine    = regexp.MustCompile(`^\{"time":"\d{4}-\d\d-\d\dT[^"]+","level":"INFO","msg":"request handled","path":"/api/v1/status","status":200,"temp":21.5,"latency_us":1234\}$`)
)

// The benchmarks loop over b.N rather than use b.Loop: since Go 1.26,
// b.Loop keeps every call's arguments alive, which makes the slog.Attr
// arguments of a disabled call cost ~15 ns more for gwlog and slog but
// not for zerolog's chained builder, and is not what a real call site
// pays.

// A sink is where a competitor writes: io.Discard, or a Ring of
// ringSize that is checked after the timed loop.
type sink struct {
	name string
	ring bool
}

var sinks = []sink{{"discard", false}, {"ring", true}}

// writer returns a fresh writer for s, and the Ring when s is one.
func (s sink) writer() (io.Writer, *Ring) {
	if !s.ring {
		return io.Discard, nil
	}
	r := NewRing(ringSize)
	return r, r
}

// openRuntime opens a gwlog runtime with o whose screen goes nowhere and
// closes it when b ends.
func openRuntime(tb testing.TB, o gwlog.Options) *gwlog.Runtime {
	tb.Helper()
	if len(o.Configs) == 0 {
		// The debug ring at ringSize, compressed as by default, rather
		// than its share of ram_cap.
		conf := filepath.Join(tb.TempDir(), "log.cfg")
		require.NoError(tb, os.WriteFile(conf, []byte("[stream.debug]\nrotate = size 1MiB\nkeep = 5\n"), 0o644))
		o.Configs = []string{conf}
	}
	o.Screen = io.Discard
	rt, err := gwlog.Open(o)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = rt.Close() })
	return rt
}

// The competitors, each at INFO.

func newZerolog(w io.Writer) zerolog.Logger {
	return zerolog.New(w).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}

func newPhuslu(w io.Writer) *phuslu.Logger {
	return &phuslu.Logger{Level: phuslu.InfoLevel, Writer: phuslu.IOWriter{Writer: w}}
}

func newZap(w io.Writer) *zap.Logger {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), zap.InfoLevel))
}

func newSlog(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, nil))
}

// lastLine returns the newest line held by r, without its newline.
func lastLine(r *Ring) string {
	tail := bytes.TrimSuffix(r.AppendTail(nil, 4096), []byte("\n"))
	return string(tail[bytes.LastIndexByte(tail, '\n')+1:])
}

// checkRing checks, after the timed loop, that r got lines and that the
// newest one is the record as want spells it.
func checkRing(b *testing.B, r *Ring, want *regexp.Regexp) {
	b.Helper()
	if r == nil {
		return
	}
	require.NotZero(b, r.Written(), "nothing reached the ring")
	assert.Regexp(b, want, lastLine(r))
}

// BenchmarkEnabled logs the record at INFO on loggers at INFO: gwlog into
// its debug ring, the competitors into io.Discard and into a Ring.
func BenchmarkEnabled(b *testing.B) {
	ctx := context.Background()

	// gwlog-ring is the debug ring as configured by default, compressed;
	// gwlog-ring-plain the same ring kept plain (ram_compress = none).
	// Under this flood the writer outruns gzip, and the compressor's
	// copies of segments the writer soon evicts cost the writer cache
	// misses: the plain ring shows the line's cost without them.
	for _, ring := range []struct{ name, conf string }{
		{"gwlog-ring", ""},
		{"gwlog-ring-plain", "[stream.debug]\nrotate = size 1MiB\nkeep = 5\nram_compress = none\n"},
	} {
		b.Run(ring.name, func(b *testing.B) {
			o := gwlog.Options{Profile: "disk"} // root at INFO
			if ring.conf != "" {
				conf := filepath.Join(b.TempDir(), "log.cfg")
				require.NoError(b, os.WriteFile(conf, []byte(ring.conf), 0o644))
				o.Configs = []string{conf}
			}
			rt := openRuntime(b, o)
			l := rt.Logger("bench")
			debug, errs := rt.Stream(gwlog.Debug), rt.Stream(gwlog.Error)
			require.EqualValues(b, ringSize, debug.Stats().Cap, "the competitors' rings must match gwlog's")
			written, errWritten := debug.Stats().Written, errs.Stats().Written
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				l.LogAttrs(ctx, levels.INFO, msg, slog.String("path", path), slog.Int("status", status),
					slog.Float64("temp", temp), slog.Int("latency_us", latencyUS))
			}
			b.StopTimer()
			assert.Equal(b, written+uint64(b.N), debug.Stats().Written, "every line lands in the debug ring")
			assert.Equal(b, errWritten, errs.Stats().Written, "INFO stays out of the error stream")
			assert.Regexp(b, gwlogLine, debug.Tail(1)[0])
			if ring.conf != "" {
				assert.Zero(b, debug.Stats().Blocks, "the plain ring compressed nothing")
			}
		})
	}

	b.Run("gwlog-ring-args", func(b *testing.B) {
		// Info with slog-style key-value args, of variables, as most code
		// logs: the values are boxed into the call's ...any.
		rt := openRuntime(b, gwlog.Options{Profile: "disk"})
		l := rt.Logger("bench")
		debug := rt.Stream(gwlog.Debug)
		p, st, tc, lat := strings.Clone(path), status, temp, latencyUS
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			l.Info(msg, "path", p, "status", st, "temp", tc, "latency_us", lat)
		}
		b.StopTimer()
		assert.Regexp(b, gwlogLine, debug.Tail(1)[0])
	})

	for _, s := range sinks {
		b.Run("zerolog-"+s.name, func(b *testing.B) {
			w, r := s.writer()
			l := newZerolog(w)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				l.Info().Str("path", path).Int("status", status).
					Float64("temp", temp).Int("latency_us", latencyUS).Msg(msg)
			}
			b.StopTimer()
			checkRing(b, r, zerologLine)
		})
		b.Run("phuslu-"+s.name, func(b *testing.B) {
			w, r := s.writer()
			l := newPhuslu(w)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				l.Info().Str("path", path).Int("status", status).
					Float64("temp", temp).Int("latency_us", latencyUS).Msg(msg)
			}
			b.StopTimer()
			checkRing(b, r, phusluLine)
		})
		b.Run("zap-"+s.name, func(b *testing.B) {
			w, r := s.writer()
			l := newZap(w)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				l.Info(msg, zap.String("path", path), zap.Int("status", status),
					zap.Float64("temp", temp), zap.Int("latency_us", latencyUS))
			}
			b.StopTimer()
			checkRing(b, r, zapLine)
		})
		b.Run("slog-json-"+s.name, func(b *testing.B) {
			w, r := s.writer()
			l := newSlog(w)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				l.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("path", path), slog.Int("status", status),
					slog.Float64("temp", temp), slog.Int("latency_us", latencyUS))
			}
			b.StopTimer()
			checkRing(b, r, slogLine)
		})
	}
}

// BenchmarkDisabled logs the record at DEBUG on loggers above it (gwlog's
// minimal profile puts root at WARNING; the competitors are at INFO) and
// checks that nothing was written. The competitors' rings are small: they
// are there to catch a line, not to hold the lines.
func BenchmarkDisabled(b *testing.B) {
	ctx := context.Background()

	b.Run("gwlog", func(b *testing.B) {
		rt := openRuntime(b, gwlog.Options{})
		l := rt.Logger("bench")
		require.False(b, l.Enabled(ctx, levels.DEBUG))
		debug := rt.Stream(gwlog.Debug)
		written := debug.Stats().Written
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			l.LogAttrs(ctx, levels.DEBUG, msg, slog.String("path", path), slog.Int("status", status),
				slog.Float64("temp", temp), slog.Int("latency_us", latencyUS))
		}
		b.StopTimer()
		assert.Equal(b, written, debug.Stats().Written)
	})
	b.Run("gwlog-args", func(b *testing.B) {
		// Debug with key-value args of variables, as in Enabled.
		rt := openRuntime(b, gwlog.Options{})
		l := rt.Logger("bench")
		debug := rt.Stream(gwlog.Debug)
		written := debug.Stats().Written
		p, st, tc, lat := strings.Clone(path), status, temp, latencyUS
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			l.Debug(msg, "path", p, "status", st, "temp", tc, "latency_us", lat)
		}
		b.StopTimer()
		assert.Equal(b, written, debug.Stats().Written)
	})
	b.Run("zerolog", func(b *testing.B) {
		r := NewRing(4 << 10)
		l := newZerolog(r)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			l.Debug().Str("path", path).Int("status", status).
				Float64("temp", temp).Int("latency_us", latencyUS).Msg(msg)
		}
		b.StopTimer()
		assert.Zero(b, r.Written())
	})
	b.Run("phuslu", func(b *testing.B) {
		r := NewRing(4 << 10)
		l := newPhuslu(r)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			l.Debug().Str("path", path).Int("status", status).
				Float64("temp", temp).Int("latency_us", latencyUS).Msg(msg)
		}
		b.StopTimer()
		assert.Zero(b, r.Written())
	})
	b.Run("zap", func(b *testing.B) {
		r := NewRing(4 << 10)
		l := newZap(r)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			l.Debug(msg, zap.String("path", path), zap.Int("status", status),
				zap.Float64("temp", temp), zap.Int("latency_us", latencyUS))
		}
		b.StopTimer()
		assert.Zero(b, r.Written())
	})
	b.Run("slog", func(b *testing.B) {
		r := NewRing(4 << 10)
		l := newSlog(r)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			l.LogAttrs(ctx, slog.LevelDebug, msg, slog.String("path", path), slog.Int("status", status),
				slog.Float64("temp", temp), slog.Int("latency_us", latencyUS))
		}
		b.StopTimer()
		assert.Zero(b, r.Written())
	})
}

// BenchmarkParallel logs the record at INFO from GOMAXPROCS goroutines
// (two on the two-core gateways this is measured for). gwlog's goroutines
// alternate between two loggers routed to two different rings, "debug"
// and "bench2", so that they do not share a ring's lock.
func BenchmarkParallel(b *testing.B) {
	ctx := context.Background()
	// Opened once: RunParallel calls its benchmark for every b.N it tries.
	rt := openRuntime(b, gwlog.Options{
		Streams: []gwlog.StreamOptions{{Name: "bench2"}}, // 6 MiB, as debug
		Loggers: []gwlog.LoggerOptions{
			{Name: "bench.a", Level: levels.INFO, Streams: []string{gwlog.Debug}, NoPropagate: true},
			{Name: "bench.b", Level: levels.INFO, Streams: []string{"bench2"}, NoPropagate: true},
		},
	})
	loggers := []*levels.Logger{rt.Logger("bench.a"), rt.Logger("bench.b")}
	streams := []*ramlog.Stream{rt.Stream(gwlog.Debug), rt.Stream("bench2")}
	for _, s := range streams {
		require.EqualValues(b, ringSize, s.Stats().Cap, "stream %s", s.Name())
	}

	b.Run("gwlog-ring", func(b *testing.B) {
		var before [2]uint64
		for i, s := range streams {
			before[i] = s.Stats().Written
		}
		var next atomic.Uint32 // hands each goroutine its logger
		b.SetParallelism(1)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			l := loggers[(next.Add(1)-1)%uint32(len(loggers))]
			for pb.Next() {
				l.LogAttrs(ctx, levels.INFO, msg, slog.String("path", path), slog.Int("status", status),
					slog.Float64("temp", temp), slog.Int("latency_us", latencyUS))
			}
		})
		b.StopTimer()
		if runtime.GOMAXPROCS(0) > 1 {
			assert.GreaterOrEqual(b, next.Load(), uint32(2), "the goroutines share a logger")
		}
		var total uint64
		for i, s := range streams {
			n := s.Stats().Written - before[i]
			if n > 0 {
				assert.Regexp(b, gwlogLine, s.Tail(1)[0])
			}
			total += n
		}
		assert.Equal(b, uint64(b.N), total, "every line lands in a ring")
	})
	b.Run("phuslu-discard", func(b *testing.B) {
		l := newPhuslu(io.Discard)
		b.SetParallelism(1)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Info().Str("path", path).Int("status", status).
					Float64("temp", temp).Int("latency_us", latencyUS).Msg(msg)
			}
		})
	})
	b.Run("zerolog-discard", func(b *testing.B) {
		l := newZerolog(io.Discard)
		b.SetParallelism(1)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Info().Str("path", path).Int("status", status).
					Float64("temp", temp).Int("latency_us", latencyUS).Msg(msg)
			}
		})
	})
}

// BenchmarkParallelOne logs the record at INFO from 2, 4 and 8 goroutines
// (SetParallelism of the count over GOMAXPROCS, at least 1) on one logger
// into one ring, the debug stream, beside zerolog and phuslu/log into
// io.Discard with as many goroutines: the contended case, where every
// line takes the same stream's lock. zerolog-ring is zerolog from as many
// goroutines into one shared Ring: what any logger pays when its lines
// from several cores end up in one buffer.
func BenchmarkParallelOne(b *testing.B) {
	ctx := context.Background()
	rt := openRuntime(b, gwlog.Options{Profile: "disk"}) // root at INFO
	l := rt.Logger("bench")
	debug := rt.Stream(gwlog.Debug)
	ph := newPhuslu(io.Discard)
	for _, g := range []int{2, 4, 8} {
		par := max(1, g/runtime.GOMAXPROCS(0))
		name := "-g" + strconv.Itoa(g)
		b.Run("gwlog-ring"+name, func(b *testing.B) {
			before := debug.Stats().Written
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l.LogAttrs(ctx, levels.INFO, msg, slog.String("path", path), slog.Int("status", status),
						slog.Float64("temp", temp), slog.Int("latency_us", latencyUS))
				}
			})
			b.StopTimer()
			assert.Equal(b, before+uint64(b.N), debug.Stats().Written, "every line lands in the ring")
			assert.Regexp(b, gwlogLine, debug.Tail(1)[0])
		})
		for _, s := range sinks { // the ring is one, shared by the goroutines
			b.Run("zerolog-"+s.name+name, func(b *testing.B) {
				w, r := s.writer()
				zl := newZerolog(w)
				b.SetParallelism(par)
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						zl.Info().Str("path", path).Int("status", status).
							Float64("temp", temp).Int("latency_us", latencyUS).Msg(msg)
					}
				})
				b.StopTimer()
				checkRing(b, r, zerologLine)
			})
		}
		b.Run("phuslu-discard"+name, func(b *testing.B) {
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ph.Info().Str("path", path).Int("status", status).
						Float64("temp", temp).Int("latency_us", latencyUS).Msg(msg)
				}
			})
		})
	}
}
