package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// pushSink is a loopback HTTP endpoint that takes every request, as a
// Loki or OTLP receiver that keeps up, counting the bytes it is sent.
type pushSink struct {
	srv      *httptest.Server
	bytes    atomic.Int64
	requests atomic.Int64
}

func listenPush(b *testing.B) *pushSink {
	p := &pushSink{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		p.bytes.Add(n)
		p.requests.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(p.srv.Close)
	return p
}

// BenchmarkFleetAttached is what a fleet destination attached to the
// debug stream costs the logging goroutine, beside none in the same run:
//
//   - gwlog-plain: no destination, as Attached/gwlog-plain;
//   - gwlog-loki: [forward.NAME] type = loki as a section with its
//     defaults runs (batches of up to 256 KiB or 1 s, 10000 lines/s),
//     to a loopback endpoint that takes every request;
//   - gwlog-loki-unpaced: the same with the rate unbounded, so that the
//     shipper sends every line it can.
//
// ns/op is the wall time per line; proc-cpu-ns/op the CPU time of the
// whole process, shipper included, per line; shipped-% the share of the
// lines logged that went out. Target: gwlog-loki at ≤ 1.1× gwlog-plain
// in ns/op.
func BenchmarkFleetAttached(b *testing.B) {
	b.Run("gwlog-plain", func(b *testing.B) { benchFleetAttached(b, false, 0) })
	b.Run("gwlog-loki", func(b *testing.B) { benchFleetAttached(b, true, 0) })
	b.Run("gwlog-loki-unpaced", func(b *testing.B) { benchFleetAttached(b, true, 1<<30) })
}

func benchFleetAttached(b *testing.B, attached bool, rate int) {
	ctx := context.Background()
	rt := openRuntime(b, gwlog.Options{Profile: "disk"})
	l := rt.Logger("bench")
	debug := rt.Stream(gwlog.Debug)
	var sh *forward.Shipper
	if attached {
		sink := listenPush(b)
		var err error
		sh, err = forward.StartShip(forward.ShipOptions{Name: "bench", Kind: forward.Loki, URL: sink.srv.URL,
			Gateway: "gw01", Streams: []*ramlog.Stream{debug}, ReplayRate: rate})
		require.NoError(b, err)
		b.Cleanup(func() { _ = sh.Close() })
	}
	var sent0 uint64
	if sh != nil {
		sent0 = sh.Stats().Sent
	}
	written := debug.Stats().Written
	b.ReportAllocs()
	b.ResetTimer()
	proc0 := processCPU()
	for range b.N {
		l.LogAttrs(ctx, levels.INFO, msg, slog.String("path", path), slog.Int("status", status),
			slog.Float64("temp", temp), slog.Int("latency_us", latencyUS))
	}
	proc := processCPU() - proc0
	b.StopTimer()
	b.ReportMetric(float64(proc)/float64(b.N), "proc-cpu-ns/op")
	assert.Equal(b, written+uint64(b.N), debug.Stats().Written, "every line lands in the debug ring")
	if sh != nil {
		b.ReportMetric(100*float64(sh.Stats().Sent-sent0)/float64(b.N), "shipped-%")
	}
}

// backlogLine is the i-th line of a backlog: a gateway's usual INFO line
// with the numbers that vary from line to line.
func backlogLine(dst []byte, i int) []byte {
	return fmt.Appendf(dst, "2026-12-05 %02d:%02d:%02d,%03d INFO Gateway.Heating zone %d valve %d%% temp=%.1f setpoint=%.1f seq=%d",
		i/3600000%24, i/60000%60, i/1000%60, i%1000, i%8, i%101, 15+float64(i%100)/10, 21.5, i)
}

// backlogStream returns a stream big enough to hold n lines without
// loss.
func backlogStream(b *testing.B, n int) *ramlog.Stream {
	s, err := ramlog.New("debug", ramlog.Options{RAM: int64(n)*110 + 16<<20,
		Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 4 << 20}, Keep: 1000})
	require.NoError(b, err)
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// writeBacklog logs n lines into s, all of which the ring must hold.
func writeBacklog(b *testing.B, s *ramlog.Stream, n int) {
	var line []byte
	for i := range n {
		line = backlogLine(line[:0], i)
		s.WriteLine(0, line)
	}
	require.Equal(b, uint64(n), s.Stats().Lines, "the ring holds the whole backlog")
}

// BenchmarkBacklog drains a backlog of b.N lines logged while the
// receiver was away (run it with -benchtime=1000000x for the million
// lines of a long outage), once the receiver is back on loopback:
//
//   - loki: a Loki push destination, unpaced, batches of 1 MiB, to an
//     HTTP endpoint that answered 503 until then;
//   - otlp: the same as OTLP/HTTP logs;
//   - syslog-tcp: the syslog forwarder over TCP with octet counting,
//     unpaced, to a listener that was not there until then.
//
// lines/s is how fast the backlog drains once the receiver is back;
// wire-B/line the bytes the receiver got per line (the request bodies
// for loki, gzipped; the stream for syslog).
func BenchmarkBacklog(b *testing.B) {
	b.Run("loki", func(b *testing.B) { benchBacklogShip(b, forward.Loki) })
	b.Run("otlp", func(b *testing.B) { benchBacklogShip(b, forward.OTLP) })
	b.Run("syslog-tcp", benchBacklogSyslog)
}

func benchBacklogShip(b *testing.B, kind string) {
	{
		s := backlogStream(b, b.N)
		var down atomic.Bool
		down.Store(true)
		var got atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, r.Body)
			if down.Load() {
				http.Error(w, "away", http.StatusServiceUnavailable)
				return
			}
			got.Add(n)
			w.WriteHeader(http.StatusNoContent)
		}))
		defer srv.Close()
		sh, err := forward.StartShip(forward.ShipOptions{Name: "bench", Kind: kind, URL: srv.URL, Gateway: "gw01",
			Streams: []*ramlog.Stream{s}, ReplayRate: 1 << 30, BatchBytes: 1 << 20, Backoff: time.Millisecond})
		require.NoError(b, err)
		writeBacklog(b, s, b.N)
		b.ResetTimer()
		start := time.Now()
		down.Store(false)
		for sh.Stats().Sent < uint64(b.N) {
			time.Sleep(time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		require.NoError(b, sh.Close())
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "lines/s")
		b.ReportMetric(float64(got.Load())/float64(b.N), "wire-B/line")
	}
}

func benchBacklogSyslog(b *testing.B) {
	{
		s := backlogStream(b, b.N)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(b, err)
		addr := ln.Addr().String()
		ln.Close() // away until the backlog is written
		f, err := forward.Start(forward.Options{Name: "bench", To: "tcp://" + addr,
			Streams: []*ramlog.Stream{s}, ReplayRate: 1 << 30, Hostname: "gw01", Backoff: time.Millisecond})
		require.NoError(b, err)
		writeBacklog(b, s, b.N)
		b.ResetTimer()
		start := time.Now()
		ln, err = net.Listen("tcp", addr)
		require.NoError(b, err)
		var got atomic.Int64
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				n, _ := io.Copy(io.Discard, c)
				got.Add(n)
				c.Close()
			}
		})
		for f.Stats().Sent < uint64(b.N) {
			time.Sleep(time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		require.NoError(b, f.Close())
		ln.Close()
		wg.Wait()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "lines/s")
		b.ReportMetric(float64(got.Load())/float64(b.N), "wire-B/line")
	}
}
