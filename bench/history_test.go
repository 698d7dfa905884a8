package bench

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/ramlog"
)

// A week of four sensors at one reading a second each, into an event log
// of 16 MiB with compressed history (the moonshot: all of it).
const (
	weekSensors = 4
	weekRAM     = 16 << 20
	weekPace    = 1000 // readings between waits for the compressor, which keeps up at a gateway's pace
)

var (
	weekOnce sync.Once
	weekLog  *eventlog.Log
	weekN    int
	weekT0   = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
)

// weekOfReadings writes the week: temperatures of 0.1 °C resolution that
// wander, one source each, a reading a second.
func weekOfReadings(b *testing.B) *eventlog.Log {
	weekOnce.Do(func() {
		budget, err := ramlog.NewBudget(weekRAM + ramlog.WorkMem(256<<10))
		require.NoError(b, err)
		l, err := eventlog.New(eventlog.Options{RAM: weekRAM, Compress: true, Budget: budget})
		require.NoError(b, err)
		r := rand.New(rand.NewPCG(7, 7))
		val := [weekSensors]float64{20, 21.5, 18, 23}
		srcs := [weekSensors]string{"wb/100/CT/1", "wb/100/CT/2", "wb/101/CT/1", "wb/101/CT/2"}
		seconds := int(7 * 24 * time.Hour / time.Second)
		for s := range seconds {
			for k := range weekSensors {
				val[k] = float64(int64(val[k]*10)+int64(r.IntN(3)-1)) / 10
				l.Write(eventlog.Event{Time: weekT0.Add(time.Duration(s)*time.Second + time.Duration(k)*time.Millisecond).UnixNano(),
					Type: "webbrick/CT", Source: srcs[k],
					Attrs: []eventlog.Attr{eventlog.FloatAttr("val", val[k]), eventlog.StringAttr("unit", "C")}})
			}
			for s%(weekPace/weekSensors) == 0 && l.Stats().Waiting > 0 {
				time.Sleep(100 * time.Microsecond)
			}
		}
		weekN = seconds * weekSensors
		for l.Stats().Waiting > 0 {
			time.Sleep(time.Millisecond)
		}
		weekLog = l
	})
	return weekLog
}

// BenchmarkEventHistory: how many readings a compressed event log holds
// per MiB of its RAM (the whole of it: ring, blocks, the encoder's
// buffers), and what reading them back costs: a full scan of the history,
// a one-hour window at its middle and at its end, and the newest 100.
func BenchmarkEventHistory(b *testing.B) {
	l := weekOfReadings(b)
	st := l.Stats()
	report := func(b *testing.B) {
		b.ReportMetric(float64(st.Held)/(float64(st.Cap)/(1<<20)), "readings/MiB")
		b.ReportMetric(float64(st.Held)/float64(weekN)*100, "%held")
	}
	mid := time.Unix(0, st.First).Add(time.Duration(st.Last-st.First) / 2)
	count := func(b *testing.B, f eventlog.Filter, want func(int) bool) {
		report(b)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			n := 0
			for _, err := range l.Query(f) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if !want(n) {
				b.Fatalf("%d events", n)
			}
		}
	}
	b.Run("fullscan", func(b *testing.B) {
		count(b, eventlog.Filter{}, func(n int) bool { return uint64(n) == st.Held })
	})
	hour := func(n int) bool { return n >= 3600*weekSensors-weekSensors && n <= 3600*weekSensors+weekSensors }
	b.Run("window-1h-middle", func(b *testing.B) {
		count(b, eventlog.Filter{Since: mid, Until: mid.Add(time.Hour)}, hour)
	})
	b.Run("window-1h-newest", func(b *testing.B) {
		last := time.Unix(0, st.Last)
		count(b, eventlog.Filter{Since: last.Add(-time.Hour), Until: last.Add(time.Nanosecond)}, func(n int) bool { return n >= 3600*weekSensors-weekSensors })
	})
	b.Run("newest-100", func(b *testing.B) {
		count(b, eventlog.Filter{Reverse: true, Limit: 100}, func(n int) bool { return n == 100 })
	})
}
