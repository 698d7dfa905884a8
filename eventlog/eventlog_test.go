package eventlog

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

var t0 = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// sink keeps lines for the tests.
type sink struct {
	mu    sync.Mutex
	lines []string
}

func (s *sink) WriteLine(_ int64, line []byte) {
	s.mu.Lock()
	s.lines = append(s.lines, strings.TrimSuffix(string(line), "\n"))
	s.mu.Unlock()
}

func newLog(t testing.TB, o Options) (*Log, *sink) {
	t.Helper()
	s := &sink{}
	if o.Tree == nil {
		tree := levels.NewTree(levels.Options{})
		f := levels.MustFormatter(levels.FormatterOptions{Pattern: "%(name)s %(message)s %(attrs)s"})
		tree.SetTargets(RootLogger, []levels.Target{{Name: "EventLog", Format: f, Sink: s, EventsOnly: true}})
		tree.SetLevel(RootLogger, levels.INFO)
		o.Tree = tree
	}
	l, err := New(o)
	require.NoError(t, err)
	return l, s
}

func temp(i int, src string, v float64) Event {
	return Event{Time: t0.Add(time.Duration(i) * time.Minute).UnixNano(), Type: "webbrick/CT", Source: src,
		Attrs: []Attr{FloatAttr("val", v), StringAttr("unit", "C")}}
}

func collect(t testing.TB, l *Log, f Filter) []Event {
	t.Helper()
	var out []Event
	for ev, err := range l.Query(f) {
		require.NoError(t, err)
		out = append(out, ev)
	}
	return out
}

func seqs(evs []Event) []uint64 {
	var out []uint64
	for _, e := range evs {
		out = append(out, e.Seq)
	}
	return out
}

func TestWriteLineAndRecord(t *testing.T) {
	l, s := newLog(t, Options{})
	seq := l.Write(Event{Time: t0.UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1", Token: "req-1",
		Attrs: []Attr{FloatAttr("val", 21.5), IntAttr("zone", 3), BoolAttr("on", true), StringAttr("unit", "C")}})
	assert.Equal(t, uint64(1), seq)
	assert.Equal(t, []string{"EventLog.webbrick.CT wb/100/CT/1 seq='1' token='req-1' val='21.5' zone='3' on='true' unit='C'"}, s.lines)
	got := collect(t, l, Filter{})
	require.Len(t, got, 1)
	assert.Equal(t, Event{Seq: 1, Time: t0.UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1", Token: "req-1",
		Attrs: []Attr{FloatAttr("val", 21.5), IntAttr("zone", 3), BoolAttr("on", true), StringAttr("unit", "C")}}, got[0])

	before := time.Now().UnixNano()
	l.Write(Event{Type: "x"})
	assert.GreaterOrEqual(t, collect(t, l, Filter{TypePrefix: "x"})[0].Time, before, "a zero time is now")
}

func TestOffLoggerAndHookDrop(t *testing.T) {
	l, s := newLog(t, Options{BeforeWrite: func(ev *Event) bool {
		if ev.Source == "secret" {
			return false
		}
		ev.Attrs = append(ev.Attrs, StringAttr("site", "lab"))
		return true
	}})
	l.tree.SetLevel("EventLog.time.second", levels.OFF)
	assert.Zero(t, l.Write(Event{Type: "http://id.webbrick.co.uk/events/time/second", Source: "clock"}))
	assert.Zero(t, l.Write(Event{Type: "a", Source: "secret"}))
	assert.Equal(t, uint64(1), l.Write(Event{Type: "http://id.webbrick.co.uk/events/time/minute", Source: "clock"}))
	assert.Equal(t, []string{"EventLog.time.minute clock seq='1' site='lab'"}, s.lines)
	st := l.Stats()
	assert.Equal(t, uint64(2), st.Dropped)
	assert.Equal(t, uint64(1), st.Written)
	assert.Len(t, collect(t, l, Filter{}), 1)
}

// TestLoggerCacheFollowsLevels writes runs and alternations of two types,
// and turns one type's logger off after the cache holds it: the cache
// hands back the type's own logger, whose level is read at each write.
func TestLoggerCacheFollowsLevels(t *testing.T) {
	l, s := newLog(t, Options{})
	for _, typ := range []string{"a", "a", "b", "a", "b", "b"} {
		require.NotZero(t, l.Write(Event{Type: typ, Source: typ}))
	}
	l.tree.SetLevel("EventLog.b", levels.OFF)
	assert.Zero(t, l.Write(Event{Type: "b", Source: "b"}), "b's logger is off")
	assert.NotZero(t, l.Write(Event{Type: "a", Source: "a"}))
	assert.Zero(t, l.Write(Event{Type: "b", Source: "b"}), "after a, b's logger is still off")
	l.tree.SetLevel("EventLog.b", levels.INFO)
	assert.NotZero(t, l.Write(Event{Type: "b", Source: "b"}))
	want := []string{"a", "a", "b", "a", "b", "b", "a", "b"}
	require.Len(t, s.lines, len(want))
	for i, src := range want {
		assert.Equal(t, "EventLog."+src+" "+src+" seq='"+strconv.Itoa(i+1)+"'", s.lines[i])
	}
	assert.Equal(t, uint64(2), l.Stats().Dropped)
}

func TestLoggerName(t *testing.T) {
	for typ, want := range map[string]string{
		"http://id.webbrick.co.uk/events/time/second": "EventLog.time.second",
		"webbrick/CT":  "EventLog.webbrick.CT",
		"a.b":          "EventLog.a.b",
		"/":            "EventLog",
		"":             "EventLog",
		"/lead/trail/": "EventLog.lead.trail",
	} {
		assert.Equal(t, want, LoggerName(typ, DefaultStrip), typ)
	}
}

func TestQueryFilters(t *testing.T) {
	l, _ := newLog(t, Options{})
	for i := range 60 {
		src := fmt.Sprintf("wb/10%d/CT/1", i%3)
		ev := temp(i, src, 18+float64(i%10))
		if i%10 == 0 {
			ev.Type, ev.Token = "webbrick/DO", "req-"+fmt.Sprint(i/10)
			ev.Attrs = []Attr{StringAttr("mode", "auto-"+fmt.Sprint(i)), BoolAttr("on", i%20 == 0)}
		}
		l.Write(ev)
	}
	tests := []struct {
		name string
		f    Filter
		want []uint64
	}{
		{"type prefix", Filter{TypePrefix: "webbrick/DO"}, []uint64{1, 11, 21, 31, 41, 51}},
		{"source exact", Filter{Source: "wb/102/CT/1", Limit: 3}, []uint64{3, 6, 9}},
		{"source glob", Filter{Source: "wb/1*2/*", Since: t0.Add(54 * time.Minute)}, []uint64{57, 60}},
		{"source glob prefix", Filter{Source: "wb/10*", Since: t0.Add(57 * time.Minute)}, []uint64{58, 59, 60}},
		{"time range", Filter{Since: t0.Add(10 * time.Minute), Until: t0.Add(13 * time.Minute)}, []uint64{11, 12, 13}},
		{"token", Filter{Token: "req-3"}, []uint64{31}},
		{"where gt", Filter{Where: []Cond{{Key: "val", Op: Gt, Value: Int(26)}}, Limit: 4}, []uint64{10, 20, 30, 40}},
		{"where eq float int", Filter{Where: []Cond{{Key: "val", Op: Eq, Value: Int(27)}}, Until: t0.Add(30 * time.Minute)}, []uint64{10, 20, 30}},
		{"where substring", Filter{Where: []Cond{{Key: "mode", Op: Contains, Value: String("-4")}}}, []uint64{41}},
		{"where bool", Filter{Where: []Cond{{Key: "on", Op: Eq, Value: Bool(true)}}}, []uint64{1, 21, 41}},
		{"where ne missing", Filter{Where: []Cond{{Key: "val", Op: Ne, Value: Int(0)}}, TypePrefix: "webbrick/DO", Limit: 2}, []uint64{1, 11}},
		{"where le string", Filter{Where: []Cond{{Key: "unit", Op: Le, Value: String("C")}}, Limit: 2}, []uint64{2, 3}},
		{"reverse limit", Filter{Reverse: true, Limit: 3}, []uint64{60, 59, 58}},
		{"far bounds saturate", Filter{Since: time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(7000, 1, 1, 0, 0, 0, 0, time.UTC), Reverse: true, Limit: 2}, []uint64{60, 59}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, seqs(collect(t, l, tt.f)))
		})
	}
}

func TestParseCond(t *testing.T) {
	good := map[string]Cond{
		"temp>=20":    {Key: "temp", Op: Ge, Value: Int(20)},
		"temp > 20.5": {Key: "temp", Op: Gt, Value: Float(20.5)},
		"mode~auto":   {Key: "mode", Op: Contains, Value: String("auto")},
		"on=true":     {Key: "on", Op: Eq, Value: Bool(true)},
		"zone!=3":     {Key: "zone", Op: Ne, Value: Int(3)},
		"a<=b":        {Key: "a", Op: Le, Value: String("b")},
		"x<-1":        {Key: "x", Op: Lt, Value: Int(-1)},
		"name=":       {Key: "name", Op: Eq, Value: String("")},
	}
	for in, want := range good {
		got, err := ParseCond(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "temp", "=3", " >2", "!x"} {
		_, err := ParseCond(in)
		assert.ErrorIs(t, err, ErrQuery, in)
	}
}

func TestBadQueries(t *testing.T) {
	l, _ := newLog(t, Options{})
	for name, f := range map[string]Filter{
		"since after until": {Since: t0.Add(time.Hour), Until: t0},
		"negative limit":    {Limit: -1},
		"bad op":            {Where: []Cond{{Key: "a", Op: "=="}}},
	} {
		for _, err := range l.Query(f) {
			assert.ErrorIs(t, err, ErrQuery, name)
		}
	}
	for name, q := range map[string]SeriesQuery{
		"no attr":     {Since: t0, Until: t0.Add(time.Hour), Step: time.Minute},
		"no since":    {Attr: "val", Until: t0, Step: time.Minute},
		"zero step":   {Attr: "val", Since: t0, Until: t0.Add(time.Hour)},
		"too many":    {Attr: "val", Since: t0, Until: t0.Add(time.Hour), Step: time.Millisecond},
		"until first": {Attr: "val", Since: t0.Add(time.Hour), Until: t0, Step: time.Minute},
	} {
		_, err := l.Series(q)
		assert.ErrorIs(t, err, ErrQuery, name)
	}
}

func TestSeries(t *testing.T) {
	l, _ := newLog(t, Options{})
	for i := range 30 { // one a minute
		l.Write(temp(i, "wb/100/CT/1", float64(i)))
		l.Write(temp(i, "wb/101/CT/1", 100))
	}
	l.Write(Event{Time: t0.Add(3 * time.Minute).UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1", Attrs: []Attr{StringAttr("val", "n/a")}})
	s, err := l.Series(SeriesQuery{TypePrefix: "webbrick/CT", Source: "wb/100/CT/1", Attr: "val", Since: t0, Until: t0.Add(40 * time.Minute), Step: 10 * time.Minute})
	require.NoError(t, err)
	require.Len(t, s.Buckets, 4)
	assert.Equal(t, Bucket{Start: t0, Count: 10, Min: 0, Max: 9, Avg: 4.5, Last: 9}, s.Buckets[0])
	assert.Equal(t, Bucket{Start: t0.Add(20 * time.Minute), Count: 10, Min: 20, Max: 29, Avg: 24.5, Last: 29}, s.Buckets[2])
	assert.Equal(t, Bucket{Start: t0.Add(30 * time.Minute)}, s.Buckets[3], "an empty bucket is there, with count 0")
	assert.Equal(t, 1, s.Skipped, "the non-numeric value is skipped and counted")
	assert.Empty(t, s.Errors)
}

func TestEvictionKeepsIndexInStep(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 16 << 10, Segment: 2 << 10})
	for i := range 2000 {
		l.Write(temp(i, "wb/100/CT/1", float64(i)))
	}
	st := l.Stats()
	assert.Equal(t, uint64(2000), st.Held+st.Evicted)
	assert.LessOrEqual(t, st.Bytes, int64(16<<10))
	got := collect(t, l, Filter{})
	require.Len(t, got, int(st.Held))
	for i, ev := range got {
		assert.Equal(t, uint64(2000-int(st.Held)+i+1), ev.Seq)
	}
	require.Len(t, l.index, len(l.ring.Segments()))
	for i, g := range l.ring.Segments() {
		assert.Equal(t, g.ID, l.index[i].id)
	}
	// The index lets a narrow query skip all but one or two segments.
	q, err := compile(&Filter{Since: t0.Add(1990 * time.Minute), Until: t0.Add(1991 * time.Minute)})
	require.NoError(t, err)
	assert.LessOrEqual(t, len(l.candidates(q)), 2)
}

func TestCorruptRecordsAreSkippedAndReported(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 64 << 10, Segment: 8 << 10})
	for i := range 100 {
		l.Write(temp(i, "wb/100/CT/1", float64(i)))
	}
	g := l.ring.Segments()[0]
	a, _ := l.ring.Slices(g.Start, g.End)
	// Find the offsets of the 3rd and 10th frames, then damage them: a
	// payload byte in one, the magic byte of the other.
	var offs []int64
	frames(l.ring, g.Start, g.End, func(off int64, _ []byte, _ error) bool { offs = append(offs, off); return true })
	require.Greater(t, len(offs), 12)
	a[offs[2]+12] ^= 0xFF
	a[offs[9]] = 0
	var got []uint64
	var corrupt []*CorruptionError
	for ev, err := range l.Query(Filter{}) {
		if err != nil {
			var ce *CorruptionError
			require.ErrorAs(t, err, &ce)
			require.ErrorIs(t, err, ErrCorrupt)
			corrupt = append(corrupt, ce)
			continue
		}
		got = append(got, ev.Seq)
	}
	require.Len(t, corrupt, 2)
	assert.Equal(t, CorruptionError{Segment: g.ID, Offset: offs[2], Err: errCRC}, *corrupt[0])
	assert.Equal(t, offs[9], corrupt[1].Offset)
	assert.Len(t, got, 98, "every other record is still read")
	assert.NotContains(t, got, uint64(3))
	assert.NotContains(t, got, uint64(10))
	assert.Contains(t, got, uint64(11))

	s, err := l.Series(SeriesQuery{Attr: "val", Since: t0, Until: t0.Add(100 * time.Minute), Step: time.Hour})
	require.NoError(t, err)
	assert.Len(t, s.Errors, 2)
	assert.Equal(t, 98, s.Buckets[0].Count+s.Buckets[1].Count)
}

func TestQueriesWhileWriting(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 256 << 10, Segment: 16 << 10})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				l.Write(temp(i, fmt.Sprintf("w%d", w), float64(i)))
			}
		})
	}
	for range 50 {
		last := uint64(0)
		for ev, err := range l.Query(Filter{}) {
			if err != nil {
				require.ErrorIs(t, err, ErrEvicted, "only eviction may cut into a query")
				continue
			}
			require.Greater(t, ev.Seq, last, "in Seq order")
			last = ev.Seq
		}
		_, err := l.Series(SeriesQuery{Attr: "val", Since: t0, Until: t0.Add(48 * time.Hour), Step: time.Hour})
		require.NoError(t, err)
	}
	close(stop)
	wg.Wait()
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"wb/100/*", "wb/100/CT/1", true}, {"*", "", true}, {"*/1", "wb/CT/1", true}, {"wb*CT*", "wb/100/CT/1", true},
		{"wb/*/1", "wb/100/CT/2", false}, {"a*a", "a", false}, {"a*b*c", "abc", true}, {"a*b*c", "acb", false}, {"exact", "exact", true},
	} {
		assert.Equal(t, c.want, glob(c.p, []byte(c.s)), "%q %q", c.p, c.s)
	}
}

func TestScan(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 16 << 10, Segment: 2 << 10})
	for i := range 500 {
		l.Write(temp(i, "s", float64(i)))
	}
	var n int
	var last uint64
	l.Scan(func(p []byte) bool {
		var ev Event
		_, err := ev.UnmarshalMsg(p)
		require.NoError(t, err)
		require.Greater(t, ev.Seq, last)
		last = ev.Seq
		n++
		return true
	})
	assert.Equal(t, int(l.Stats().Held), n)
	assert.Equal(t, uint64(500), last)
	n = 0
	l.Scan(func([]byte) bool { n++; return n < 3 })
	assert.Equal(t, 3, n, "false stops it")
}

func TestTooManyAttrs(t *testing.T) {
	l, _ := newLog(t, Options{})
	attrs := make([]Attr, MaxAttrs+1)
	for i := range attrs {
		attrs[i] = IntAttr("k", int64(i))
	}
	assert.Zero(t, l.Write(Event{Type: "x", Attrs: attrs}), "refused")
	assert.Equal(t, uint64(1), l.Write(Event{Type: "x", Attrs: attrs[:MaxAttrs]}), "Seq goes on")
	assert.Equal(t, uint64(1), l.Stats().Dropped)
}

// TestTooLarge writes events around the readers' 1 MiB bound on a
// record: the one over it is refused and counted, so that nothing unread
// is held and queries report no corruption.
func TestTooLarge(t *testing.T) {
	l, s := newLog(t, Options{RAM: 8 << 20})
	big := func(n int) Event {
		return Event{Type: "x", Source: "cam", Attrs: []Attr{StringAttr("jpeg", strings.Repeat("A", n))}}
	}
	require.Equal(t, uint64(1), l.Write(big(MaxRecord-64)), "under the bound")
	assert.Zero(t, l.Write(big(MaxRecord)), "over it: refused")
	assert.Equal(t, uint64(2), l.Write(temp(0, "wb/1", 20)), "Seq goes on")
	st := l.Stats()
	assert.Equal(t, uint64(1), st.TooLarge)
	assert.Equal(t, uint64(1), st.Dropped, "TooLarge is among Dropped")
	assert.Equal(t, uint64(2), st.Held)
	assert.Equal(t, []uint64{1, 2}, seqs(collect(t, l, Filter{})), "no corrupt record")
	assert.Len(t, s.lines, 2, "no line for the refused event")
}

func TestWriteAfterClose(t *testing.T) {
	l, _ := newLog(t, Options{BeforeWrite: func(*Event) bool { return true }})
	require.Equal(t, uint64(1), l.Write(Event{Type: "x"}))
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 100 {
			l.Write(Event{Type: "x"}) // racing Close: -race checks the hand-over
		}
	})
	l.Close()
	wg.Wait()
	assert.Zero(t, l.Write(Event{Type: "x"}))
	st := l.Stats()
	assert.Equal(t, uint64(102), st.Written+st.Dropped, "every write is kept or counted")
	assert.Len(t, collect(t, l, Filter{}), int(st.Written), "reads keep working")
}

// frames walks the frames held at ring positions [start, end) as
// framesIn does.
func frames(r *ramlog.Ring, start, end uint64, fn func(off int64, payload []byte, err error) bool) {
	a, b := r.Slices(start, end)
	framesIn(a, b, fn)
}

// seqOf returns the Seq of a record, 0 when it does not decode.
func seqOf(payload []byte) uint64 {
	h, err := peek(payload)
	if err != nil {
		return 0
	}
	return h.seq
}

// TestSeriesAligned: buckets start on whole steps from the Unix epoch,
// whatever Since and Until, and take the whole of each step.
func TestSeriesAligned(t *testing.T) {
	l, _ := newLog(t, Options{})
	for i := range 30 { // one a minute from midnight
		l.Write(temp(i, "wb/100/CT/1", float64(i)))
	}
	s, err := l.Series(SeriesQuery{Attr: "val", Since: t0.Add(90 * time.Second), Until: t0.Add(4*time.Minute + time.Second), Step: time.Minute})
	require.NoError(t, err)
	require.Len(t, s.Buckets, 4, "00:01 to 00:05")
	for i, b := range s.Buckets {
		assert.Equal(t, t0.Add(time.Duration(i+1)*time.Minute), b.Start)
		assert.Equal(t, 1, b.Count, "the whole minute, the reading at its start included")
		assert.True(t, b.Valid())
	}
	q := SeriesQuery{Since: time.Unix(-90, 0), Until: time.Unix(61, 0), Step: time.Minute}
	since, until, n := q.Aligned()
	assert.Equal(t, time.Unix(-120, 0).UTC(), since, "rounded down before the epoch too")
	assert.Equal(t, time.Unix(120, 0).UTC(), until)
	assert.Equal(t, int64(4), n)
	since, until, n = SeriesQuery{Since: t0, Until: t0.Add(time.Hour), Step: time.Hour}.Aligned()
	assert.Equal(t, [3]any{t0, t0.Add(time.Hour), int64(1)}, [3]any{since, until, n}, "aligned bounds stay")
}

// TestBucketJSON: an empty bucket has null values; a full one encodes as
// encoding/json would encode its fields.
func TestBucketJSON(t *testing.T) {
	b, err := json.Marshal(Bucket{Start: t0})
	require.NoError(t, err)
	assert.JSONEq(t, `{"start":"2026-11-21T00:00:00Z","count":0,"min":null,"max":null,"avg":null,"last":null}`, string(b))
	assert.False(t, (&Bucket{}).Valid())
	for _, v := range []float64{0, -0.5, 21.5, 1e-7, 123456789012345678901234.0, -3e-9, 1e20, 5e-324, math.MaxFloat64} {
		b, err := json.Marshal(Bucket{Start: t0, Count: 1, Min: v, Max: v, Avg: v, Last: v})
		require.NoError(t, err)
		want, _ := json.Marshal(struct {
			Start time.Time `json:"start"`
			Count int       `json:"count"`
			Min   float64   `json:"min"`
			Max   float64   `json:"max"`
			Avg   float64   `json:"avg"`
			Last  float64   `json:"last"`
		}{t0, 1, v, v, v, v})
		assert.Equal(t, string(want), string(b), "%v", v)
	}
	b, err = json.Marshal(Bucket{Start: t0, Count: 1, Min: math.NaN(), Max: math.Inf(1)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"start":"2026-11-21T00:00:00Z","count":1,"min":null,"max":null,"avg":0,"last":0}`, string(b))
}

// TestTypesBounded: Types lists at most MaxTypes pairs, sorted, and says
// when there were more.
func TestTypesBounded(t *testing.T) {
	l, _ := newLog(t, Options{RAM: 1 << 20})
	for i := range MaxTypes + 5 {
		l.Write(Event{Time: t0.Add(time.Duration(i) * time.Second).UnixNano(), Type: "t", Source: fmt.Sprintf("s%04d", i),
			Attrs: []Attr{FloatAttr("v", 1), StringAttr("unit", "C"), IntAttr("n", 2)}})
	}
	types, truncated, errs, err := l.Types(Filter{Since: t0, Until: t0.Add(time.Hour)})
	require.NoError(t, err)
	assert.Empty(t, errs)
	assert.True(t, truncated)
	require.Len(t, types, MaxTypes)
	assert.Equal(t, "s0000", types[0].Source)
	assert.Equal(t, []string{"n", "v"}, types[0].Attrs, "numeric keys, sorted")
	assert.True(t, slices.IsSortedFunc(types, func(a, b TypeSource) int { return strings.Compare(a.Source, b.Source) }))
	types, truncated, _, err = l.Types(Filter{Source: "s1003", Since: t0, Until: t0.Add(time.Hour)})
	require.NoError(t, err)
	assert.False(t, truncated)
	require.Len(t, types, 1)
	assert.Equal(t, t0.Add(1003*time.Second), types[0].First)
}

func TestQueryAfterSeq(t *testing.T) {
	l, err := New(Options{RAM: 64 << 10, Segment: 4 << 10})
	require.NoError(t, err)
	defer l.Close()
	for i := range 300 {
		l.Write(Event{Type: "t/a", Source: "s", Attrs: []Attr{IntAttr("i", int64(i))}})
	}
	var seqs []uint64
	for ev, err := range l.Query(Filter{After: 290}) {
		require.NoError(t, err)
		seqs = append(seqs, ev.Seq)
	}
	assert.Equal(t, []uint64{291, 292, 293, 294, 295, 296, 297, 298, 299, 300}, seqs)
	n := 0
	for range l.Query(Filter{After: 300}) {
		n++
	}
	assert.Zero(t, n)
}
