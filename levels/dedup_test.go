package levels

import (
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable clock for trees and Expire.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(fixedNow.UnixNano())
	return c
}

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *clock) at(d time.Duration)  { c.ns.Store(fixedNow.Add(d).UnixNano()) }

const dedupPattern = "%(asctime)s %(levelname)s %(name)s %(message)s %(attrs)s"

// dedupSetup is a tree whose root writes to a memSink through a Dedup.
type dedupSetup struct {
	clk  *clock
	tree *Tree
	sink *memSink
	d    *Dedup
}

func newDedupSetup(window time.Duration, pattern string) *dedupSetup {
	s := &dedupSetup{clk: newClock(), sink: &memSink{}}
	s.tree = NewTree(Options{Now: s.clk.now, RootLevel: DEBUG})
	s.d = NewDedup(s.sink, window)
	s.tree.SetTargets("root", []Target{target("stream", NOTSET, pattern, s.d)})
	return s
}

func TestDedupSuppressesRepeats(t *testing.T) {
	type step struct {
		at  time.Duration // clock, from fixedNow (23:37:17.123)
		do  func(s *dedupSetup)
		log string // else: a WARNING from "svc" with this message
	}
	warn := func(at time.Duration, msg string) step { return step{at: at, log: msg} }
	do := func(at time.Duration, f func(s *dedupSetup)) step { return step{at: at, do: f} }
	tests := []struct {
		name   string
		window time.Duration
		steps  []step
		want   []string // times are seconds past 23:37:17.123
	}{
		{"five then another", 30 * time.Second,
			[]step{warn(0, "low"), warn(time.Second, "low"), warn(2*time.Second, "low"), warn(3*time.Second, "low"), warn(4*time.Second, "low"), warn(5*time.Second, "high")},
			[]string{"17 WARNING svc low", "21 WARNING svc last message repeated 4 times", "22 WARNING svc high"}},
		{"a single repeat is written as it is", 30 * time.Second,
			[]step{warn(0, "low"), warn(time.Second, "low"), warn(2*time.Second, "high")},
			[]string{"17 WARNING svc low", "18 WARNING svc low", "19 WARNING svc high"}},
		{"alternating lines all go through", 30 * time.Second,
			[]step{warn(0, "a"), warn(0, "b"), warn(0, "a"), warn(0, "b")},
			[]string{"17 WARNING svc a", "17 WARNING svc b", "17 WARNING svc a", "17 WARNING svc b"}},
		{"the time alone does not make a line different", 30 * time.Second,
			[]step{warn(0, "low"), warn(29*time.Second, "low"), warn(29*time.Second, "low"), do(29*time.Second, (*dedupSetup).flush)},
			[]string{"17 WARNING svc low", "46 WARNING svc last message repeated 2 times"}},
		{"level, logger and attrs make a line different", 30 * time.Second,
			[]step{warn(0, "low"),
				do(0, func(s *dedupSetup) { s.tree.Get("svc").Error("low") }),
				do(0, func(s *dedupSetup) { s.tree.Get("other").Error("low") }),
				do(0, func(s *dedupSetup) { s.tree.Get("other").Error("low", "zone", 1) }),
				do(0, func(s *dedupSetup) { s.tree.Get("other").Error("low", "zone", 2) }),
				do(0, func(s *dedupSetup) { s.tree.Get("other").Error("low", "zone", 2) }),
				do(0, (*dedupSetup).flush)},
			[]string{"17 WARNING svc low", "17 ERROR svc low", "17 ERROR other low", "17 ERROR other low zone='1'", "17 ERROR other low zone='2'", "17 ERROR other low zone='2'"}},
		{"window: a repeat after it writes the count and starts another", 30 * time.Second,
			[]step{warn(0, "low"), warn(10*time.Second, "low"), warn(20*time.Second, "low"), warn(39*time.Second, "low"),
				warn(40*time.Second, "low"), warn(41*time.Second, "low"), warn(42*time.Second, "high")},
			[]string{"17 WARNING svc low", "56 WARNING svc last message repeated 3 times", "58 WARNING svc last message repeated 2 times", "59 WARNING svc high"}},
		{"Expire writes a count whose window has passed", 30 * time.Second,
			[]step{warn(0, "low"), warn(time.Second, "low"), warn(2*time.Second, "low"),
				do(30*time.Second, (*dedupSetup).expire), // 29s after the first repeat: kept
				do(31*time.Second, (*dedupSetup).expire),
				do(31*time.Second, (*dedupSetup).expire), // nothing left
				warn(50*time.Second, "low"),              // still the line counted against
				do(90*time.Second, (*dedupSetup).expire)},
			[]string{"17 WARNING svc low", "19 WARNING svc last message repeated 2 times", "67 WARNING svc low"}},
		{"Flush writes a count at once", 30 * time.Second,
			[]step{warn(0, "low"), warn(time.Second, "low"), warn(2*time.Second, "low"), do(3*time.Second, (*dedupSetup).flush), warn(4*time.Second, "high")},
			[]string{"17 WARNING svc low", "19 WARNING svc last message repeated 2 times", "21 WARNING svc high"}},
		{"Close writes the count, then lets everything through", 30 * time.Second,
			[]step{warn(0, "low"), warn(time.Second, "low"), warn(2*time.Second, "low"), do(3*time.Second, (*dedupSetup).close),
				warn(4*time.Second, "low"), warn(5*time.Second, "low")},
			[]string{"17 WARNING svc low", "19 WARNING svc last message repeated 2 times", "21 WARNING svc low", "22 WARNING svc low"}},
		{"a line without its record ends the run", 30 * time.Second,
			[]step{warn(0, "low"), warn(time.Second, "low"), warn(2*time.Second, "low"),
				do(3*time.Second, func(s *dedupSetup) { s.d.WriteLine(s.clk.ns.Load(), []byte("raw\n")) }),
				warn(4*time.Second, "low"), warn(5*time.Second, "low"), do(5*time.Second, (*dedupSetup).flush)},
			[]string{"17 WARNING svc low", "19 WARNING svc last message repeated 2 times", "raw", "21 WARNING svc low", "22 WARNING svc low"}},
		{"no window: counted until a different line", 0,
			[]step{warn(0, "low"), warn(time.Hour, "low"), warn(2*time.Hour, "low"), do(3*time.Hour, (*dedupSetup).expire), warn(3*time.Hour, "high")},
			[]string{"17 WARNING svc low", "7217 WARNING svc last message repeated 2 times", "10817 WARNING svc high"}},
		{"SetWindow applies to the count under way", time.Hour,
			[]step{warn(0, "low"), warn(time.Second, "low"), warn(2*time.Second, "low"),
				do(20*time.Second, func(s *dedupSetup) { s.d.SetWindow(10 * time.Second) }),
				do(20*time.Second, (*dedupSetup).expire)},
			[]string{"17 WARNING svc low", "19 WARNING svc last message repeated 2 times"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDedupSetup(tt.window, dedupPattern)
			for _, st := range tt.steps {
				s.clk.at(st.at)
				if st.do != nil {
					st.do(s)
				} else {
					s.tree.Get("svc").Warn(st.log)
				}
			}
			assert.Equal(t, tt.want, shortTimes(t, s.sink.all()))
		})
	}
}

func (s *dedupSetup) expire() { s.d.Expire(s.clk.now()) }
func (s *dedupSetup) flush()  { s.d.Flush() }
func (s *dedupSetup) close()  { s.d.Close() }

// shortTimes replaces each line's leading "2026-11-21 23:37:SS,123" by
// the seconds past 23:37:00 (plus 60 per minute, 3600 per hour) and drops
// the newline.
func shortTimes(t *testing.T, lines []string) []string {
	t.Helper()
	out := make([]string, len(lines))
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\n")
		ts, rest, ok := strings.Cut(l, ",123 ")
		if !ok {
			out[i] = l
			continue
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", ts, time.UTC)
		require.NoError(t, err, l)
		out[i] = strconv.Itoa(int(at.Sub(fixedNow.Truncate(time.Minute))/time.Second)) + " " + rest
	}
	return out
}

func TestDedupCountLine(t *testing.T) {
	t.Run("rendered by the target's format for the repeated record", func(t *testing.T) {
		s := newDedupSetup(30*time.Second, "%(asctime)s %(levelname)-8s %(name)s %(filename)s %(message)s %(attrs)s")
		l := s.tree.Get("WebBrickGateway.Heating")
		for range 3 {
			l.Error("valve stuck", "zone", 3) // one call site
		}
		s.d.Flush()
		assert.Equal(t, []string{
			"2026-11-21 23:37:17,123 ERROR    WebBrickGateway.Heating dedup_test.go valve stuck zone='3'\n",
			"2026-11-21 23:37:17,123 ERROR    WebBrickGateway.Heating dedup_test.go last message repeated 2 times\n",
		}, s.sink.all())
	})
	t.Run("time fields anywhere in the format are skipped", func(t *testing.T) {
		s := newDedupSetup(time.Minute, "[%(levelname)s] %(created).3f|%(msecs)03d|%(relativeCreated)d %(asctime)25s: %(message)s")
		for i := range 4 {
			s.clk.add(time.Duration(i) * 1234567 * time.Microsecond)
			s.tree.Get("svc").Warn("low")
		}
		s.d.Flush()
		lines := s.sink.all()
		require.Len(t, lines, 2)
		assert.True(t, strings.HasSuffix(lines[0], "  2026-11-21 23:37:17,123: low\n"), lines[0])
		last := s.clk.now() // the time of the last repeat
		ms := strconv.Itoa(last.Nanosecond() / 1e6)
		assert.True(t, strings.HasPrefix(lines[1], "[WARNING] "+strconv.FormatInt(last.Unix(), 10)+"."+ms+"|"+ms+"|"), lines[1])
		assert.True(t, strings.HasSuffix(lines[1], "  "+last.Format("2006-01-02 15:04:05")+","+ms+": last message repeated 3 times\n"), lines[1])
	})
	t.Run("the caller makes a line different when the format shows it", func(t *testing.T) {
		s := newDedupSetup(time.Minute, "%(lineno)d %(message)s")
		l := s.tree.Get("svc")
		l.Warn("low")
		l.Warn("low")
		s.d.Flush()
		assert.Len(t, s.sink.all(), 2)
	})
	t.Run("and does not when it does not", func(t *testing.T) {
		s := newDedupSetup(time.Minute, "%(message)s")
		l := s.tree.Get("svc")
		l.Warn("low")
		l.Error("low")
		s.tree.Get("other").Info("low", "ignored", true)
		s.d.Flush()
		assert.Equal(t, []string{"low\n", "last message repeated 2 times\n"}, s.sink.all())
	})
}

func TestDedupBesideOtherTargets(t *testing.T) {
	clk := newClock()
	tree := NewTree(Options{Now: clk.now, RootLevel: INFO})
	f := MustFormatter(FormatterOptions{Pattern: dedupPattern, Location: time.UTC})
	var all, deduped memSink
	d := NewDedup(&deduped, time.Minute)
	// One formatter: the line is rendered once for both.
	tree.SetTargets("root", []Target{{Name: "all", Format: f, Sink: &all}, {Name: "deduped", Format: f, Sink: d}})
	l := tree.Get("svc")
	for range 3 {
		l.Info("tick")
		clk.add(time.Second)
	}
	l.Info("tock")
	assert.Len(t, all.all(), 4)
	assert.Equal(t, []string{"17 INFO svc tick", "19 INFO svc last message repeated 2 times", "20 INFO svc tock"}, shortTimes(t, deduped.all()))

	// A new formatter after a reconfiguration, even with the same pattern,
	// starts a new run: its lines are not compared with the old one's.
	tree.SetTargets("root", []Target{{Name: "deduped", Format: MustFormatter(FormatterOptions{Pattern: dedupPattern, Location: time.UTC}), Sink: d}})
	l.Info("tock")
	assert.Len(t, deduped.all(), 4)
}

// TestDedupConcurrent logs from many goroutines while others expire and
// flush: every line is accounted for, once (run it with -race).
func TestDedupConcurrent(t *testing.T) {
	clk := newClock()
	tree := NewTree(Options{Now: clk.now, RootLevel: INFO})
	sink := &memSink{}
	d := NewDedup(sink, 50*time.Millisecond)
	tree.SetTargets("root", []Target{target("stream", NOTSET, dedupPattern, d)})
	const writers, each = 8, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			l := tree.Get("svc")
			for i := range each {
				if i%100 == 99 {
					l.Warn("different", "writer", w)
				} else {
					l.Warn("same")
				}
				if i%10 == 0 {
					clk.add(time.Millisecond)
				}
			}
		})
	}
	done := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			d.Expire(clk.now())
			d.SetWindow(50 * time.Millisecond)
			_ = d.Window()
		}
	})
	wg.Wait()
	close(done)
	bg.Wait()
	d.Close()

	total, repeats := 0, 0
	for _, line := range sink.all() {
		_, count, ok := strings.Cut(line, " svc last message repeated ")
		if !ok {
			total++
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(count, " times\n"))
		require.NoError(t, err, line)
		require.Greater(t, n, 1, line)
		total += n
		repeats++
	}
	assert.Equal(t, writers*each, total, "every line written or counted")
	assert.Positive(t, repeats)
	assert.Less(t, len(sink.all()), writers*each/2, "most repeats suppressed")
}

func TestSameBut(t *testing.T) {
	span := func(r ...[2]int) *stamps {
		st := &stamps{}
		for _, x := range r {
			st.add(x[0], x[1])
		}
		return st
	}
	tests := []struct {
		name   string
		a      string
		as     *stamps
		b      string
		bs     *stamps
		same   bool
		reason string
	}{
		{"no time fields, equal", "abc", span(), "abc", span(), true, ""},
		{"no time fields, different", "abc", span(), "abd", span(), false, ""},
		{"times of different lengths", "T1 x", span([2]int{0, 2}), "T123 x", span([2]int{0, 4}), true, ""},
		{"content moved across a time field", "ab-c", span([2]int{2, 3}), "a-bc", span([2]int{1, 2}), false, "the same bytes in a different place"},
		{"different number of time fields", "x", span([2]int{0, 0}), "x", span(), false, ""},
		{"cut short", "abT", span([2]int{2, 9}), "abTT", span([2]int{2, 9}), true, "a range past the end is clipped"},
		{"too many time fields: compared whole", "123456789", nine(), "123456780", nine(), false, ""},
		{"too many time fields: equal", "123456789", nine(), "123456789", nine(), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.same, sameBut([]byte(tt.a), tt.as, []byte(tt.b), tt.bs), tt.reason)
			assert.Equal(t, tt.same, sameBut([]byte(tt.b), tt.bs, []byte(tt.a), tt.as), "symmetric")
		})
	}
}

// nine is the stamps of a line of nine one-byte time fields, one more
// than stamps hold.
func nine() *stamps {
	st := &stamps{}
	for i := range 9 {
		st.add(i, i+1)
	}
	return st
}

func TestDedupLongLines(t *testing.T) {
	s := newDedupSetup(time.Minute, "%(asctime)s %(message)s")
	f := MustFormatter(FormatterOptions{Pattern: "%(asctime)s %(message)s", MaxLine: 64, Location: time.UTC})
	s.tree.SetTargets("root", []Target{{Name: "stream", Format: f, Sink: s.d}})
	long := strings.Repeat("x", 100)
	for range 3 {
		s.tree.Get("svc").Warn(long)
	}
	// Cut to the same text, but the marker counts one byte more.
	s.tree.Get("svc").Warn(long + "y")
	s.d.Flush()
	assert.Equal(t, []string{
		"2026-11-21 23:37:17,123 xxxxxxxxxxxxxxxx…[84 bytes truncated]\n",
		"2026-11-21 23:37:17,123 last message repeated 2 times\n",
		"2026-11-21 23:37:17,123 xxxxxxxxxxxxxxxx…[85 bytes truncated]\n",
	}, s.sink.all())
}

func TestDedupSink(t *testing.T) {
	var sink memSink
	d := NewDedup(&sink, time.Second)
	assert.Same(t, &sink, d.Sink())
	assert.Equal(t, time.Second, d.Window())
	d.SetWindow(time.Minute)
	assert.Equal(t, time.Minute, d.Window())
	d.Flush() // nothing held
	d.Expire(time.Now())
	assert.Empty(t, sink.all())
}

func BenchmarkDedup(b *testing.B) {
	tree := NewTree(Options{RootLevel: INFO})
	tree.SetTargets("root", []Target{{Name: "debug", Format: MustFormatter(FormatterOptions{}), Sink: NewDedup(discard{}, time.Hour)}})
	l := tree.Get("bench.service")
	attrs := []slog.Attr{slog.String("path", "/api/v1/status"), slog.Int("status", 200)}
	b.Run("repeat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.LogAttrs(nil, INFO, "request handled", attrs...)
		}
	})
	b.Run("alternate", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			l.LogAttrs(nil, INFO, "request handled", slog.Int("i", i&1))
		}
	})
}

type discard struct{}

func (discard) WriteLine(int64, []byte) {}
