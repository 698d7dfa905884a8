package bench

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
)

// The event of the Events benchmarks: a temperature reading with 3 attrs.
var benchEvent = eventlog.Event{Type: "webbrick/CT", Source: "wb/100/CT/1",
	Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 21.5), eventlog.StringAttr("unit", "C"), eventlog.IntAttr("zone", 3)}}

// BenchmarkEvents/gwlog-write is Write of one event: its msgpack record
// into the event ring and its text line into the EventLog and debug rings;
// gwlog-write-2attr the same for a reading of two attrs. The targets
// compare the latter with Enabled/zerolog-discard of the same run.
func BenchmarkEvents(b *testing.B) {
	b.Run("gwlog-write", func(b *testing.B) {
		rt := openRuntime(b, gwlog.Options{})
		ev := rt.Events()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ev.Write(benchEvent)
		}
		b.StopTimer()
		require.Equal(b, uint64(b.N), ev.Stats().Written)
		require.Equal(b, uint64(b.N), rt.Stream(gwlog.EventLog).Stats().Written, "one line per event")
	})
	b.Run("gwlog-write-2attr", func(b *testing.B) {
		// A reading as most are: a value and its unit.
		rt := openRuntime(b, gwlog.Options{})
		ev := rt.Events()
		reading := eventlog.Event{Type: "webbrick/CT", Source: "wb/100/CT/1",
			Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 21.5), eventlog.StringAttr("unit", "C")}}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ev.Write(reading)
		}
		b.StopTimer()
		require.Equal(b, uint64(b.N), ev.Stats().Written)
	})
}

// jsonEvent is the event as encoding/json would carry it.
type jsonEvent struct {
	Seq    uint64         `json:"seq"`
	Time   int64          `json:"time"`
	Type   string         `json:"type"`
	Source string         `json:"source"`
	Token  string         `json:"token"`
	Attrs  map[string]any `json:"attrs"`
}

// BenchmarkEncode compares the msgpack record with encoding/json for the
// same event: speed here, size as the B/event metric.
func BenchmarkEncode(b *testing.B) {
	ev := benchEvent
	ev.Seq, ev.Time = 123456, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).UnixNano()
	b.Run("gwlog-msgp", func(b *testing.B) {
		buf, _ := ev.MarshalMsg(nil)
		b.ReportAllocs()
		b.ReportMetric(float64(len(buf)), "B/event")
		for i := 0; i < b.N; i++ {
			buf, _ = ev.MarshalMsg(buf[:0])
		}
	})
	b.Run("json", func(b *testing.B) {
		je := jsonEvent{Seq: ev.Seq, Time: ev.Time, Type: ev.Type, Source: ev.Source, Token: ev.Token,
			Attrs: map[string]any{"val": 21.5, "unit": "C", "zone": 3}}
		buf, _ := json.Marshal(je)
		b.ReportAllocs()
		b.ReportMetric(float64(len(buf)), "B/event")
		for i := 0; i < b.N; i++ {
			buf, _ = json.Marshal(je)
		}
		_ = buf
	})
}

// BenchmarkDecode compares reading the record back.
func BenchmarkDecode(b *testing.B) {
	ev := benchEvent
	ev.Seq, ev.Time = 123456, time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).UnixNano()
	b.Run("gwlog-msgp", func(b *testing.B) {
		buf, _ := ev.MarshalMsg(nil)
		var out eventlog.Event
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := out.UnmarshalMsg(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		buf, _ := json.Marshal(jsonEvent{Seq: ev.Seq, Time: ev.Time, Type: ev.Type, Source: ev.Source,
			Attrs: map[string]any{"val": 21.5, "unit": "C", "zone": 3}})
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var out jsonEvent
			if err := json.Unmarshal(buf, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The query benchmarks share one log of a million events over 24 hours
// from ten sources.
const (
	queryEvents  = 1_000_000
	querySources = 10
)

var (
	queryOnce sync.Once
	queryLog  *eventlog.Log
	queryT0   = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
)

func millionEvents(b *testing.B) *eventlog.Log {
	queryOnce.Do(func() {
		l, err := eventlog.New(eventlog.Options{RAM: 160 << 20, Segment: 1 << 20})
		require.NoError(b, err)
		step := 24 * time.Hour / queryEvents
		srcs := make([]string, querySources)
		for i := range srcs {
			srcs[i] = "wb/10" + string(rune('0'+i)) + "/CT/1"
		}
		for i := range queryEvents {
			l.Write(eventlog.Event{Time: queryT0.Add(time.Duration(i) * step).UnixNano(), Type: "webbrick/CT", Source: srcs[i%querySources],
				Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 18+float64(i%100)/10), eventlog.StringAttr("unit", "C")}})
		}
		require.Equal(b, uint64(queryEvents), l.Stats().Held, "the ring holds all of them")
		queryLog = l
	})
	return queryLog
}

// BenchmarkEventQuery: a 1-hour window, a full scan and a 24-hour series
// of one source against a bare loop that decodes every record with the
// generated UnmarshalMsg.
func BenchmarkEventQuery(b *testing.B) {
	l := millionEvents(b)
	b.Run("msgp-decode-loop", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			n := 0
			var ev eventlog.Event
			l.Scan(func(p []byte) bool {
				if _, err := ev.UnmarshalMsg(p); err == nil {
					n++
				}
				return true
			})
			if n != queryEvents {
				b.Fatalf("decoded %d", n)
			}
		}
	})
	b.Run("gwlog-fullscan", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			n := 0
			for _, err := range l.Query(eventlog.Filter{}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != queryEvents {
				b.Fatalf("scanned %d", n)
			}
		}
	})
	b.Run("gwlog-window", func(b *testing.B) {
		f := eventlog.Filter{Since: queryT0.Add(12 * time.Hour), Until: queryT0.Add(13 * time.Hour)}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			n := 0
			for _, err := range l.Query(f) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n < queryEvents/24-1 || n > queryEvents/24+1 {
				b.Fatalf("window held %d", n)
			}
		}
	})
	b.Run("gwlog-series", func(b *testing.B) {
		q := eventlog.SeriesQuery{TypePrefix: "webbrick/CT", Source: "wb/103/CT/1", Attr: "val",
			Since: queryT0, Until: queryT0.Add(24 * time.Hour), Step: 5 * time.Minute}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s, err := l.Series(q)
			if err != nil || len(s.Buckets) != 288 || s.Buckets[100].Count == 0 {
				b.Fatalf("series: %v, %d buckets", err, len(s.Buckets))
			}
		}
	})
	b.Run("gwlog-window-limit10", func(b *testing.B) {
		// A query allocates in proportion to its results, not the ring.
		f := eventlog.Filter{Since: queryT0.Add(12 * time.Hour), Limit: 10}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			n := 0
			for range l.Query(f) {
				n++
			}
			if n != 10 {
				b.Fatal(n)
			}
		}
	})
}
