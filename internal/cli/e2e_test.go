package cli

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/demo"
)

var day = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// simulatedDay writes 24 hours of events from day, a minute apart:
//
//	webbrick/CT wb/100/CT/1  val = 20 + h/2 + m/4 (float), unit C
//	webbrick/CT wb/100/CT/2  val = h (int), unit C
//	webbrick/DO wb/100/DO/1  at hh:30, zone 1, on when h is even, token req-hh
//
// for hour h and minute m of the hour, and one CT/1 reading at 12:15:30
// whose val is the string "n/a". It returns the Seq of each DO event by
// hour and of the odd reading.
func simulatedDay(t *testing.T, rt *gwlog.Runtime) (doSeq map[int]uint64, oddSeq uint64) {
	t.Helper()
	doSeq = map[int]uint64{}
	w := func(ev eventlog.Event) uint64 {
		seq := rt.Events().Write(ev)
		require.NotZero(t, seq)
		return seq
	}
	for i := range 24 * 60 {
		h, m := i/60, i%60
		at := day.Add(time.Duration(i) * time.Minute)
		w(eventlog.Event{Time: at.UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1",
			Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 20+float64(h)/2+float64(m)/4), eventlog.StringAttr("unit", "C")}})
		w(eventlog.Event{Time: at.Add(time.Second).UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/2",
			Attrs: []eventlog.Attr{eventlog.IntAttr("val", int64(h)), eventlog.StringAttr("unit", "C")}})
		if m == 30 {
			doSeq[h] = w(eventlog.Event{Time: at.Add(2 * time.Second).UnixNano(), Type: "webbrick/DO", Source: "wb/100/DO/1",
				Token: fmt.Sprintf("req-%02d", h), Attrs: []eventlog.Attr{eventlog.IntAttr("zone", 1), eventlog.BoolAttr("on", h%2 == 0)}})
		}
		if h == 12 && m == 15 {
			oddSeq = w(eventlog.Event{Time: at.Add(30 * time.Second).UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1",
				Attrs: []eventlog.Attr{eventlog.StringAttr("val", "n/a"), eventlog.StringAttr("note", "sensor lost")}})
		}
	}
	return doSeq, oddSeq
}

// runCLI runs gwlog with args against a test's daemon and returns its
// output, failing the test unless it succeeds without a word on stderr.
type runCLI func(t *testing.T, args ...string) string

func TestEndToEndSimulatedDay(t *testing.T) {
	rt, addr := daemon(t)
	doSeq, oddSeq := simulatedDay(t, rt)
	cli := func(t *testing.T, args ...string) string {
		t.Helper()
		code, out, errs := run2(append([]string{"-addr", addr}, args...)...)
		require.Equal(t, ExitOK, code, errs)
		require.Empty(t, errs)
		return out
	}
	checkDayEvents(t, cli, doSeq, oddSeq)
	checkDaySeries(t, cli)
	checkDayPlots(t, cli)
}

// checkDayEvents reads the simulated day's events back with gwlog events
// (run by cli) in each format; doSeq and oddSeq are simulatedDay's.
func checkDayEvents(t *testing.T, cli runCLI, doSeq map[int]uint64, oddSeq uint64) {
	t.Run("events text", func(t *testing.T) {
		out := cli(t, "events", "-type", "webbrick/DO", "-since", "2026-11-21T00:00:00Z", "-until", "2026-11-21T03:00:00Z")
		want := ""
		for h := range 3 {
			want += fmt.Sprintf("2026-11-21T%02d:30:02.000Z seq=%d webbrick/DO wb/100/DO/1 token=req-%02d zone=1 on=%t\n", h, doSeq[h], h, h%2 == 0)
		}
		assert.Equal(t, want, out)
	})
	t.Run("events text odd reading", func(t *testing.T) {
		out := cli(t, "events", "-source", "wb/100/CT/1", "-where", "note~lost")
		assert.Equal(t, fmt.Sprintf("2026-11-21T12:15:30.000Z seq=%d webbrick/CT wb/100/CT/1 val=n/a note=\"sensor lost\"\n", oddSeq), out)
	})
	t.Run("events csv", func(t *testing.T) {
		out := cli(t, "events", "-source", "wb/100/CT/*", "-since", "2026-11-21T22:00:00Z", "-where", "val>=31", "-where", "val<31.5", "-format", "csv")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.Len(t, lines, 3)
		assert.Equal(t, "seq,time,type,source,token,val,unit", lines[0])
		// From 22:00, 20 + h/2 + m/4 is in [31, 31.5) for m = 0 and 1 only;
		// CT/2 stays below.
		assert.Regexp(t, `^\d+,2026-11-21T22:00:00Z,webbrick/CT,wb/100/CT/1,,31,C$`, lines[1])
		assert.Regexp(t, `^\d+,2026-11-21T22:01:00Z,webbrick/CT,wb/100/CT/1,,31.25,C$`, lines[2])
	})
	t.Run("events csv columns", func(t *testing.T) {
		out := cli(t, "events", "-source", "wb/100/*", "-since", "2026-11-21T12:15:00Z", "-until", "2026-11-21T12:16:00Z", "-format", "csv")
		assert.Equal(t, "seq,time,type,source,token,val,unit,note\n"+
			fmt.Sprintf("%d,2026-11-21T12:15:00Z,webbrick/CT,wb/100/CT/1,,29.75,C,\n", oddSeq-2)+
			fmt.Sprintf("%d,2026-11-21T12:15:01Z,webbrick/CT,wb/100/CT/2,,12,C,\n", oddSeq-1)+
			fmt.Sprintf("%d,2026-11-21T12:15:30Z,webbrick/CT,wb/100/CT/1,,n/a,,sensor lost\n", oddSeq), out)
	})
	t.Run("events json", func(t *testing.T) {
		out := cli(t, "events", "-type", "webbrick/DO", "-reverse", "-limit", "1", "-format", "json")
		assert.Equal(t, fmt.Sprintf(`{"seq":%d,"time":"2026-11-21T23:30:02Z","type":"webbrick/DO","source":"wb/100/DO/1","token":"req-23","attrs":{"zone":1,"on":false}}`+"\n", doSeq[23]), out)
	})
	t.Run("events token", func(t *testing.T) {
		out := cli(t, "events", "-token", "req-07", "-format", "json")
		var ev struct {
			Seq   uint64
			Attrs map[string]any
		}
		require.NoError(t, json.Unmarshal([]byte(out), &ev))
		assert.Equal(t, doSeq[7], ev.Seq)
		assert.Equal(t, false, ev.Attrs["on"])
	})
}

// checkDaySeries reads the simulated day's readings back as series with
// gwlog series (run by cli).
func checkDaySeries(t *testing.T, cli runCLI) {
	t.Run("series json", func(t *testing.T) {
		out := cli(t, "series", "-type", "webbrick/CT", "-source", "wb/100/CT/1", "-attr", "val", "-step", "1h",
			"-since", "2026-11-21T00:00:00Z", "-until", "2026-11-22T00:00:00Z")
		var a httplog.SeriesAnswer
		require.NoError(t, json.Unmarshal([]byte(out), &a))
		require.Len(t, a.Buckets, 24)
		assert.Equal(t, 1, a.Skipped, "the n/a reading")
		for h, b := range a.Buckets {
			base := 20 + float64(h)/2
			assert.Equal(t, eventlog.Bucket{Start: day.Add(time.Duration(h) * time.Hour), Count: 60,
				Min: base, Max: base + 14.75, Avg: base + 7.375, Last: base + 14.75}, b, "hour %d", h)
		}
	})
	t.Run("series csv with gaps", func(t *testing.T) {
		out := cli(t, "series", "-type", "webbrick/CT", "-source", "wb/100/CT/2", "-attr", "val", "-step", "6h",
			"-since", "2026-11-20T12:00:00Z", "-until", "2026-11-22T00:00:00Z", "-format", "csv")
		assert.Equal(t, "start,count,min,max,avg,last\n"+
			"2026-11-20T12:00:00Z,0,,,,\n"+
			"2026-11-20T18:00:00Z,0,,,,\n"+
			"2026-11-21T00:00:00Z,360,0,5,2.5,5\n"+
			"2026-11-21T06:00:00Z,360,6,11,8.5,11\n"+
			"2026-11-21T12:00:00Z,360,12,17,14.5,17\n"+
			"2026-11-21T18:00:00Z,360,18,23,20.5,23\n", out)
	})
}

// checkDayPlots draws the simulated day's readings with gwlog plot (run by
// cli) and checks the charts.
func checkDayPlots(t *testing.T, cli runCLI) {
	t.Run("plot", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "x.svg")
		out := cli(t, "plot", "-type", "webbrick/CT", "-source", "wb/100/CT/1", "-attr", "val", "-step", "30m",
			"-since", "2026-11-21T00:00:00Z", "-until", "2026-11-22T00:00:00Z", "-o", file)
		assert.Empty(t, out)
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		svg := scanSVG(t, b)
		assert.Equal(t, "webbrick/CT wb/100/CT/1 val", svg.texts["title"][0])
		assert.Equal(t, []string{"C"}, svg.texts["unit"], "the unit comes from the events")
		assert.Contains(t, svg.texts["x-labels"], "12:00")
		assert.Contains(t, svg.texts["x-labels"], "Nov 22")
		assert.Contains(t, svg.texts["y-labels"], "20")
		assert.Contains(t, svg.texts["y-labels"], "45")
		require.Len(t, svg.paths["line"], 1)
		require.Len(t, svg.paths["band"], 1)
		// 48 half-hour averages, rising all day: one subpath whose y
		// (downwards) falls from point to point except where the quarter
		// hours restart.
		pts := points(t, svg.paths["line"][0])
		require.Len(t, pts, 48)
		for i := 2; i < len(pts); i += 2 {
			assert.Less(t, pts[i][1], pts[i-2][1], "hourly averages rise")
			assert.Greater(t, pts[i][0], pts[i-1][0], "time runs right")
		}
	})
	t.Run("plot to stdout with title", func(t *testing.T) {
		out := cli(t, "plot", "-type", "webbrick/CT", "-source", "wb/100/CT/2", "-attr", "val", "-step", "1h",
			"-since", "2026-11-21T06:00:00Z", "-until", "2026-11-21T12:00:00Z", "-o", "-", "-title", "Zone 2 <hall>", "-unit", "°C")
		svg := scanSVG(t, []byte(out))
		assert.Equal(t, []string{"Zone 2 <hall>"}, svg.texts["title"])
		assert.Equal(t, []string{"°C"}, svg.texts["unit"])
		assert.Len(t, points(t, svg.paths["line"][0]), 6)
	})
}

// TestEndToEndDemo runs the demo gateway fast and reads its events back.
func TestEndToEndDemo(t *testing.T) {
	rt, addr := daemon(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); demo.Run(ctx, rt, demo.Options{Rate: 50}) }()
	defer func() { cancel(); <-done }()

	var out string
	require.Eventually(t, func() bool {
		code, o, _ := run2("-addr", addr, "events", "-type", demo.TypeValve, "-where", "zone>=1", "-format", "json")
		out = o
		return code == ExitOK && strings.Contains(o, `"token":"req-`)
	}, 20*time.Second, 50*time.Millisecond, "a request switches a valve")
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		assert.Regexp(t, `^\{"seq":\d+,"time":"[^"]+","type":"webbrick/DO","source":"wb/10\d/DO/\d","token":"(req-[0-9a-f]{8})?","attrs":\{"zone":[1-4],"on":(true|false)\}\}$`, l)
	}

	code, out, errs := run2("-addr", addr, "series", "-type", demo.TypeTemperature, "-source", "wb/100/CT/1", "-attr", "val",
		"-step", "1s", "-since", "-1m", "-format", "csv")
	require.Equal(t, ExitOK, code, errs)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 62, "a header and 61 buckets: the minute widened to whole seconds")
	assert.Regexp(t, `^\S+:\d\dZ,`, lines[1], "on a whole second")
	readings := 0
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		require.Len(t, f, 6)
		n, err := strconv.Atoi(f[1])
		require.NoError(t, err)
		readings += n
		if n > 0 {
			avg, err := strconv.ParseFloat(f[4], 64)
			require.NoError(t, err)
			assert.InDelta(t, 19.5, avg, 3, "around zone 1's setpoint")
		}
	}
	assert.Positive(t, readings)

	file := filepath.Join(t.TempDir(), "demo.svg")
	code, _, errs = run2("-addr", addr, "plot", "-type", demo.TypeTemperature, "-source", "wb/*/CT/*", "-attr", "val",
		"-step", "1s", "-since", "-1m", "-o", file)
	require.Equal(t, ExitOK, code, errs)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	svg := scanSVG(t, b)
	assert.Equal(t, []string{"C"}, svg.texts["unit"])
	assert.NotEmpty(t, svg.paths["line"])
}

// svgSummary is what the tests look at in a chart: the text of each text
// element by the class of its element or group, and the d of each path
// by class.
type svgSummary struct {
	texts map[string][]string
	paths map[string][]string
}

// scanSVG parses an SVG document with encoding/xml.
func scanSVG(t *testing.T, b []byte) svgSummary {
	t.Helper()
	s := svgSummary{texts: map[string][]string{}, paths: map[string][]string{}}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	var classes []string // of the open elements
	root := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case xml.StartElement:
			if root {
				require.Equal(t, "svg", tok.Name.Local)
				root = false
			}
			class, path := "", ""
			for _, a := range tok.Attr {
				switch a.Name.Local {
				case "class":
					f := strings.Fields(a.Value)
					class = f[len(f)-1]
				case "d":
					path = a.Value
				}
			}
			if tok.Name.Local == "path" {
				s.paths[class] = append(s.paths[class], path)
			}
			if class == "" && len(classes) > 0 {
				class = classes[len(classes)-1]
			}
			classes = append(classes, class)
		case xml.EndElement:
			classes = classes[:len(classes)-1]
		case xml.CharData:
			if len(classes) > 0 && strings.TrimSpace(string(tok)) != "" {
				c := classes[len(classes)-1]
				s.texts[c] = append(s.texts[c], string(tok))
			}
		}
	}
	require.False(t, root, "no svg element")
	return s
}

// points parses the points of a path of one M…L… subpath.
func points(t *testing.T, d string) [][2]float64 {
	t.Helper()
	require.Equal(t, 1, strings.Count(d, "M"), "one subpath: %s", d)
	var out [][2]float64
	for _, p := range strings.FieldsFunc(d, func(r rune) bool { return r == 'M' || r == 'L' }) {
		p = strings.TrimSuffix(p, "h0")
		x, y, ok := strings.Cut(p, ",")
		require.True(t, ok, p)
		fx, err := strconv.ParseFloat(x, 64)
		require.NoError(t, err)
		fy, err := strconv.ParseFloat(y, 64)
		require.NoError(t, err)
		out = append(out, [2]float64{fx, fy})
	}
	return out
}
