package httplog

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// FuzzParseTime checks that any input parses to a UTC time that reads
// back the same, or fails with an error that quotes it.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-21T10:00:00Z", "2026-11-21T10:00:00.5+01:00", "2026-11-21", "now", "-1h", "-7d", "+1d12h",
		"1795255200", "1795255200.25", "", "-", "1e9", "..", "-9999999999h"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, now)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not UTC", s, got)
		}
		if got.Year() < 0 || got.Year() > 9999 {
			return // RFC 3339 cannot write it back
		}
		again, err := ParseTime(got.Format(time.RFC3339Nano), now)
		if err != nil || !again.Equal(got) {
			t.Fatalf("ParseTime(%q) = %v, which reads back as %v, %v", s, got, again, err)
		}
	})
}

// FuzzParseFilter checks that any query string gives a filter or an
// error, never a panic, and that a filter it accepts has its times in
// order.
func FuzzParseFilter(f *testing.F) {
	for _, q := range []string{"type=webbrick/CT&since=-1h", "where=val>=20&where=unit~C&limit=3&reverse=1",
		"since=now&until=-1h", "typ=x", "limit=-1", "where==", "source=wb/*&token=req-1"} {
		f.Add(q)
	}
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, q string) {
		r := &http.Request{URL: &url.URL{Path: "/events", RawQuery: q}}
		flt, err := ParseFilter(r.URL.Query(), now)
		if err == nil && !flt.Since.IsZero() && !flt.Until.IsZero() && !flt.Since.Before(flt.Until) {
			t.Fatalf("%q: since %v not before until %v", q, flt.Since, flt.Until)
		}
		r = &http.Request{URL: &url.URL{Path: "/series", RawQuery: q}}
		sq, err := ParseSeries(r.URL.Query(), now)
		if err == nil && (sq.Step <= 0 || sq.Attr == "" || !sq.Since.Before(sq.Until)) {
			t.Fatalf("%q: accepted a bad series query %+v", q, sq)
		}
	})
}

// FuzzAppendEventJSON checks that any strings make valid JSON that
// decodes back to them (invalid UTF-8 as U+FFFD).
func FuzzAppendEventJSON(f *testing.F) {
	f.Add("webbrick/CT", "wb/100/CT/1", "req-1", "unit", "C", int64(3), 21.5)
	f.Add("a\"b", "\\\n\t\x00", "\xff\xfe", "\u2028", "</script>", int64(-1), -0.0)
	f.Fuzz(func(t *testing.T, typ, source, token, key, val string, n int64, x float64) {
		ev := eventlog.Event{Seq: 1, Time: n, Type: typ, Source: source, Token: token,
			Attrs: []eventlog.Attr{eventlog.StringAttr(key, val), eventlog.IntAttr("n", n), eventlog.FloatAttr("x", x)}}
		b := AppendEventJSON(nil, ev)
		var got struct {
			Type, Source, Token string
			Attrs               map[string]any
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		valid := func(s string) string { // each invalid byte a U+FFFD, as encoding/json
			var sb strings.Builder
			for _, r := range s {
				sb.WriteRune(r)
			}
			return sb.String()
		}
		if got.Type != valid(typ) || got.Source != valid(source) || got.Token != valid(token) {
			t.Fatalf("%s: strings differ", b)
		}
		if key != "n" && key != "x" && got.Attrs[valid(key)] != valid(val) {
			t.Fatalf("%s: attr %q = %v, want %q", b, key, got.Attrs[valid(key)], val)
		}
	})
}

// FuzzQuery checks the query strings of every endpoint: each answers 200
// or 400, never anything else and never a panic; a query that
// parseQuery refuses, or with a parameter the endpoint does not take,
// is a 400; and a query parseQuery accepts is one url.ParseQuery reads
// whole, so that no parameter (no filter) was left out.
func FuzzQuery(f *testing.F) {
	for _, q := range []string{"", "n=5", "N=5", "n=1&n=2", "follow=1&n=0", "type=NO_SUCH%zz", "type=a;b", "type=%",
		"type=webbrick%2FCT&since=-1h", "where=val>=20&where=unit~C&limit=3", "attr=val&step=1h", "=x", "&&", "a=1&" + strings.Repeat("&", 120)} {
		f.Add(q)
	}
	stream, err := ramlog.New("debug", ramlog.Options{})
	require.NoError(f, err)
	stream.WriteLine(time.Now().UnixNano(), []byte("a line\n"))
	events, err := eventlog.New(eventlog.Options{RAM: 64 << 10})
	require.NoError(f, err)
	h := NewHandler(fuzzSource{stream, events})
	endpoints := map[string][]string{
		"/streams/debug":   tailParams,
		"/events":          append([]string{"where"}, eventParams...),
		"/series":          seriesParams,
		"/events/types":    typeParams,
		"/streams":         nil,
		"/stats":           nil,
		"/files":           nil,
		"/files/debug.log": nil,
	}
	done, cancel := context.WithCancel(context.Background())
	cancel() // a follower ends at once
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.ContainsAny(raw, "# \t\r\n") {
			return // not a query string as a request line carries it
		}
		q, perr := parseQuery(raw)
		if perr == nil {
			whole, err := url.ParseQuery(raw)
			if err != nil || len(whole) != len(q) {
				t.Fatalf("%q: parseQuery accepted what url.ParseQuery reads as %v, %v", raw, whole, err)
			}
			if n := strings.Count(raw, "&") + 1; n > MaxParams {
				t.Fatalf("%q: %d parameters accepted", raw, n)
			}
		}
		for path, known := range endpoints {
			r := httptest.NewRequestWithContext(done, http.MethodGet, path, nil)
			r.URL.RawQuery = raw
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK && w.Code != http.StatusBadRequest && w.Code != http.StatusNotFound {
				t.Fatalf("%s?%s: %d %s", path, raw, w.Code, w.Body)
			}
			if perr != nil && w.Code != http.StatusBadRequest {
				t.Fatalf("%s?%s: %d, want 400 for %v", path, raw, w.Code, perr)
			}
			for k, v := range q {
				if (!slices.Contains(known, k) || len(v) > 1 && k != "where") && w.Code != http.StatusBadRequest {
					t.Fatalf("%s?%s: %d with parameter %q given %d times", path, raw, w.Code, k, len(v))
				}
			}
		}
	})
}

// fuzzSource is a Source of one stream and an event log.
type fuzzSource struct {
	s *ramlog.Stream
	e *eventlog.Log
}

func (f fuzzSource) Streams() []*ramlog.Stream { return []*ramlog.Stream{f.s} }
func (f fuzzSource) Events() *eventlog.Log     { return f.e }
func (f fuzzSource) Stream(name string) *ramlog.Stream {
	if name == f.s.Name() {
		return f.s
	}
	return nil
}

// FuzzParseLineFilter checks that any query gives a line filter or an
// error, never a panic; that a filter it accepts runs on any line without
// one; and that its level, time and token keep the lines of a record they
// select, as the default pattern writes them.
func FuzzParseLineFilter(f *testing.F) {
	for _, q := range []string{"level=WARNING&since=-2s", "logger=WebBrickGateway&grep=slow%20%5Cw%2B", "until=2026-11-21&token=req-1",
		"level=15", "level=Level%2015", "level=off", "grep=(", "since=now&until=-1h", "token=it's"} {
		f.Add(q, "2026-11-21 11:59:59,500 WARNING WebBrickGateway.Comms slow response token='req-1' ms='731'")
	}
	f.Add("level=INFO", "… 3 lines dropped")
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	fm := levels.MustFormatter(levels.FormatterOptions{Location: time.UTC})
	f.Fuzz(func(t *testing.T, q, line string) {
		vals, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		flt, err := ParseLineFilter(vals, now)
		if err != nil {
			return
		}
		if !flt.Since.IsZero() && !flt.Until.IsZero() && !flt.Since.Before(flt.Until) {
			t.Fatalf("%q: since %v not before until %v", q, flt.Since, flt.Until)
		}
		m, err := flt.Match(fm.Scanner(), fm.Pattern())
		if err != nil {
			t.Fatalf("%q: the default pattern shows every field: %v", q, err)
		}
		m.Line([]byte(line)) // any line: no panic
		if flt.Grep != nil || flt.Logger != "" {
			return
		}
		// A record within the filter's level, time and token is kept.
		rec := levels.Record{Level: max(flt.Level, levels.DEBUG), Logger: "svc", Message: line, Token: flt.Token, Time: now.Add(-time.Hour)}
		if !flt.Since.IsZero() {
			rec.Time = flt.Since.Add(time.Millisecond - time.Duration(flt.Since.Nanosecond()%1e6))
		}
		if !flt.Until.IsZero() && !rec.Time.Before(flt.Until) || rec.Time.Year() < 1 || rec.Time.Year() > 9999 {
			return
		}
		out := fm.Append(nil, &rec)
		if !m.Line(out[:len(out)-1]) {
			t.Fatalf("%q: left out %q", q, out)
		}
	})
}
