package httplog

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/gwlog/gwlog/eventlog"
)

// seq yields the given events and errors in order.
func seq(items ...any) iter.Seq2[eventlog.Event, error] {
	return func(yield func(eventlog.Event, error) bool) {
		for _, it := range items {
			var ok bool
			switch v := it.(type) {
			case eventlog.Event:
				ok = yield(v, nil)
			case error:
				ok = yield(eventlog.Event{}, v)
			}
			if !ok {
				return
			}
		}
	}
}

// skipCase is a case of TestWriteEventsSkips: what a query yields and
// what writeEvents should make of it.
type skipCase struct {
	name     string
	events   iter.Seq2[eventlog.Event, error]
	code     int
	lines    int // events written
	trailer  string
	counts   [2]int // corrupt, evicted
	rejected string
}

func TestWriteEventsSkips(t *testing.T) {
	ev := func(n uint64) eventlog.Event {
		return eventlog.Event{Seq: n, Time: int64(n) * 1e9, Type: "t", Attrs: []eventlog.Attr{eventlog.IntAttr("n", int64(n))}}
	}
	corrupt := &eventlog.CorruptionError{Segment: 2, Offset: 128, Err: errors.New("crc mismatch")}
	evicted := fmt.Errorf("%w: segment 3", eventlog.ErrEvicted)
	tests := []skipCase{
		{name: "clean", events: seq(ev(1), ev(2)), code: 200, lines: 2},
		{name: "empty", events: seq(), code: 200},
		{name: "corrupt in the middle", events: seq(ev(1), corrupt, ev(3), corrupt), code: 200, lines: 2,
			trailer: "2 corrupt records skipped (first: eventlog: corrupt record in segment 2 at offset 128: crc mismatch)", counts: [2]int{2, 0}},
		{name: "evicted first", events: seq(evicted, ev(5)), code: 200, lines: 1,
			trailer: "1 segment evicted during the query (first: eventlog: segment evicted during the query: segment 3)", counts: [2]int{0, 1}},
		{name: "both", events: seq(corrupt, evicted), code: 200,
			trailer: "1 corrupt record skipped; 1 segment evicted during the query (first: eventlog: corrupt record in segment 2 at offset 128: crc mismatch)", counts: [2]int{1, 1}},
		{name: "invalid query", events: seq(fmt.Errorf("%w: limit -1 is negative", eventlog.ErrQuery)), code: 400, rejected: "limit -1 is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/json", func(t *testing.T) { checkSkipsJSON(t, tc) })
		t.Run(tc.name+"/msgpack", func(t *testing.T) { checkSkipsMsgpack(t, tc) })
	}
}

// checkSkipsJSON checks the JSON lines writeEvents writes for tc: the
// events, then the trailer that counts what was skipped.
func checkSkipsJSON(t *testing.T, tc skipCase) {
	rec := httptest.NewRecorder()
	writeEvents(rec, tc.events, false)
	assert.Equal(t, tc.code, rec.Code)
	body := rec.Body.String()
	if tc.rejected != "" {
		assert.JSONEq(t, `{"error":"`+tc.rejected+`"}`, body)
		return
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if body == "" {
		lines = nil
	}
	want := tc.lines
	if tc.trailer != "" {
		want++
	}
	require.Len(t, lines, want)
	for _, l := range lines[:tc.lines] {
		assert.True(t, strings.HasPrefix(l, `{"seq":`), l)
	}
	if tc.trailer != "" {
		var tr struct {
			Error            string
			Corrupt, Evicted int
		}
		require.NoError(t, json.Unmarshal([]byte(lines[tc.lines]), &tr))
		assert.Equal(t, tc.trailer, tr.Error)
		assert.Equal(t, tc.counts, [2]int{tr.Corrupt, tr.Evicted})
	}
}

// checkSkipsMsgpack checks the MessagePack writeEvents writes for tc: the
// events, then the trailer map that an event decoder does not take.
func checkSkipsMsgpack(t *testing.T, tc skipCase) {
	rec := httptest.NewRecorder()
	writeEvents(rec, tc.events, true)
	assert.Equal(t, tc.code, rec.Code)
	if tc.rejected != "" {
		return
	}
	assert.Equal(t, MsgpackType, rec.Header().Get("Content-Type"))
	b := rec.Body.Bytes()
	for range tc.lines {
		var e eventlog.Event
		var err error
		b, err = e.UnmarshalMsg(b)
		require.NoError(t, err)
	}
	if tc.trailer == "" {
		assert.Empty(t, b)
		return
	}
	require.Equal(t, msgp.MapType, msgp.NextType(b))
	var e eventlog.Event
	_, err := e.UnmarshalMsg(b)
	require.Error(t, err, "an event decoder stops at the trailer")
	v, rest, err := msgp.ReadMapStrIntfBytes(b, nil)
	require.NoError(t, err)
	assert.Empty(t, rest)
	assert.Equal(t, map[string]any{"error": tc.trailer, "corrupt": int64(tc.counts[0]), "evicted": int64(tc.counts[1])}, v)
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 30, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2026-11-21T10:00:00Z", want: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		{in: "2026-11-21T10:00:00.123456789+01:00", want: time.Date(2026, 11, 21, 9, 0, 0, 123456789, time.UTC)},
		{in: "2026-11-21", want: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)},
		{in: "now", want: now.UTC()},
		{in: "-1h", want: now.Add(-time.Hour).UTC()},
		{in: " -24h ", want: now.Add(-24 * time.Hour).UTC()},
		{in: "-7d", want: now.AddDate(0, 0, -7).UTC()},
		{in: "-1d12h", want: now.Add(-36 * time.Hour).UTC()},
		{in: "+90m", want: now.Add(90 * time.Minute).UTC()},
		{in: "1795255200", want: time.Unix(1795255200, 0).UTC()},
		{in: "1795255200.25", want: time.Unix(1795255200, 250_000_000).UTC()},
		{in: "0", want: time.Unix(0, 0).UTC()},
		{in: "7000-01-01", want: time.Unix(0, math.MaxInt64).UTC()},
		{in: "1000-01-01T00:00:00Z", want: time.Unix(0, math.MinInt64).UTC()},
		{in: "", bad: true},
		{in: "yesterday", bad: true},
		{in: "-1x", bad: true},
		{in: "-", bad: true},
		{in: "1.2.3", bad: true},
		{in: "99999999999999999999", bad: true},
		{in: "2026-11-21 10:00", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTime(tc.in, now)
			if tc.bad {
				require.Error(t, err)
				assert.Contains(t, err.Error(), fmt.Sprintf("got %q", strings.TrimSpace(tc.in)))
				return
			}
			require.NoError(t, err)
			assert.True(t, tc.want.Equal(got), "got %s, want %s", got, tc.want)
			assert.Equal(t, time.UTC, got.Location())
		})
	}
}

func TestAppendEventJSON(t *testing.T) {
	tests := []struct {
		name string
		ev   eventlog.Event
		want string
	}{
		{name: "reading", ev: eventlog.Event{Seq: 42, Time: time.Date(2026, 11, 21, 10, 0, 0, 123e6, time.UTC).UnixNano(),
			Type: "webbrick/CT", Source: "wb/100/CT/1", Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 21.5), eventlog.StringAttr("unit", "C")}},
			want: `{"seq":42,"time":"2026-11-21T10:00:00.123Z","type":"webbrick/CT","source":"wb/100/CT/1","token":"","attrs":{"val":21.5,"unit":"C"}}`},
		{name: "kinds", ev: eventlog.Event{Seq: 1, Token: "req-1", Attrs: []eventlog.Attr{
			eventlog.IntAttr("i", -3), eventlog.BoolAttr("b", false), eventlog.FloatAttr("nan", math.NaN()),
			eventlog.FloatAttr("big", 1e300), {Key: "nil"}}},
			want: `{"seq":1,"time":"1970-01-01T00:00:00Z","type":"","source":"","token":"req-1","attrs":{"i":-3,"b":false,"nan":null,"big":1e+300,"nil":null}}`},
		{name: "escapes", ev: eventlog.Event{Seq: 2, Source: "a\"b\\c\nd\te\x01f\xffg\u2028h€", Attrs: []eventlog.Attr{eventlog.StringAttr("k\"", "</script>")}},
			want: `{"seq":2,"time":"1970-01-01T00:00:00Z","type":"","source":"a\"b\\c\nd\te\u0001f\ufffdg\u2028h€","token":"","attrs":{"k\"":"</script>"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AppendEventJSON([]byte("x"), tc.ev)
			assert.Equal(t, "x"+tc.want, string(got))
			assert.True(t, json.Valid(got[1:]))
		})
	}
}

func TestAcceptsMsgpack(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                      false,
		"*/*":                                   false,
		"application/json":                      false,
		"application/msgpack":                   true,
		"application/x-msgpack":                 true,
		"text/plain, application/msgpack;q=0.9": true,
		"application/msgpack;q=0":               false,
		"application/msgpack;q=0.0":             false,
		"garbage;;;":                            false,
	} {
		r := httptest.NewRequest(http.MethodGet, "/events", nil)
		r.Header.Set("Accept", accept)
		assert.Equal(t, want, acceptsMsgpack(r), "Accept: %s", accept)
	}
}

// TestWriteSeriesIsWriteJSON: the series written a chunk at a time is
// byte for byte what encoding it whole gave, and is written in chunks.
func TestWriteSeriesIsWriteJSON(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 3, MaxSeriesBuckets} {
		s := eventlog.Series{Buckets: make([]eventlog.Bucket, n), Skipped: n / 3}
		for i := range s.Buckets {
			s.Buckets[i] = eventlog.Bucket{Start: t0.Add(time.Duration(i) * time.Minute), Count: i % 4, Min: float64(i) / 7, Max: 1e21 * float64(i), Avg: 1e-7, Last: math.NaN()}
		}
		if n == 3 {
			s.Errors = []error{fmt.Errorf("%w: segment 3", eventlog.ErrEvicted)}
		}
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusOK, NewSeriesAnswer(s))
		got := &chunks{ResponseRecorder: httptest.NewRecorder()}
		writeSeries(got, NewSeriesAnswer(s))
		assert.Equal(t, want.Body.String(), got.Body.String(), "%d buckets", n)
		assert.Equal(t, "application/json", got.Header().Get("Content-Type"))
		assert.LessOrEqual(t, got.most, 40<<10, "%d buckets: a write of %d bytes", n, got.most)
	}
}

// chunks records the largest write.
type chunks struct {
	*httptest.ResponseRecorder
	most int
}

func (c *chunks) Write(p []byte) (int, error) {
	c.most = max(c.most, len(p))
	return c.ResponseRecorder.Write(p)
}
