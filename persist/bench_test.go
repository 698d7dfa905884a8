package persist

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// benchDirs are stores made once per process for the benchmarks, removed
// by TestMain.
var (
	benchMu   sync.Mutex
	benchDirs = map[string]string{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range benchDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// BenchmarkSpill writes segments of 1 MiB (and 64 KiB), batch segments
// per PutSegments (one transaction, one acknowledgement; gzip: stored
// gzipped, as compress = gzip does), and in the same
// run the same bytes to a plain file in the same directory with one fsync
// at the end. It reports the plain file's throughput, the ratio
// store/plain (target ≥ 0.5), the write amplification and the fsyncs per
// PutSegments.
func BenchmarkSpill(b *testing.B) {
	for _, c := range []struct {
		size, batch int
		gzip        bool
	}{{1 << 20, 1, false}, {1 << 20, 8, false}, {64 << 10, 1, false}, {1 << 20, 8, true}} {
		size, batch := c.size, c.batch
		name := fmt.Sprintf("seg=%dKiB/batch=%d", size>>10, batch)
		if c.gzip {
			name += "/gzip"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			clk := newClock(t0)
			s, err := Open(Options{Dir: dir, Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			segs := make([]Segment, batch)
			for i := range segs {
				segs[i] = seg("debug", 0, size, t0)
				if c.gzip { // log lines, which shrink as logs do
					segs[i].Gzip, segs[i].Data = true, lines(size)
				}
			}
			b.SetBytes(int64(batch * size))
			b.ReportAllocs()
			b.ResetTimer()
			var id uint64
			for range b.N {
				for i := range segs {
					segs[i].ID = id
					id++
				}
				if err := s.PutSegments(segs); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			storeTime := b.Elapsed()
			st := s.Stats()

			plain := filepath.Join(dir, "plain")
			f, err := os.Create(plain)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for range b.N {
				for i := range segs {
					if _, err := f.Write(segs[i].Data); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			plainTime := time.Since(start)
			f.Close()
			os.Remove(plain)

			mb := float64(b.N*batch*size) / 1e6
			b.ReportMetric(mb/plainTime.Seconds(), "plain-MB/s")
			b.ReportMetric(plainTime.Seconds()/storeTime.Seconds(), "store/plain")
			if st.WriteAmp > 0 {
				b.ReportMetric(st.WriteAmp, "write-amp")
			}
			b.ReportMetric(float64(st.Syncs)/float64(b.N), "fsyncs/op")
		})
	}
}

// benchStore makes (once per process) a store of days × streams with
// perDay bytes a day in each stream, in 1 MiB segments.
func benchStore(b *testing.B, days, streams int, perDay int) string {
	key := fmt.Sprint(days, streams, perDay)
	benchMu.Lock()
	defer benchMu.Unlock()
	if dir, ok := benchDirs[key]; ok {
		return dir
	}
	dir, err := os.MkdirTemp("", "gwlog-persist-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs[key] = dir
	start := time.Now()
	clk := newClock(t0)
	s, err := Open(Options{Dir: dir, Now: clk.Now, Cap: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	names := []string{"access", "error", "events", "debug", "EventLog"}
	ids := make([]uint64, streams)
	for range days {
		for seg := 0; seg < perDay>>20; seg++ {
			var batch []Segment
			for i := range streams {
				g := Segment{Stream: names[i], ID: ids[i], Name: names[i] + ".log", First: clk.Now(), Last: clk.Now(), Records: 10000, Data: data(names[i], ids[i], 1<<20)}
				ids[i]++
				batch = append(batch, g)
			}
			if err := s.PutSegments(batch); err != nil {
				b.Fatal(err)
			}
			clk.Add(24 * time.Hour / time.Duration(perDay>>20))
		}
	}
	st := s.Stats()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("made %d days × %d streams × %d MB: %d files, %d MB on disk, in %v", days, streams, perDay>>20, st.Files, st.DiskBytes>>20, time.Since(start).Round(time.Millisecond))
	return dir
}

// BenchmarkOpen opens a store of 14 days × 5 streams (target ≤ 100 ms):
// with 4 MiB a day in each stream (20 MiB a day in all) and with 20 MiB a
// day in each, from the page cache (warm) and with the files dropped from
// it first (cold; Linux on amd64 and arm64).
func BenchmarkOpen(b *testing.B) {
	for _, perDay := range []int{4 << 20, 20 << 20} {
		for _, cold := range []bool{false, true} {
			name := fmt.Sprintf("stream=%dMiB/day/%s", perDay>>20, map[bool]string{false: "warm", true: "cold"}[cold])
			b.Run(name, func(b *testing.B) {
				if cold && !canDropCache {
					b.Skip("cannot drop files from the page cache here")
				}
				dir := benchStore(b, 14, 5, perDay)
				// Now is the day after the last, so that nothing expires
				// but today's file is new.
				now := t0.Add(14 * 24 * time.Hour)
				o := Options{Dir: dir, Now: func() time.Time { return now }, Cap: 1 << 40,
					Keep: map[string]time.Duration{"debug": 30 * 24 * time.Hour}}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if cold {
						b.StopTimer()
						names, _ := filepath.Glob(filepath.Join(dir, "gwlog-*.db"))
						for _, n := range names {
							dropCache(n)
						}
						b.StartTimer()
					}
					s, err := Open(o)
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if n := len(s.Streams()); n != 5 {
						b.Fatalf("%d streams", n)
					}
					s.Close()
					b.StartTimer()
				}
			})
		}
	}
}

// BenchmarkSlowTail is a slow stream's flushes: each op flushes the live
// segment's tail grown by one 120-byte line, in segments of 1 MiB sealed
// as they fill. "parts" is the store as it is (a tail adds what it grew
// by); "whole" writes every tail whole, as the store did before parts.
// It reports what the process had the kernel write per flush (disk-B/op)
// and per byte of log (write-amp). Run it for a whole segment or more:
// -benchtime 9000x.
func BenchmarkSlowTail(b *testing.B) {
	if _, ok := processWriteBytes(); !ok {
		b.Skip("no /proc/self/io write_bytes here")
	}
	line := []byte(fmt.Sprintf("%-119s\n", "2026-11-22T04:35:38.123Z WARNING WebBrickGateway.Heating: boiler flow 61.5 C above 60"))
	for _, c := range []struct {
		name  string
		parts int
	}{{"parts", DefaultMaxParts}, {"whole", 1}} {
		b.Run(c.name, func(b *testing.B) {
			s, err := Open(Options{Dir: b.TempDir(), Now: newClock(t0).Now, MaxParts: c.parts})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			data := make([]byte, 0, 1<<20)
			var id uint64
			b.ReportAllocs()
			base, _ := processWriteBytes()
			b.ResetTimer()
			for range b.N {
				data = append(data, line...)
				g := Segment{Stream: "error", ID: id, Name: "error.log", Records: uint64(len(data) / len(line)), Tail: true, Data: data}
				full := len(data)+len(line) > cap(data)
				g.Tail = !full
				if err := s.PutSegments([]Segment{g}); err != nil {
					b.Fatal(err)
				}
				if full {
					data, id = data[:0], id+1
				}
			}
			b.StopTimer()
			written, _ := processWriteBytes()
			written -= base
			b.ReportMetric(float64(written)/float64(b.N), "disk-B/op")
			b.ReportMetric(float64(written)/float64(b.N*len(line)), "write-amp")
		})
	}
}
