package gwlog

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// TestFloodStaysUnderTheCap floods every stream with 20 × ram_cap from
// several goroutines while a sampler checks, throughout, that the rings
// hold no more than the cap and the heap no more than the cap + 4 MiB;
// then that every line is either held or counted as dropped. Its rings
// are plain (ram_compress = none): the compressed flood follows.
func TestFloodStaysUnderTheCap(t *testing.T) { flood(t, 4<<20, 5, "none") }

// TestFloodStaysUnderTheCapCompressed is the flood with every stream's
// sealed history compressed in RAM (ram_compress = gzip): the budget,
// sampled throughout, holds the rings, the compressed history and the
// compressor's working memory within the cap. The cap is larger by what
// the compressor takes (ramlog.WorkMem: 1.8 MiB for 256 KiB segments),
// and the flood four times as long: the rings hold the lines of several
// times their size.
func TestFloodStaysUnderTheCapCompressed(t *testing.T) {
	// Dropped blocks are garbage until the collector runs: as gwlogd
	// does, a memory limit makes it run before the heap passes the bound.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(6<<20 + 3<<20))
	flood(t, 6<<20, 20, "gzip")
}

// flood floods a runtime of ramCap whose streams have ram_compress =
// compress, each writer offering times × the cap.
func flood(t *testing.T, ramCap int64, times int, compress string) {
	conf := filepath.Join(t.TempDir(), "log.cfg")
	var text strings.Builder
	for _, name := range []string{Access, Error, EventLog, Debug} {
		fmt.Fprintf(&text, "[stream.%s]\nram_compress = %s\n", name, compress)
	}
	require.NoError(t, os.WriteFile(conf, []byte(text.String()), 0o600))
	plain := compress == "none"
	// Earlier tests' runtimes are garbage by now; start from a collected
	// heap so that what is measured is this flood.
	runtime.GC()
	size := func(n int64) ramlog.Rotation { return ramlog.Rotation{Kind: ramlog.RotateSize, Size: n} }
	rt := open(t, Options{
		RAMCap:  ramCap,
		Screen:  &syncBuffer{},
		Configs: []string{conf},
		Streams: []StreamOptions{
			{Name: Access, RAM: 512 << 10},
			{Name: Error, RAM: 512 << 10},
			{Name: EventLog, Rotate: size(128 << 10)},
			{Name: Debug, Rotate: size(256 << 10)},
		},
	})
	require.LessOrEqual(t, rt.Stats().RAMUsed, int64(ramCap))

	var maxRing, maxHeap, maxUsed atomic.Int64
	var sampling sync.WaitGroup
	stop := make(chan struct{})
	streams := rt.Streams()
	sampling.Go(func() {
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var held int64
			for _, s := range streams {
				held += s.Stats().Bytes
			}
			runtime.ReadMemStats(&ms)
			maxRing.Store(max(maxRing.Load(), held))
			maxUsed.Store(max(maxUsed.Load(), rt.budget.Used()))
			maxHeap.Store(max(maxHeap.Load(), int64(ms.HeapInuse)))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})

	writers := []struct {
		logger string
		level  levels.Level
	}{
		{"access", levels.INFO}, // access + debug
		{"", levels.INFO},       // events: EventLog + debug, and the event ring
		{"WebBrickGateway.Heating", levels.ERROR},
		{"WebBrickGateway.Comms", levels.WARNING}, // debug only
	}
	// Lines of about 120 bytes; each writer offers times × the cap.
	perWriter := int(int64(times) * ramCap / 120)
	if testing.Short() {
		perWriter /= 4
	}
	var wg sync.WaitGroup
	ctx := context.Background()
	for _, w := range writers {
		l := rt.Logger(w.logger)
		wg.Go(func() {
			if w.logger == "" {
				for i := range perWriter {
					rt.Events().Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/100/CT/1",
						Attrs: []eventlog.Attr{eventlog.StringAttr("path", "/api/v1/status"), eventlog.IntAttr("status", 200),
							eventlog.FloatAttr("temp", 21.5), eventlog.IntAttr("i", int64(i))}})
				}
				return
			}
			for i := range perWriter {
				l.LogAttrs(ctx, w.level, "request handled", slog.String("path", "/api/v1/status"),
					slog.Int("status", 200), slog.Float64("temp", 21.5), slog.Int("i", i))
			}
		})
	}
	wg.Wait()
	close(stop)
	sampling.Wait()

	want := map[string]uint64{
		Access:   uint64(perWriter),
		EventLog: uint64(perWriter),
		Error:    uint64(perWriter),
		Debug:    uint64(4 * perWriter),
	}
	var offered uint64
	dropped := plain
	for _, s := range rt.Stats().Streams {
		assert.Equal(t, want[s.Name], s.Written, s.Name)
		assert.Equal(t, s.Written-s.Lines, s.Drops, "%s: drops = written - held", s.Name)
		assert.LessOrEqual(t, s.Bytes, s.Cap, s.Name)
		if plain {
			assert.Positive(t, s.Drops, s.Name)
		} else {
			// The access stream's short, alike lines may all fit once
			// compressed, when the compressor keeps up (under -race);
			// the debug stream, which takes every line, cannot.
			dropped = dropped || s.Drops > 0
		}
		offered += s.WrittenBytes
		all := rt.Stream(s.Name).Tail(int(s.Lines) + 1 + int(s.Blocks))
		if plain {
			// The oldest file starts with the marker of the gap.
			assert.True(t, strings.HasPrefix(all[0], "… "), "%s: %q", s.Name, all[0])
		} else {
			// Compressed, the gaps may also be where the compressor
			// lagged and the ring evicted segments plain: a marker says
			// so at each, and they add up to the drops.
			var said uint64
			for _, l := range all {
				var n uint64
				if _, err := fmt.Sscanf(l, "… %d lines dropped", &n); err == nil {
					said += n
				}
			}
			// The compressor may still drop old blocks for the last
			// segments it takes: the count is between the two.
			assert.GreaterOrEqual(t, said, s.Drops, "%s: every lost line is said in-band", s.Name)
			assert.LessOrEqual(t, said, rt.Stream(s.Name).Stats().Drops, "%s: and no more", s.Name)
		}
	}
	assert.True(t, dropped, "the flood passed what the rings hold")
	if !testing.Short() {
		assert.GreaterOrEqual(t, offered, uint64(20*ramCap), "the flood was 20 × the cap")
	}
	ev := rt.Events().Stats()
	assert.Equal(t, uint64(perWriter), ev.Held+ev.Evicted, "every event is held or counted")
	assert.Positive(t, ev.Evicted)
	assert.LessOrEqual(t, maxRing.Load()+ev.Cap, int64(ramCap), "ring bytes never pass the cap")
	assert.LessOrEqual(t, rt.Stats().RAMUsed, int64(ramCap))
	assert.LessOrEqual(t, maxUsed.Load(), int64(ramCap), "the budget never passes the cap")
	if raceEnabled {
		t.Log("heap bound not checked under -race (its sync.Pool drops buffers on purpose); the plain run checks it")
	} else {
		// A ring commits its memory as it fills, doubling its buffer: the
		// buffers it outgrew (at most half its size in all) are garbage
		// until the next collection.
		assert.LessOrEqual(t, maxHeap.Load(), int64(ramCap+ramCap/2+4<<20), "heap in use stays within the cap + its growth + 4 MiB")
	}
	var held, ram int64
	for _, s := range rt.Stats().Streams {
		held, ram = held+s.Plain, ram+s.Cap
	}
	t.Logf("offered %d MiB; max ring %d KiB; max heap in use %d KiB; %d KiB of log held in %d KiB of rings",
		offered>>20, maxRing.Load()>>10, maxHeap.Load()>>10, held>>10, ram>>10)
}
