package cli

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tinylib/msgp/msgp"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

func TestEventsFormats(t *testing.T) {
	rt, addr := daemon(t)
	at := time.Date(2026, 11, 21, 10, 0, 0, 123e6, time.UTC)
	rt.Events().Write(eventlog.Event{Time: at.UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1",
		Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 21.5), eventlog.StringAttr("unit", "C")}})
	rt.Events().Write(eventlog.Event{Time: at.Add(time.Second).UnixNano(), Type: "panel/button", Source: "hall panel", Token: "req-1",
		Attrs: []eventlog.Attr{eventlog.StringAttr("label", `say "hi"`), eventlog.StringAttr("empty", ""), eventlog.IntAttr("n", 3),
			eventlog.IntAttr("n", 4), eventlog.StringAttr("k=v", "a\nb")}})
	rt.Events().Write(eventlog.Event{Time: at.Add(2 * time.Second).UnixNano()})

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"text", []string{"events"}, "" +
			"2026-11-21T10:00:00.123Z seq=1 webbrick/CT wb/100/CT/1 val=21.5 unit=C\n" +
			`2026-11-21T10:00:01.123Z seq=2 panel/button "hall panel" token=req-1 label="say \"hi\"" empty="" n=3 n=4 "k=v"="a\nb"` + "\n" +
			"2026-11-21T10:00:02.123Z seq=3 - -\n"},
		{"json", []string{"events", "-format", "json", "-limit", "1"},
			`{"seq":1,"time":"2026-11-21T10:00:00.123Z","type":"webbrick/CT","source":"wb/100/CT/1","token":"","attrs":{"val":21.5,"unit":"C"}}` + "\n"},
		{"csv", []string{"events", "-format", "csv"}, "" +
			"seq,time,type,source,token,val,unit,label,empty,n,k=v\n" +
			"1,2026-11-21T10:00:00.123Z,webbrick/CT,wb/100/CT/1,,21.5,C,,,,\n" +
			`2,2026-11-21T10:00:01.123Z,panel/button,hall panel,req-1,,,"say ""hi""",,3,"a` + "\n" + `b"` + "\n" +
			"3,2026-11-21T10:00:02.123Z,,,,,,,,,\n"},
		{"csv nothing", []string{"events", "-format", "csv", "-type", "none"}, "seq,time,type,source,token\n"},
		{"text nothing", []string{"events", "-type", "none"}, ""},
		{"reverse", []string{"events", "-reverse", "-limit", "1", "-where", "unit=C"},
			"2026-11-21T10:00:00.123Z seq=1 webbrick/CT wb/100/CT/1 val=21.5 unit=C\n"},
		{"where both", []string{"events", "-where", "n>=3", "-where", "label~hi", "-format", "json"},
			`{"seq":2,"time":"2026-11-21T10:00:01.123Z","type":"panel/button","source":"hall panel","token":"req-1","attrs":{"label":"say \"hi\"","empty":"","n":3,"n":4,"k=v":"a\nb"}}` + "\n"},
		{"since unix and glob", []string{"events", "-since", "1795255201", "-format", "json", "-source", "*panel"},
			`{"seq":2,"time":"2026-11-21T10:00:01.123Z","type":"panel/button","source":"hall panel","token":"req-1","attrs":{"label":"say \"hi\"","empty":"","n":3,"n":4,"k=v":"a\nb"}}` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run2(append([]string{"-addr", addr}, tc.args...)...)
			require.Equal(t, ExitOK, code, errs)
			assert.Empty(t, errs)
			assert.Equal(t, tc.want, out)
		})
	}
}

func TestEventsSeriesPlotErrors(t *testing.T) {
	_, addr := daemon(t)
	series := []string{"-type", "t", "-source", "s", "-attr", "a", "-step", "1m"}
	with := func(cmd []string, more ...string) []string { return append(append(cmd, series...), more...) }
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"format", []string{"events", "-format", "xml"}, ExitUsage, `gwlog: usage: -format: want text, json or csv, got "xml"`},
		{"since", []string{"events", "-since", "yesterday"}, ExitUsage, `gwlog: usage: -since: want RFC 3339`},
		{"until", []string{"events", "-until", "-3q"}, ExitUsage, `gwlog: usage: -until: want RFC 3339`},
		{"where", []string{"events", "-where", "temp"}, ExitUsage, `invalid value "temp" for flag -where: want KEY OP VALUE`},
		{"limit", []string{"events", "-limit", "-2"}, ExitUsage, "-limit -2 is negative"},
		{"argument", []string{"events", "debug"}, ExitUsage, `events takes flags only, got "debug"`},
		{"order from the daemon", []string{"events", "-since", "now", "-until", "-1h"}, ExitUsage, "gwlog: usage: since: "},
		{"series type", []string{"series", "-source", "s", "-attr", "a", "-step", "1m"}, ExitUsage, "series: -type is required (-source '*' takes every source)"},
		{"series attr", []string{"series", "-type", "t", "-source", "s", "-step", "1m"}, ExitUsage, "series: -attr is required"},
		{"series step", []string{"series", "-type", "t", "-source", "s", "-attr", "a"}, ExitUsage, "series: -step is required"},
		{"series bad step", with([]string{"series"}, "-step", "0s"), ExitUsage, `-step: want a positive duration such as 5m, 1h or 1d, got "0s"`},
		{"series format", with([]string{"series"}, "-format", "text"), ExitUsage, `-format: want json or csv, got "text"`},
		{"series since", with([]string{"series"}, "-since", "x"), ExitUsage, "-since: want RFC 3339"},
		{"series too many buckets", with([]string{"series"}, "-step", "1ms"), ExitUsage, "gwlog: usage: step: 1ms makes 86400001 buckets"},
		{"plot no file", with([]string{"plot"}), ExitUsage, "plot: -o FILE.svg is required"},
		{"plot width", with([]string{"plot", "-o", "x.svg", "-width", "0"}), ExitUsage, "-width and -height must be positive"},
		{"plot no source", []string{"plot", "-o", "x.svg", "-type", "t", "-attr", "a", "-step", "1m"}, ExitUsage, "plot: -source is required"},
		{"plot unwritable", with([]string{"plot", "-o", "/nonexistent/dir/x.svg"}), ExitFailure, "gwlog: plot: open /nonexistent/dir/x.svg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run2(append([]string{"-addr", addr}, tc.args...)...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, errs, tc.msg)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
			assert.Empty(t, out)
		})
	}
	for _, cmd := range [][]string{{"events"}, with([]string{"series"}), with([]string{"plot", "-o", "x.svg"})} {
		code, _, errs := run2(append([]string{"-addr", "127.0.0.1:1"}, cmd...)...)
		assert.Equal(t, ExitFailure, code, cmd[0])
		assert.Contains(t, errs, "gwlog: cannot reach gwlogd at http://127.0.0.1:1", cmd[0])
	}
}

// TestSkippedRecords checks that records the daemon skipped are reported
// after the output, on one line, and fail the command.
func TestSkippedRecords(t *testing.T) {
	ev, err := (&eventlog.Event{Seq: 7, Time: 1, Type: "t", Source: "s"}).MarshalMsg(nil)
	require.NoError(t, err)
	trailer := msgp.AppendMapHeader(nil, 3)
	trailer = msgp.AppendString(trailer, "error")
	trailer = msgp.AppendString(trailer, "1 corrupt record skipped (first: crc)")
	trailer = msgp.AppendString(trailer, "corrupt")
	trailer = msgp.AppendInt(trailer, 1)
	trailer = msgp.AppendString(trailer, "evicted")
	trailer = msgp.AppendInt(trailer, 0)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, httplog.MsgpackType, r.Header.Get("Accept"))
		w.Header().Set("Content-Type", httplog.MsgpackType)
		_, _ = w.Write(append(append([]byte{}, ev...), trailer...))
	})
	mux.HandleFunc("GET /series", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"buckets":[{"start":"2026-11-21T00:00:00Z","count":2,"min":1,"max":3,"avg":2,"last":3}],"skipped":0,"error":"2 corrupt records skipped (first: crc)","corrupt":2}`))
	})
	srv := gwtest.Serve(t, mux)
	addr := strings.TrimPrefix(srv.URL, "http://")

	code, out, errs := run2("-addr", addr, "events")
	assert.Equal(t, ExitFailure, code)
	assert.Equal(t, "1970-01-01T00:00:00.000Z seq=7 t s\n", out, "the events before the report are printed")
	assert.Equal(t, "gwlog: gwlogd: 1 corrupt record skipped (first: crc)\n", errs)

	code, out, errs = run2("-addr", addr, "series", "-type", "t", "-source", "s", "-attr", "a", "-step", "1h", "-format", "csv")
	assert.Equal(t, ExitFailure, code)
	assert.Equal(t, "start,count,min,max,avg,last\n2026-11-21T00:00:00Z,2,1,3,2,3\n", out)
	assert.Equal(t, "gwlog: gwlogd: 2 corrupt records skipped (first: crc)\n", errs)

	file := filepath.Join(t.TempDir(), "x.svg")
	code, _, errs = run2("-addr", addr, "plot", "-type", "t", "-source", "s", "-attr", "a", "-step", "1h", "-o", file)
	assert.Equal(t, ExitFailure, code)
	assert.Equal(t, "gwlog: gwlogd: 2 corrupt records skipped (first: crc)\n", errs)
	b, err := os.ReadFile(file)
	require.NoError(t, err, "the chart of what could be read is written")
	assert.True(t, bytes.HasPrefix(b, []byte("<?xml")))
}

func TestReadEventsBadInput(t *testing.T) {
	ev, err := (&eventlog.Event{Seq: 1, Type: "t"}).MarshalMsg(nil)
	require.NoError(t, err)
	// An event whose attrs claim 2³²-1 elements: refused before anything
	// is allocated for them.
	huge := msgp.AppendArrayHeader(nil, 6)
	huge = msgp.AppendUint64(huge, 1)
	huge = msgp.AppendInt64(huge, 1)
	huge = msgp.AppendString(msgp.AppendString(msgp.AppendString(huge, "t"), "s"), "")
	huge = append(huge, 0xdd, 0xff, 0xff, 0xff, 0xff)
	tests := []struct {
		name  string
		input []byte
		n     int
		err   string
	}{
		{"empty", nil, 0, ""},
		{"two", append(append([]byte{}, ev...), ev...), 2, ""},
		{"truncated", ev[:len(ev)-1], 0, "gwlogd sent bad msgpack"},
		{"not an event", msgp.AppendArrayHeader(nil, 2), 0, "gwlogd sent bad msgpack"},
		{"wrong shape", msgp.AppendInt(nil, 5), 0, "gwlogd sent a bad event"},
		{"map without error", msgp.AppendMapHeader(nil, 0), 0, "gwlogd sent an unexpected map"},
		{"garbage", []byte{0xc1}, 0, "gwlogd sent bad msgpack"},
		{"huge attr count", huge, 0, "gwlogd sent bad msgpack"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			err := readEvents(bytes.NewReader(tc.input), func(*eventlog.Event) error { n++; return nil })
			assert.Equal(t, tc.n, n)
			if tc.err == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.err)
			}
		})
	}
}
