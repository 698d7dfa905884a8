package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// BenchmarkAttached is Enabled/gwlog-ring with readers attached to the
// debug stream, to show what they cost the logging goroutine:
//
//   - gwlog-plain: no reader, as Enabled/gwlog-ring;
//   - gwlog-follower: an SSE follower alone: GET /streams/debug?follow=1
//     on an httptest server of rt.HTTPHandler(), its client reading as
//     fast as it can;
//   - gwlog-forwarder: a forwarder alone: forward.Start to a local UDP
//     listener that reads and discards, at its default replay rate (1000
//     lines/s), as a [forward.NAME] section without replay_rate runs;
//   - gwlog-follower-forwarder: both (target (h));
//   - gwlog-follower-forwarder-unpaced: both, the forwarder's rate
//     unbounded, so that it sends every line it can.
//
// The readers run on other goroutines and, with GOMAXPROCS > 1, on other
// cores: what the logger pays is its wake-ups, the ring's lock shared
// with the readers' copies, and the CPU the readers leave it. ns/op is
// the wall time per line; proc-cpu-ns/op the CPU time of the whole
// process, readers included, per line logged. With BENCH_THREADCPU=1,
// cpu-ns/op is the logging thread's own CPU time per line, which leaves
// out the time it waited for a CPU. followed-% and forwarded-% are the
// share of the lines logged that the readers got; they skip what the
// ring dropped before they read it. The forwarder's allocations count in
// B/op: testing counts the whole process's.
//
// Target (h): gwlog-follower-forwarder at ≤ 1.1× gwlog-plain, in ns/op.
func BenchmarkAttached(b *testing.B) {
	b.Run("gwlog-plain", func(b *testing.B) { benchAttached(b, false, false, 0) })
	b.Run("gwlog-follower", func(b *testing.B) { benchAttached(b, true, false, 0) })
	b.Run("gwlog-forwarder", func(b *testing.B) { benchAttached(b, false, true, 0) })
	b.Run("gwlog-follower-forwarder", func(b *testing.B) { benchAttached(b, true, true, 0) })
	b.Run("gwlog-follower-forwarder-unpaced", func(b *testing.B) { benchAttached(b, true, true, 1<<30) })
}

func benchAttached(b *testing.B, follower, forwarder bool, replayRate int) {
	ctx := context.Background()
	rt := openRuntime(b, gwlog.Options{Profile: "disk"}) // root at INFO
	l := rt.Logger("bench")
	debug := rt.Stream(gwlog.Debug)
	var (
		sse *sseClient
		udp *udpSink
		fw  *forward.Forwarder
	)
	if follower {
		sse = followSSE(b, rt)
	}
	if forwarder {
		udp = listenUDP(b)
		var err error
		fw, err = forward.Start(forward.Options{Name: "bench", To: "udp://" + udp.addr(),
			Streams: []*ramlog.Stream{debug}, ReplayRate: replayRate, Hostname: "gw01"})
		require.NoError(b, err)
		b.Cleanup(func() { _ = fw.Close() })
	}
	// The readers are in place once each has a line logged now.
	ready := func() bool {
		return (sse == nil || sse.lines.Load() > 0) && (udp == nil || udp.packets.Load() > 0)
	}
	for deadline := time.Now().Add(10 * time.Second); !ready() && time.Now().Before(deadline); {
		l.Info("probe")
		time.Sleep(10 * time.Millisecond)
	}
	require.True(b, ready(), "the readers got no probe in 10 s")
	written := debug.Stats().Written
	var followed0, forwarded0 uint64
	if sse != nil {
		followed0 = sse.lines.Load()
	}
	if fw != nil {
		forwarded0 = fw.Stats().Sent
	}
	// With BENCH_THREADCPU set the logging goroutine keeps its thread, so
	// that the thread's CPU clock is what the logging itself costs, apart
	// from the time the goroutine waits for a CPU. Off by default: a
	// locked goroutine waits longer for its thread than a free one for
	// any, which raises the attached ns/op.
	threadClock := os.Getenv("BENCH_THREADCPU") != ""
	if threadClock {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, proc0 := threadCPU(), processCPU()
	for range b.N {
		l.LogAttrs(ctx, levels.INFO, msg, slog.String("path", path), slog.Int("status", status),
			slog.Float64("temp", temp), slog.Int("latency_us", latencyUS))
	}
	cpu, proc := threadCPU()-cpu0, processCPU()-proc0
	b.StopTimer()
	if threadClock {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(proc)/float64(b.N), "proc-cpu-ns/op")
	assert.Equal(b, written+uint64(b.N), debug.Stats().Written, "every line lands in the debug ring")
	assert.Regexp(b, gwlogLine, debug.Tail(1)[0])
	// What the readers got of the lines logged, counted a moment after
	// the loop so that they catch up with what the ring still holds.
	if sse != nil || fw != nil {
		time.Sleep(50 * time.Millisecond)
	}
	if sse != nil {
		b.ReportMetric(100*float64(sse.lines.Load()-followed0)/float64(b.N), "followed-%")
		assert.Zero(b, sse.bad.Load(), "SSE lines that are not the record or a missed marker")
	}
	if fw != nil {
		b.ReportMetric(100*float64(fw.Stats().Sent-forwarded0)/float64(b.N), "forwarded-%")
	}
}

// threadCPU returns the CPU time of the calling thread
// (CLOCK_THREAD_CPUTIME_ID).
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// processCPU returns the CPU time of the process, all threads
// (CLOCK_PROCESS_CPUTIME_ID).
func processCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// sseClient follows a stream over HTTP as Server-Sent Events.
type sseClient struct {
	lines  atomic.Uint64 // data lines with a record
	missed atomic.Uint64 // "… N lines missed" events
	bad    atomic.Uint64 // anything else
}

// followSSE serves rt's API on an httptest server and follows the debug
// stream from a client goroutine until b ends.
func followSSE(b *testing.B, rt *gwlog.Runtime) *sseClient {
	b.Helper()
	srv := httptest.NewServer(rt.HTTPHandler())
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/streams/debug?follow=1", nil)
	require.NoError(b, err)
	resp, err := srv.Client().Do(req)
	require.NoError(b, err)
	require.Equal(b, http.StatusOK, resp.StatusCode)
	c := &sseClient{}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer resp.Body.Close()
		r := bufio.NewReaderSize(resp.Body, 64<<10)
		for {
			line, err := r.ReadSlice('\n')
			if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				return
			}
			switch {
			case len(line) <= 1: // the blank line ending an event
			case bytes.HasPrefix(line, []byte("data: … ")) && bytes.HasSuffix(line, []byte(" lines missed\n")):
				c.missed.Add(1)
			case bytes.HasPrefix(line, []byte("data: ")):
				c.lines.Add(1)
			default:
				c.bad.Add(1)
			}
		}
	})
	b.Cleanup(func() {
		cancel()
		srv.CloseClientConnections()
		srv.Close()
		wg.Wait()
	})
	return c
}

// udpSink is a local syslog collector that counts and discards.
type udpSink struct {
	conn    net.PacketConn
	packets atomic.Uint64
}

func (u *udpSink) addr() string { return u.conn.LocalAddr().String() }

// listenUDP starts a udpSink on loopback until b ends.
func listenUDP(b *testing.B) *udpSink {
	b.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(b, err)
	u := &udpSink{conn: c}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 64<<10)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
			u.packets.Add(1)
		}
	})
	b.Cleanup(func() {
		c.Close()
		wg.Wait()
	})
	return u
}
