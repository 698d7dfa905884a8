package forward

import (
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/internal/lokitest"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

func fastShip(o ShipOptions) ShipOptions {
	o.BatchWait = cmpOr(o.BatchWait, 50*time.Millisecond)
	o.Backoff = cmpOr(o.Backoff, 20*time.Millisecond)
	o.Gateway = cmpOr(o.Gateway, "gw1")
	return o
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

// shipTo starts a Shipper of o (Loki unless o says otherwise, with the
// fast timings of fastShip) following a new stream of so, to h served on
// loopback; both stop when the test ends, the Shipper first.
func shipTo(t *testing.T, h http.Handler, so ramlog.Options, o ShipOptions) (*Shipper, *ramlog.Stream) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := stream(t, so)
	o.Kind, o.URL, o.Streams = cmpOr(o.Kind, Loki), srv.URL, []*ramlog.Stream{s}
	sh, err := StartShip(fastShip(o))
	require.NoError(t, err)
	t.Cleanup(func() { _ = sh.Close() })
	return sh, s
}

func lines(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2026-12-06 10:00:%02d,%03d INFO app.%s line %d", i/1000%60, i%1000, prefix, i)
	}
	return out
}

func TestLokiShipsEveryLineOnceWithLabels(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	sink := &lokitest.Sink{}
	sh, s := shipTo(t, sink, ramlog.Options{}, ShipOptions{Name: "loki", Token: "t0ken",
		Labels: []string{"level", "logger"}, Level: levels.INFO})
	want := lines("x", 2000)
	for _, l := range want {
		s.WriteLine(0, []byte(l))
	}
	s.WriteLine(0, []byte("2026-12-06 10:00:00,000 DEBUG app.x below the level"))
	require.Eventually(t, func() bool { return len(sink.Lines()) >= len(want) }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // nothing more comes
	assert.Equal(t, want, sink.Texts())
	p := sink.Lines()[0]
	assert.Equal(t, map[string]string{"gateway": "gw1", "stream": "error", "level": "INFO", "logger": "app.x"}, p.Labels)
	ts := time.Date(2026, 12, 6, 10, 0, 0, 0, time.Local).UnixNano()
	assert.Equal(t, fmt.Sprint(ts), p.TS, "the line's own time")
	assert.Equal(t, "Bearer t0ken", sink.Auth())
	st := sh.Stats()
	assert.Equal(t, uint64(len(want)), st.Sent)
	assert.Equal(t, uint64(1), st.Skipped)
	assert.Zero(t, st.Lag)
	assert.Equal(t, uint64(sink.Bytes()), st.Bytes)
	t.Logf("loki: %.1f bytes on the wire per line (gzip)", float64(st.Bytes)/float64(st.Sent))
}

func TestShipRetriesAndHonoursRetryAfter(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	var firstAt, secondAt atomic.Int64
	sink := &lokitest.Sink{Answer: func(n int64, w http.ResponseWriter) bool {
		switch n {
		case 1:
			firstAt.Store(time.Now().UnixNano())
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return false
		case 2:
			secondAt.Store(time.Now().UnixNano())
			http.Error(w, "oops", http.StatusInternalServerError)
			return false
		}
		return true
	}}
	var told []string
	var mu sync.Mutex
	sh, s := shipTo(t, sink, ramlog.Options{}, ShipOptions{Name: "loki",
		OnError: func(err error) { mu.Lock(); told = append(told, err.Error()); mu.Unlock() }})
	want := lines("r", 10)
	for _, l := range want {
		s.WriteLine(0, []byte(l))
	}
	require.Eventually(t, func() bool { return len(sink.Lines()) >= len(want) }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, want, sink.Texts(), "once each, after the retries")
	assert.GreaterOrEqual(t, time.Duration(secondAt.Load()-firstAt.Load()), 900*time.Millisecond, "Retry-After: 1 was honoured")
	st := sh.Stats()
	assert.Equal(t, uint64(2), st.Failures)
	assert.Contains(t, st.LastError, "500 Internal Server Error")
	mu.Lock()
	assert.Len(t, told, 1, "a failing destination is said once, not per retry")
	mu.Unlock()
}

func TestShipRejectedBatchIsCountedAndSkipped(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	sink := &lokitest.Sink{Answer: func(n int64, w http.ResponseWriter) bool {
		if n == 1 {
			http.Error(w, "entry too far behind", http.StatusBadRequest)
			return false
		}
		return true
	}}
	var told atomic.Int64
	sh, s := shipTo(t, sink, ramlog.Options{}, ShipOptions{Name: "loki",
		OnError: func(err error) {
			assert.ErrorIs(t, err, ErrRejected)
			told.Add(1)
		}})
	s.WriteLine(0, []byte("2026-12-06 10:00:00,000 INFO a rejected"))
	require.Eventually(t, func() bool { return sh.Stats().Rejected == 1 }, 5*time.Second, 5*time.Millisecond)
	s.WriteLine(0, []byte("2026-12-06 10:00:01,000 INFO a accepted"))
	require.Eventually(t, func() bool { return len(sink.Lines()) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"2026-12-06 10:00:01,000 INFO a accepted"}, sink.Texts())
	require.Eventually(t, func() bool { return sh.Stats().Sent == 1 }, 5*time.Second, time.Millisecond)
	st := sh.Stats()
	assert.Contains(t, st.LastError, "400 Bad Request: entry too far behind")
	assert.Equal(t, int64(1), told.Load())
}

func TestShipHangingServerNeverBlocksLogging(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := stream(t, ramlog.Options{RAM: 64 << 10, Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 16 << 10}})
	sh, err := StartShip(fastShip(ShipOptions{Name: "loki", Kind: Loki, URL: srv.URL, Streams: []*ramlog.Stream{s}}))
	require.NoError(t, err)
	start := time.Now()
	for _, l := range lines("h", 20000) {
		s.WriteLine(0, []byte(l))
	}
	assert.Less(t, time.Since(start), 2*time.Second, "logging went on while the server hung")
	require.Eventually(t, func() bool { return sh.Stats().Lag > 0 }, time.Second, time.Millisecond)
	start = time.Now()
	require.NoError(t, sh.Close())
	assert.Less(t, time.Since(start), time.Second, "Close abandons the hanging request")
	assert.Zero(t, sh.Stats().Sent)
}

func TestShipOutageCatchesUpAndCountsWhatTheRingGaveUp(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	var down atomic.Bool
	down.Store(true)
	sink := &lokitest.Sink{Answer: func(_ int64, w http.ResponseWriter) bool {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return false
		}
		return true
	}}
	sh, s := shipTo(t, sink, ramlog.Options{RAM: 16 << 10, Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 4 << 10}},
		ShipOptions{Name: "loki"})
	want := lines("o", 1000) // ~50 KiB: more than the ring holds
	// The first line alone, so that the shipper is retrying a batch of
	// one when the rest comes: a shipper that kept up with the writer
	// (as it may on a slow machine) would hold every line in its batch
	// and lose none.
	s.WriteLine(0, []byte(want[0]))
	require.Eventually(t, func() bool { return sh.Stats().Failures > 0 }, 5*time.Second, time.Millisecond)
	for _, l := range want[1:] {
		s.WriteLine(0, []byte(l))
	}
	down.Store(false)
	require.Eventually(t, func() bool { return sh.Stats().Lag == 0 }, 10*time.Second, 10*time.Millisecond)
	st := sh.Stats()
	got := sink.Texts()
	assert.Positive(t, st.Lost)
	assert.Equal(t, uint64(len(want)), st.Sent+st.Lost, "every line sent or counted lost")
	var said uint64
	var kept []string // the lines, without the notices
	for _, l := range got {
		if n, ok := missed([]byte(l)); ok {
			said += n
		} else {
			kept = append(kept, l)
		}
	}
	assert.Equal(t, st.Lost, said, "the loss is said in-band")
	// A notice is a WARNING, another Loki stream of the same push than
	// the INFO lines, so the sink may list it after them.
	require.NotEmpty(t, kept)
	assert.Equal(t, want[len(want)-1], kept[len(kept)-1])
	seen := make(map[string]bool)
	for _, l := range got {
		assert.False(t, seen[l], "sent twice: %s", l)
		seen[l] = true
	}
}

// clock is a fake clock for budget periods.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }
func newClock(t time.Time) *clock        { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func logLine(s *ramlog.Stream, lv, msg string) {
	s.WriteLine(0, []byte("2026-12-06 10:00:00,000 "+lv+" app "+msg))
}

func TestBudgetSendsErrorsOnlyThenTheRestNextDay(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	sink := &lokitest.Sink{}
	clk := newClock(time.Date(2026, 12, 6, 12, 0, 0, 0, time.Local))
	sh, s := shipTo(t, sink, ramlog.Options{}, ShipOptions{Name: "metered", Budget: 100, Now: clk.now})
	logLine(s, "INFO", "first, within the budget")
	require.Eventually(t, func() bool { return len(sink.Lines()) == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return sh.Stats().Spend >= 100 }, 5*time.Second, time.Millisecond,
		"one gzipped request spends the tiny budget")
	logLine(s, "INFO", "held 1")
	logLine(s, "ERROR", "urgent 1")
	logLine(s, "DEBUG", "held 2")
	logLine(s, "CRITICAL", "urgent 2")
	require.Eventually(t, func() bool { return len(sink.Lines()) == 3 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, []string{
		"2026-12-06 10:00:00,000 INFO app first, within the budget",
		"2026-12-06 10:00:00,000 ERROR app urgent 1",
		"2026-12-06 10:00:00,000 CRITICAL app urgent 2",
	}, sink.Texts())
	st := sh.Stats()
	assert.Equal(t, uint64(2), st.HeldBack)
	assert.Equal(t, uint64(2), st.Lag, "held back lines wait in the ring")

	clk.advance(12 * time.Hour) // past midnight: a new day
	logLine(s, "INFO", "next day")
	require.Eventually(t, func() bool { return len(sink.Lines()) == 6 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	assert.ElementsMatch(t, []string{ // in a Loki stream per level
		"2026-12-06 10:00:00,000 INFO app held 1",
		"2026-12-06 10:00:00,000 DEBUG app held 2",
		"2026-12-06 10:00:00,000 INFO app next day",
	}, sink.Texts()[3:], "the held back lines follow, once, and nothing is sent twice")
	st = sh.Stats()
	assert.Zero(t, st.HeldBack)
	assert.Zero(t, st.Lag)
	assert.Equal(t, uint64(6), st.Sent)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    string
		want time.Duration
		ok   bool
	}{
		{"seconds", "120", 2 * time.Minute, true},
		{"spaces", " 3 ", 3 * time.Second, true},
		{"date", "Sun, 06 Dec 2026 10:00:30 GMT", 30 * time.Second, true},
		{"date past", "Sun, 06 Dec 2026 09:00:00 GMT", 0, true},
		{"empty", "", 0, false},
		{"negative", "-5", 0, false},
		{"garbage", "soon", 0, false},
		{"huge", "99999999999999", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := ParseRetryAfter(tt.v, now)
			assert.Equal(t, tt.want, d)
			assert.Equal(t, tt.ok, ok)
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "Sun, 06 Dec 2026 10:00:30 GMT", "", "-1", "1e9", "Sunday, 06-Dec-26 10:00:30 GMT"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if d < 0 || !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"2026-12-06 10:00:00,000 INFO app.x msg token='abc' k='v'", "ERROR", "x token='", "x token='a\\'", "2026-13-06 10:00:00,000 DEBUG"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p := parseLine(defaultScanner, []byte(line))
		for _, r := range [][2]int32{p.logger, p.token} {
			if r[0] < 0 || r[1] < r[0] || int(r[1]) > len(line) {
				t.Fatalf("parseLine(%q): range %v out of the line", line, r)
			}
		}
		var b batch
		b.add([]byte(line), time.Now(), p)
		s := &Shipper{o: ShipOptions{Gateway: "gw", Labels: []string{"level", "logger"}}}
		var req map[string]any
		if err := json.Unmarshal(s.appendLoki(nil, &b), &req); err != nil {
			t.Fatalf("appendLoki of %q: %v", line, err)
		}
		readProto(t, s.appendOTLP(nil, &b))
	})
}

// readProto walks a protobuf message and its nested ones (those that
// parse as messages) and fails on a length that does not fit.
func readProto(t *testing.T, b []byte) map[uint64][][]byte {
	t.Helper()
	fields := make(map[uint64][][]byte)
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		require.Positive(t, n, "tag")
		b = b[n:]
		switch tag & 7 {
		case pbVarint:
			v, n := binary.Uvarint(b)
			require.Positive(t, n)
			fields[tag>>3] = append(fields[tag>>3], binary.AppendUvarint(nil, v))
			b = b[n:]
		case pbI64:
			require.GreaterOrEqual(t, len(b), 8)
			fields[tag>>3] = append(fields[tag>>3], b[:8])
			b = b[8:]
		case pbLen:
			l, n := binary.Uvarint(b)
			require.Positive(t, n)
			require.LessOrEqual(t, l, uint64(len(b)-n), "length past the end")
			fields[tag>>3] = append(fields[tag>>3], b[n:n+int(l)])
			b = b[n+int(l):]
		default:
			t.Fatalf("wire type %d", tag&7)
		}
	}
	return fields
}

// TestParseLineByPattern reads lines as gwlog writes them, through their
// stream's pattern: the token without its quotes, escapes kept; a
// pattern with %(token)s and a time zone of its own; a line of another
// shape, which tells nothing.
func TestParseLineByPattern(t *testing.T) {
	text := func(line string, r [2]int32) string { return line[r[0]:r[1]] }
	f, err := levels.NewFormatter(levels.FormatterOptions{})
	require.NoError(t, err)
	at := time.Date(2026, 12, 6, 10, 0, 0, 123e6, time.Local)
	line := string(f.Append(nil, &levels.Record{Time: at, Level: levels.ERROR, Logger: "app.valve",
		Message: "stuck token='x'", Token: "req-7", Attrs: []slog.Attr{slog.Int("zone", 3)}}))
	line = strings.TrimSuffix(line, "\n")
	p := parseLine(f.Scanner(), []byte(line))
	assert.Equal(t, at.UnixNano(), p.t, line)
	assert.True(t, p.known)
	assert.Equal(t, levels.ERROR, p.level)
	assert.Equal(t, "app.valve", text(line, p.logger))
	assert.Equal(t, "req-7", text(line, p.token), "the token attr, unquoted, not the message's text: %s", line)

	q := `2026-12-06 10:00:00,000 INFO app token='it\'s' k='v'`
	assert.Equal(t, `it\'s`, text(q, parseLine(defaultScanner, []byte(q)).token), "an escaped quote does not end it")

	utc, err := levels.NewScanner("%(asctime)s [%(token)s] %(levelname)s %(message)s", time.UTC)
	require.NoError(t, err)
	r := "2026-12-06 10:00:00,000 [req-9] WARNING valve slow"
	p = parseLine(utc, []byte(r))
	assert.Equal(t, time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC).UnixNano(), p.t, "the pattern's zone")
	assert.Equal(t, levels.WARNING, p.level)
	assert.Equal(t, "req-9", text(r, p.token))
	assert.Zero(t, p.logger, "the pattern has no logger")

	assert.Equal(t, parsed{}, parseLine(defaultScanner, []byte(`127.0.0.1 - - [06/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5`)))
}

func TestOTLPEncoding(t *testing.T) {
	var b batch
	b.stream = "debug"
	long := strings.Repeat("x", 300) // a body whose length takes two bytes
	for _, l := range []string{"2026-12-06 10:00:00,000 ERROR app.valve stuck token='req-7'", "2026-12-06 10:00:01,000 INFO app.heat " + long} {
		b.add([]byte(l), time.Now(), parseLine(defaultScanner, []byte(l)))
	}
	s := &Shipper{o: ShipOptions{Gateway: "gw1"}}
	req := readProto(t, s.appendOTLP(nil, &b))
	require.Len(t, req[requestResourceLogs], 1)
	rl := readProto(t, req[requestResourceLogs][0])
	res := readProto(t, rl[resourceLogsResource][0])
	attrs := map[string]string{}
	for _, kv := range res[resourceAttributes] {
		f := readProto(t, kv)
		attrs[string(f[keyValueKey][0])] = string(readProto(t, f[keyValueValue][0])[anyString][0])
	}
	assert.Equal(t, map[string]string{"service.name": "gwlog", "host.name": "gw1", "gateway": "gw1", "gwlog.stream": "debug"}, attrs)
	require.Len(t, rl[resourceLogsScope], 2, "a scope per logger")
	sc := readProto(t, rl[resourceLogsScope][0])
	assert.Equal(t, "app.valve", string(readProto(t, sc[scopeLogsScope][0])[scopeName][0]))
	rec := readProto(t, sc[scopeLogsRecords][0])
	assert.Equal(t, uint64(time.Date(2026, 12, 6, 10, 0, 0, 0, time.Local).UnixNano()), binary.LittleEndian.Uint64(rec[recordTime][0]))
	assert.Equal(t, []byte{17}, rec[recordSeverity][0])
	assert.Equal(t, "ERROR", string(rec[recordSeverityText][0]))
	assert.Equal(t, "2026-12-06 10:00:00,000 ERROR app.valve stuck token='req-7'", string(readProto(t, rec[recordBody][0])[anyString][0]))
	tok := readProto(t, rec[recordAttributes][0])
	assert.Equal(t, "token", string(tok[keyValueKey][0]))
	assert.Equal(t, "req-7", string(readProto(t, tok[keyValueValue][0])[anyString][0]))
	sc = readProto(t, rl[resourceLogsScope][1])
	rec = readProto(t, sc[scopeLogsRecords][0])
	assert.Equal(t, "2026-12-06 10:00:01,000 INFO app.heat "+long, string(readProto(t, rec[recordBody][0])[anyString][0]))
}

func TestInfluxLineProtocol(t *testing.T) {
	s := &Shipper{o: ShipOptions{Gateway: "gw 1"}}
	ev := eventlog.Event{Time: 1733450000123000000, Type: "http://id.webbrick.co.uk/events/webbrick/CT", Source: "wb/100/CT,1",
		Attrs: []eventlog.Attr{eventlog.FloatAttr("temp", 21.5), eventlog.IntAttr("raw", 2150), eventlog.BoolAttr("ok", true),
			eventlog.StringAttr("note", "say \"hi\"\\\nbye"), eventlog.StringAttr("a key", "v")}}
	assert.Equal(t, `webbrick_CT,source=wb/100/CT\,1,gateway=gw\ 1 temp=21.5,raw=2150i,ok=true,note="say \"hi\"\\\nbye",a\ key="v" 1733450000123000000`+"\n",
		string(s.appendInflux(nil, &ev)))
	ev = eventlog.Event{Time: 5, Type: "button.press"}
	assert.Equal(t, "button_press,gateway=gw\\ 1 count=1i 5\n", string(s.appendInflux(nil, &ev)), "a point needs a field")
	assert.Equal(t, "webbrick_CT", Measurement("webbrick/CT"))
}

// influxSink is a fake /write endpoint that keeps the lines it accepts.
type influxSink struct {
	mu    sync.Mutex
	lines []string
}

func (k *influxSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	zr, err := gzip.NewReader(r.Body)
	if err != nil || r.URL.Path != "/write" {
		http.Error(w, "want a gzipped write", http.StatusBadRequest)
		return
	}
	b, _ := io.ReadAll(zr)
	k.mu.Lock()
	k.lines = append(k.lines, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
	k.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (k *influxSink) got() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.lines...)
}

// TestInfluxBudgetHoldsEventsUntilTheNextDay: past its budget an influx
// destination sends nothing (events have no level), and what waited goes
// when a new day begins.
func TestInfluxBudgetHoldsEventsUntilTheNextDay(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	sink := &influxSink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	log, err := eventlog.New(eventlog.Options{})
	require.NoError(t, err)
	defer log.Close()
	clk := newClock(time.Date(2026, 12, 6, 12, 0, 0, 0, time.Local))
	sh, err := StartShip(fastShip(ShipOptions{Name: "tsdb", Kind: Influx, URL: srv.URL, Events: log, Budget: 50, Now: clk.now}))
	require.NoError(t, err)
	defer sh.Close()
	log.Write(eventlog.Event{Time: 1, Type: "webbrick/CT", Source: "a", Attrs: []eventlog.Attr{eventlog.IntAttr("v", 1)}})
	require.Eventually(t, func() bool { return sh.Stats().Spend >= 50 }, 5*time.Second, time.Millisecond)
	log.Write(eventlog.Event{Time: 2, Type: "webbrick/CT", Source: "a", Attrs: []eventlog.Attr{eventlog.IntAttr("v", 2)}})
	log.Write(eventlog.Event{Time: 3, Type: "webbrick/CT", Source: "a", Attrs: []eventlog.Attr{eventlog.IntAttr("v", 3)}})
	require.Eventually(t, func() bool { return sh.Stats().HeldBack == 2 }, 5*time.Second, time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, []string{"webbrick_CT,source=a,gateway=gw1 v=1i 1"}, sink.got())
	assert.Equal(t, uint64(2), sh.Stats().Lag)

	clk.advance(12 * time.Hour)
	require.Eventually(t, func() bool { return len(sink.got()) == 3 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, []string{"webbrick_CT,source=a,gateway=gw1 v=1i 1", "webbrick_CT,source=a,gateway=gw1 v=2i 2",
		"webbrick_CT,source=a,gateway=gw1 v=3i 3"}, sink.got())
	require.Eventually(t, func() bool { return sh.Stats().Lag == 0 }, 5*time.Second, time.Millisecond)
	assert.Zero(t, sh.Stats().HeldBack)
}

// TestShipHTTPSWithCA: an https:// destination is checked against the
// roots of ca, and refused without them.
func TestShipHTTPSWithCA(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	sink := &lokitest.Sink{}
	srv := httptest.NewTLSServer(sink)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	s := stream(t, ramlog.Options{})
	sh, err := StartShip(fastShip(ShipOptions{Name: "tls", Kind: Loki, URL: srv.URL, CA: ca, Streams: []*ramlog.Stream{s}}))
	require.NoError(t, err)
	defer sh.Close()
	untrusted, err := StartShip(fastShip(ShipOptions{Name: "untrusted", Kind: Loki, URL: srv.URL, Streams: []*ramlog.Stream{s}}))
	require.NoError(t, err)
	defer untrusted.Close()
	logLine(s, "INFO", "over TLS")
	require.Eventually(t, func() bool { return len(sink.Lines()) == 1 }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return untrusted.Stats().Failures > 0 }, 5*time.Second, time.Millisecond)
	assert.Contains(t, untrusted.Stats().LastError, "certificate")
	assert.Len(t, sink.Lines(), 1)

	_, err = StartShip(ShipOptions{Name: "bad", Kind: Loki, URL: srv.URL, CA: filepath.Join(t.TempDir(), "none.pem"), Streams: []*ramlog.Stream{s}})
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = StartShip(ShipOptions{Name: "bad", Kind: Loki, URL: "http://[::1", Streams: []*ramlog.Stream{s}})
	assert.ErrorIs(t, err, ErrAddress)
	_, err = StartShip(ShipOptions{Name: "bad", Kind: Influx, URL: srv.URL})
	assert.Error(t, err, "influx without an event log")
}

// TestShipCloseLeavesNoConnection: Close ends the keep-alive connection's
// goroutines too, while the server would keep it open.
func TestShipCloseLeavesNoConnection(t *testing.T) {
	sink := &lokitest.Sink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	t.Run("shipper", func(t *testing.T) {
		leakcheck.Check(t, time.Second) // checked before the server closes
		s := stream(t, ramlog.Options{})
		sh, err := StartShip(fastShip(ShipOptions{Name: "loki", Kind: Loki, URL: srv.URL, Streams: []*ramlog.Stream{s}}))
		require.NoError(t, err)
		logLine(s, "INFO", "one")
		require.Eventually(t, func() bool { return sh.Stats().Sent == 1 }, 5*time.Second, time.Millisecond)
		require.NoError(t, sh.Close())
	})
}

// TestShipStreamClosedEndsFollowing: a stream closed under a shipper
// ends its follower rather than leaving it to read the stream again and
// again.
func TestShipStreamClosedEndsFollowing(t *testing.T) {
	sink := &lokitest.Sink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	s := stream(t, ramlog.Options{})
	sh, err := StartShip(fastShip(ShipOptions{Name: "loki", Kind: Loki, URL: srv.URL, Streams: []*ramlog.Stream{s}}))
	require.NoError(t, err)
	defer sh.Close()
	logLine(s, "INFO", "one")
	require.Eventually(t, func() bool { return sh.Stats().Sent == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, s.Close())
	done := make(chan struct{})
	go func() { sh.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the follower did not end with its stream")
	}
}

// TestBudgetHeldLinesGoWhenThePeriodEnds: what is held back goes when
// the next period begins, though nothing more is logged.
func TestBudgetHeldLinesGoWhenThePeriodEnds(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	sink := &lokitest.Sink{}
	sh, s := shipTo(t, sink, ramlog.Options{}, ShipOptions{Name: "metered", Budget: 10, BudgetPeriod: 2 * time.Second})
	logLine(s, "INFO", "spends the period's budget")
	require.Eventually(t, func() bool { return sh.Stats().Spend >= 10 }, 5*time.Second, time.Millisecond)
	logLine(s, "INFO", "held")
	require.Eventually(t, func() bool { return len(sink.Lines()) == 2 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, "2026-12-06 10:00:00,000 INFO app held", sink.Texts()[1])
	assert.Zero(t, sh.Stats().HeldBack)
}
