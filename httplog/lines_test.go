package httplog_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/levels"
)

// history is what writeHistory logged: line i at base+i s, of logger
// loggers[i%3], at level lvls[i%5], with token "req-<i/10>" when i%7 == 0.
type history struct {
	base  time.Time
	total int
	pace  func() // when set, called every 100 lines
}

var (
	histLoggers = []string{"WebBrickGateway.Heating", "WebBrickGateway.Comms", "WebBrickGatewayX"}
	histLevels  = []levels.Level{levels.DEBUG, levels.INFO, levels.WARNING, levels.ERROR, levels.CRITICAL}
)

func (h history) token(i int) string {
	if i%7 != 0 {
		return ""
	}
	return "req-" + strconv.Itoa(i/10)
}

func writeHistory(rt *gwlog.Runtime, h history) {
	for i := range h.total {
		ctx := context.Background()
		if tok := h.token(i); tok != "" {
			ctx = levels.WithToken(ctx, tok)
		}
		rt.Logger(histLoggers[i%3]).LogAttrsAt(ctx, h.base.Add(time.Duration(i)*time.Second), histLevels[i%5],
			fmt.Sprintf("n=%05d pad=%s", i, strings.Repeat("ab", i%40)))
		if h.pace != nil && i%100 == 99 {
			h.pace()
		}
	}
}

// want lists the numbers of the last n lines keep selects of those held.
func want(held []int, n int, keep func(i int) bool) []int {
	var out []int
	for _, i := range held {
		if i >= 0 && keep(i) {
			out = append(out, i)
		}
	}
	return out[max(len(out)-n, 0):]
}

var lineNo = regexp.MustCompile(` n=(\d{5}) `)

// numbers reads the line numbers of a tail's text; a line without one
// (a marker) is -1.
func numbers(t *testing.T, text string) []int {
	t.Helper()
	var out []int
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		m := lineNo.FindStringSubmatch(line)
		if m == nil {
			out = append(out, -1)
			continue
		}
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		out = append(out, n)
	}
	return out
}

// TestTailFilters asks GET /streams/debug for lines by level, logger,
// time, grep and token, over a history held mostly compressed: each
// answer is the last n lines of those selected, oldest first.
func TestTailFilters(t *testing.T) {
	conf := gwtest.Config(t, "[runtime]\nreload = 0\n[stream.debug]\nrotate = size 16KiB\nram = 64KiB\nram_compress = gzip\n[logger.root]\nlevel = DEBUG\n")
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{conf}, Location: time.UTC})
	h := history{base: time.Now().Add(-2 * time.Hour).Truncate(time.Second).Add(500 * time.Millisecond), total: 6000}
	// The compressor's pace, about once a segment: only the live one is
	// left plain, so that the history holds blocks however loaded the
	// machine.
	h.pace = func() {
		require.Eventually(t, func() bool { st := rt.Stream("debug").Stats(); return st.Segments-st.Blocks <= 1 }, 10*time.Second, 100*time.Microsecond)
	}
	writeHistory(rt, h)
	require.Eventually(t, func() bool { return rt.Stream("debug").Stats().Blocks > 3 }, 10*time.Second, 10*time.Millisecond)
	require.Less(t, len(rt.Stream("debug").Tail(h.total)), h.total, "the plain ring does not hold it all")
	srv := gwtest.Serve(t, rt.HTTPHandler())
	_, all := gwtest.Fetch(t, http.MethodGet, srv.URL+"/streams/debug?n=1000000")
	held := numbers(t, string(all))
	require.Greater(t, len(held), 1000)
	// Where: at the start, or where the compressor fell behind and a
	// segment left the ring plain, between blocks.
	require.Contains(t, held, -1, "a line says what the history lost")
	require.Less(t, held[2], h.total-1000, "the history holds older lines than the ring")
	at := func(i int) string { return h.base.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano) }
	tests := []struct {
		name  string
		query url.Values
		n     int
		keep  func(i int) bool
	}{
		{"level", url.Values{"level": {"ERROR"}, "n": {"7"}}, 7, func(i int) bool { return histLevels[i%5] >= levels.ERROR }},
		{"level everything held", url.Values{"level": {"critical"}, "n": {"100000"}}, 100000, func(i int) bool { return i%5 == 4 }},
		{"logger and its children", url.Values{"logger": {"WebBrickGateway"}, "level": {"WARNING"}, "n": {"5"}}, 5,
			func(i int) bool { return i%3 != 2 && histLevels[i%5] >= levels.WARNING }},
		{"logger exactly", url.Values{"logger": {"WebBrickGatewayX"}, "n": {"4"}}, 4, func(i int) bool { return i%3 == 2 }},
		{"a window", url.Values{"since": {at(100)}, "until": {at(220)}, "n": {"1000"}}, 1000, func(i int) bool { return i >= 100 && i < 220 }},
		{"grep", url.Values{"grep": {`n=0+4[0-9]7 `}, "n": {"1000"}}, 1000, func(i int) bool { return i < 1000 && i/100 == 4 && i%10 == 7 }},
		{"token", url.Values{"token": {"req-599"}}, 100, func(i int) bool { return i/10 == 599 && i%7 == 0 }},
		{"token held compressed", url.Values{"token": {"req-" + strconv.Itoa(h.total/10-100)}}, 100, func(i int) bool { return i/10 == h.total/10-100 && i%7 == 0 }},
		{"everything at once", url.Values{"level": {"INFO"}, "logger": {"WebBrickGateway.Comms"}, "since": {at(10)}, "until": {at(5000)}, "grep": {"pad=(ab){3}"}, "n": {"3"}}, 3,
			func(i int) bool { return i%3 == 1 && i%5 != 0 && i >= 10 && i < 5000 && i%40 >= 3 }},
		{"nothing", url.Values{"grep": {"no such line"}}, 100, func(int) bool { return false }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+"/streams/debug?"+tc.query.Encode())
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Equal(t, want(held, tc.n, tc.keep), numbers(t, string(body)))
		})
	}
	// A time back from now: the line an hour back, give or take the time
	// the test took, and every one after it.
	t0 := time.Now()
	_, body := gwtest.Fetch(t, http.MethodGet, srv.URL+"/streams/debug?since=-1h&n=100000")
	got := numbers(t, string(body))
	require.NotEmpty(t, got)
	hourBack := int(t0.Add(-time.Hour).Sub(h.base) / time.Second)
	assert.GreaterOrEqual(t, got[0], hourBack)
	late := hourBack + 1 + int(time.Since(t0)/time.Second)
	firstLate := h.total // the first line held from late on: the history may have lost the hour's start
	for _, i := range held {
		if i >= late {
			firstLate = i
			break
		}
	}
	assert.LessOrEqual(t, got[0], firstLate)
	assert.Equal(t, want(held, 100000, func(i int) bool { return i >= got[0] }), got)

	// The token shows in the lines, as the default pattern writes it.
	_, body = gwtest.Fetch(t, http.MethodGet, srv.URL+"/streams/debug?token=req-599&n=1")
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} CRITICAL WebBrickGatewayX n=05999 pad=(ab){39} token='req-599'\n$`, string(body))
}

// TestTailFilterRefused answers 400 with the reason for a filter that
// cannot be run, before anything is read.
func TestTailFilterRefused(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gwtest.Serve(t, rt.HTTPHandler())
	for _, tc := range []struct{ path, error string }{
		{"/streams/debug?grep=(", "grep: error parsing regexp: missing closing ): `(`"},
		{"/streams/debug?grep=" + strings.Repeat("a", 1001), "grep: 1001 bytes, more than 1000"},
		{"/streams/debug?since=yesterday", `since: want RFC 3339 (2026-11-21T10:00:00Z), a date (2026-11-21), a time back from now (-1h, -7d, now) or Unix seconds, got "yesterday"`},
		{"/streams/debug?since=-1h&until=-2h", "since: "},
		{"/streams/debug?level=LOUD", `level: want DEBUG, INFO, WARNING, ERROR, CRITICAL or 1-50, got "LOUD"`},
		{"/streams/debug?level=OFF", `level: want DEBUG, INFO, WARNING, ERROR, CRITICAL or 1-50, got "OFF"`},
		{"/streams/debug?token=a&token=b", "token: given 2 times, want at most one"},
		{"/streams/access?level=INFO", `level: the stream's lines do not show it (format "%(message)s")`},
		{"/streams/access?follow=1&token=x", `token: the stream's lines do not show it (format "%(message)s")`},
	} {
		resp, b := gwtest.Fetch(t, http.MethodGet, srv.URL+tc.path)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", tc.path, b)
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal(b, &e), "%s", b)
		assert.True(t, strings.HasPrefix(e.Error, tc.error), "%s: %q", tc.path, e.Error)
	}
	resp, b := gwtest.Fetch(t, http.MethodGet, srv.URL+"/streams/access?grep=GET")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "grep needs no field: %s", b)
}

// TestFollowFiltered follows the debug stream's ERROR lines: the last
// two held, then the new ones, and no line of another level.
func TestFollowFiltered(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{Loggers: []gwlog.LoggerOptions{{Name: "root", Level: levels.DEBUG}}})
	l := rt.Logger("svc")
	for i := range 10 {
		l.Log(nil, histLevels[i%5], fmt.Sprintf("old n=%05d x", i))
	}
	srv := gwtest.Serve(t, rt.HTTPHandler())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/streams/debug?follow=1&n=2&level=ERROR", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				lines <- s
			}
		}
		close(lines)
	}()
	next := func() string {
		select {
		case s := <-lines:
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("no line")
			return ""
		}
	}
	assert.Contains(t, next(), "ERROR svc old n=00008 x")
	assert.Contains(t, next(), "CRITICAL svc old n=00009 x")
	l.Info("new n=00010 x")
	l.Error("new n=00011 x")
	assert.Contains(t, next(), "ERROR svc new n=00011 x", "the INFO line is left out")
}

// TestTailFiltersDisk reads lines back by time from a stream whose ring
// gave them up to a disk.
func TestTailFiltersDisk(t *testing.T) {
	dir := t.TempDir()
	conf := gwtest.Config(t, fmt.Sprintf("[runtime]\nprofile = disk\ndisk = %s force\nflush = 1s\nreload = 0\n[stream.debug]\nrotate = size 8KiB\nram = 32KiB\n[logger.root]\nlevel = DEBUG\n", dir))
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{conf}, Location: time.UTC})
	h := history{base: time.Now().Add(-3 * time.Hour).Truncate(time.Second), total: 3000}
	writeHistory(rt, h)
	require.Eventually(t, func() bool {
		d := rt.Stats().Disk
		return d != nil && d.Store != nil && d.Store.Segments > 10 && d.Queued == 0
	}, 20*time.Second, 20*time.Millisecond, "the evicted segments reach the disk")
	srv := gwtest.Serve(t, rt.HTTPHandler())
	q := url.Values{"since": {h.base.Add(30 * time.Second).Format(time.RFC3339)}, "until": {h.base.Add(45 * time.Second).Format(time.RFC3339)}, "level": {"WARNING"}}
	resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+"/streams/debug?"+q.Encode())
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	every := make([]int, h.total)
	for i := range every {
		every[i] = i
	}
	assert.Equal(t, want(every, 100, func(i int) bool { return i >= 30 && i < 45 && i%5 >= 2 }), numbers(t, string(body)))
	_, body = gwtest.Fetch(t, http.MethodGet, srv.URL+"/streams/debug?n=1000000&grep=n%3D00000%20")
	assert.Equal(t, []int{0}, numbers(t, string(body)), "the first line, on the disk alone")
	assert.NotContains(t, strings.Join(rt.Stream("debug").Tail(200), "\n"), "n=00000 ", "the ring gave it up")
	_ = httplog.MaxGrep
}
