package httplog_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	chromium "github.com/gwlog/gwlog/internal/browser"
	"github.com/gwlog/gwlog/internal/gwtest"
)

// TestPageFreshGateway loads the page on a gateway that started seconds
// ago: the graph picks a window the readings fill (a minute, not an
// hour), draws the silent seconds between them as a gap, the page lists
// the event types and sources held and each stream's history, and a
// source's button graphs it. With GWLOG_SAVE_SCREENSHOT=1 it keeps a
// screenshot as testdata/page-fresh.png.
func TestPageFreshGateway(t *testing.T) {
	path := chromium.Chromium(t)
	rt := gwtest.Open(t, gwlog.Options{})
	now := time.Now()
	for i := range 20 { // a reading a second, with ten silent seconds in the middle
		if i >= 6 && i < 14 {
			continue
		}
		at := now.Add(-time.Duration(20-i) * time.Second)
		for j, src := range []string{"wb/100/CT/1", "wb/101/CT/1"} {
			rt.Events().Write(eventlog.Event{Time: at.UnixNano(), Type: "webbrick/CT", Source: src,
				Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 20+math.Sin(float64(i)/3)+float64(j)), eventlog.StringAttr("unit", "C")}})
		}
	}
	rt.Events().Write(eventlog.Event{Time: now.UnixNano(), Type: "webbrick/DO", Source: "wb/100/DO/2",
		Attrs: []eventlog.Attr{eventlog.BoolAttr("on", true)}})
	for i := range 30 {
		rt.Logger("WebBrickGateway.Comms").Warn("slow response", "node", "wb/100", "ms", 700+i)
	}
	srv := gwtest.Serve(t, rt.HTTPHandler())
	b := openBrowser(t, path, 1200, 1300)
	b.call("Page.navigate", map[string]any{"url": srv.URL + "/"}, nil)

	const chartJS = `document.getElementById("chart")`
	b.waitFor("the graph", chartJS+`.dataset.state === "drawn"`, 20*time.Second)
	assert.Equal(t, `"60"`, b.eval(chartJS+".dataset.span"), "a minute's window for twenty seconds of readings")
	buckets, err := strconv.Atoi(strings.Trim(b.eval(chartJS+".dataset.buckets"), `"`))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, buckets, 10, "one-second buckets, most of the readings on their own")
	var d string
	require.NoError(t, json.Unmarshal([]byte(b.eval(`document.querySelector("#chart path.line").getAttribute("d")`)), &d))
	assert.GreaterOrEqual(t, strings.Count(d, "M"), 2, "the silent seconds are a gap in the line: %s", d)
	assert.Contains(t, b.eval(`document.getElementById("chart-caption").textContent`), "buckets of 1 s")

	b.waitFor("the event types", `document.getElementById("event-types").dataset.rows === "3"`, 10*time.Second)
	var rows []string
	require.NoError(t, json.Unmarshal([]byte(b.eval(`[...document.querySelectorAll("#event-types tbody tr")].map(r => r.innerText)`)), &rows))
	require.Len(t, rows, 3)
	assert.Regexp(t, `^webbrick/CT\twb/100/CT/1\t12\t\d\d:\d\d:\d\d\t\d\d:\d\d:\d\d\tval$`, rows[0])
	assert.Regexp(t, `^webbrick/CT\twb/101/CT/1\t12\t`, rows[1])
	assert.Regexp(t, `^webbrick/DO\twb/100/DO/2\t1\t.*\t–$`, rows[2], "no numeric attribute")
	assert.Contains(t, b.eval(`document.getElementById("types-status").textContent`), "2 types from 3 sources")

	b.waitFor("the history", `document.getElementById("history").dataset.rows === "4"`, 10*time.Second)
	var hist []string
	require.NoError(t, json.Unmarshal([]byte(b.eval(`[...document.querySelectorAll("#history tbody tr")].map(r => r.innerText)`)), &hist))
	debug := ""
	for _, h := range hist {
		if strings.HasPrefix(h, "debug\t") {
			debug = h
		}
	}
	assert.Regexp(t, `^debug\t1\t\d+\t[0-9.]+ KiB\t\d\d:\d\d:\d\d\t\d\d:\d\d:\d\d$`, debug, "debug's history: %q", hist)
	assert.Contains(t, hist, "access\t1\t0\t0 B\t–\t–", "an empty stream")
	assert.NotNil(t, b.eval(`document.getElementById("stream-stats")`), "the place for the ring figures")

	// A source's button graphs it.
	draws := strings.Trim(b.eval(chartJS+".dataset.draws"), `"`)
	b.eval(`[...document.querySelectorAll("#event-types button")].find(x => x.textContent === "wb/101/CT/1").click()`)
	b.waitFor("the chosen source's graph", `document.getElementById("source").value === "wb/101/CT/1" && `+chartJS+`.dataset.draws !== "`+draws+`"`, 10*time.Second)
	var caption string
	require.NoError(t, json.Unmarshal([]byte(b.eval(`document.getElementById("chart-caption").textContent`)), &caption))
	assert.Contains(t, caption, "webbrick/CT · wb/101/CT/1 · val: 12 values in 12 of 61 buckets of 1 s")

	var shot struct{ Data []byte }
	b.call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	img, err := png.Decode(bytes.NewReader(shot.Data))
	require.NoError(t, err)
	ink, blue := gwtest.InkCount(img)
	total := img.Bounds().Dx() * img.Bounds().Dy()
	t.Logf("%d of %d pixels inked, %d blue", ink, total, blue)
	assert.Greater(t, blue, total/2000, "too little of the graph's line shows")
	gwtest.KeepScreenshot(t, "page-fresh.png", shot.Data)
}
