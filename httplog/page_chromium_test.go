package httplog_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	chromium "github.com/gwlog/gwlog/internal/browser"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

// pageServer is a runtime with lines on the debug stream, one of them
// with markup in it, and an hour of temperature readings from two sources,
// every 20 seconds up to now, served by its HTTP handler, wrapped by the
// wrappers.
func pageServer(t *testing.T, wrappers ...func(http.Handler) http.Handler) (*gwlog.Runtime, *httptest.Server) {
	t.Helper()
	rt := gwtest.Open(t, gwlog.Options{})
	now := time.Now()
	for i := range 180 { // every 20 s, swinging and jittering
		at := now.Add(-time.Duration(180-i)*20*time.Second + 5*time.Second)
		v := 21 + 1.5*math.Sin(float64(i)/15) + 0.4*float64(i%3)
		for j, src := range []string{"wb/100/CT/1", "wb/100/CT/2"} {
			rt.Events().Write(eventlog.Event{Time: at.Add(time.Duration(j) * time.Second).UnixNano(),
				Type: "webbrick/CT", Source: src,
				Attrs: []eventlog.Attr{eventlog.FloatAttr("val", v+float64(j)), eventlog.StringAttr("unit", "C")}})
		}
	}
	log := rt.Logger("WebBrickGateway.Heating")
	for i := range 59 {
		log.Warn("valve slow", "zone", i%4, "ms", 100+i)
	}
	log.Error("pump <b>stalled</b> & restarted", "html", `<img src=x onerror=alert(1)>`)
	h := rt.HTTPHandler()
	for _, w := range wrappers {
		h = w(h)
	}
	return rt, gwtest.Serve(t, h)
}

// browser is headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: it reads commands on fd 3 and answers on
// fd 4, each message JSON ended by a NUL byte), with one page attached.
// The protocol lets the test wait in real time for what the page shows:
// --dump-dom and --screenshot with --virtual-time-budget cannot, as
// virtual time stands still while a request is open, and the page's
// live tail keeps one open.
type browser struct {
	t       *testing.T
	cmd     *exec.Cmd
	in      *os.File // commands to Chromium
	out     *os.File // its answers and events
	rd      *bufio.Reader
	stderr  *lockedBuffer
	id      int
	session string
}

// lockedBuffer collects a process's output while the test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	return len(p), nil
}

// last returns the last n bytes written, for error messages.
func (l *lockedBuffer) last(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(chromium.LastBytes(l.buf, n))
}

// openBrowser starts Chromium with a blank page of width×height pixels
// and attaches to it. It is closed when the test ends.
func openBrowser(t *testing.T, path string, width, height int) *browser {
	t.Helper()
	dir := t.TempDir()
	toChrome, in, err := os.Pipe()
	require.NoError(t, err)
	out, fromChrome, err := os.Pipe()
	require.NoError(t, err)
	b := &browser{t: t, in: in, out: out, rd: bufio.NewReader(out), stderr: new(lockedBuffer)}
	b.cmd = chromium.Command(context.Background(), path, dir, "--remote-debugging-pipe", "about:blank")
	b.cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fd 3 and fd 4
	b.cmd.Stderr = b.stderr
	require.NoError(t, b.cmd.Start())
	toChrome.Close()
	fromChrome.Close()
	t.Cleanup(b.close)

	var target struct{ TargetID string }
	b.call("Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	b.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	return b
}

// call sends a command to the page (to the browser before it is
// attached) and decodes its result into result, when not nil. Events met
// on the way are skipped.
func (b *browser) call(method string, params, result any) {
	b.t.Helper()
	b.id++
	msg := map[string]any{"id": b.id, "method": method, "params": params}
	if b.session != "" {
		msg["sessionId"] = b.session
	}
	data, err := json.Marshal(msg)
	require.NoError(b.t, err)
	_, err = b.in.Write(append(data, 0))
	require.NoError(b.t, err, "chromium:\n%s", b.stderr.last(4000))
	require.NoError(b.t, b.out.SetReadDeadline(time.Now().Add(30*time.Second)))
	for {
		data, err := b.rd.ReadBytes(0)
		require.NoError(b.t, err, "%s: no answer; chromium:\n%s", method, b.stderr.last(4000))
		var ans struct {
			ID     int
			Result json.RawMessage
			Error  *struct{ Message string }
		}
		require.NoError(b.t, json.Unmarshal(data[:len(data)-1], &ans))
		if ans.ID != b.id {
			continue // an event, or an answer nobody waits for
		}
		require.Nil(b.t, ans.Error, "%s", method)
		if result != nil {
			require.NoError(b.t, json.Unmarshal(ans.Result, result), "%s", method)
		}
		return
	}
}

// eval evaluates a JavaScript expression in the page and returns its
// value, JSON-encoded.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	var r struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct{ Text string }
	}
	b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r)
	require.Nil(b.t, r.ExceptionDetails, "%s", expr)
	return string(r.Result.Value)
}

// waitFor waits until the expression is true, failing the test with the
// page's text after timeout. An expression that throws (the page is still
// loading) counts as false.
func (b *browser) waitFor(what, expr string, timeout time.Duration) {
	b.t.Helper()
	expr = "(() => { try { return !!(" + expr + ") } catch (e) { return false } })()"
	for end := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if b.eval(expr) == "true" {
			return
		}
		if time.Now().After(end) {
			b.t.Fatalf("%s: not within %v; the page shows:\n%s", what, timeout, b.eval("document.body.innerText"))
		}
	}
}

// close closes the browser and waits for it.
func (b *browser) close() {
	done := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(done) }()
	data, _ := json.Marshal(map[string]any{"id": b.id + 1, "method": "Browser.close"})
	_, _ = b.in.Write(append(data, 0))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
	}
	b.in.Close()
	b.out.Close()
}

// TestPageInChromium loads the page in headless Chromium against a real
// runtime and checks that the tail shows the history and then a line
// written after the page connected, that log text stays text, and that
// the graph of the latest series is drawn and redrawn. With
// GWLOG_SAVE_SCREENSHOT=1 it keeps a screenshot as testdata/page.png.
func TestPageInChromium(t *testing.T) {
	path := chromium.Chromium(t)
	rt, srv := pageServer(t)
	b := openBrowser(t, path, 1200, 900)
	b.call("Page.navigate", map[string]any{"url": srv.URL + "/"}, nil)

	const tailJS = `document.getElementById("tail")`
	b.waitFor("the tail follows debug with its history", tailJS+`.dataset.state === "open" && `+
		tailJS+`.dataset.stream === "debug" && `+tailJS+`.dataset.lines === "50"`, 20*time.Second)

	live := "live line " + strconv.FormatInt(time.Now().UnixNano(), 36)
	rt.Logger("WebBrickGateway.Heating").Error(live, "after", "load")
	b.waitFor("the live line", `[...document.querySelectorAll("#tail .line.error")].some(d => d.textContent.includes(`+
		strconv.Quote(live)+`))`, 10*time.Second)
	assert.Equal(t, "51", strings.Trim(b.eval(tailJS+".dataset.lines"), `"`))

	const chartJS = `document.getElementById("chart")`
	b.waitFor("the graph", chartJS+`.dataset.state === "drawn"`, 20*time.Second)
	b.waitFor("a redraw", `+`+chartJS+`.dataset.draws >= 2`, 20*time.Second)
	buckets, err := strconv.Atoi(strings.Trim(b.eval(chartJS+".dataset.buckets"), `"`))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, buckets, 58, "an hour of readings, in 1 minute buckets")
	assert.Equal(t, `"webbrick/CT"`, b.eval(`document.getElementById("type").value`), "the latest series is chosen")
	assert.Equal(t, `"val"`, b.eval(`document.getElementById("attr").value`))

	var dom string
	require.NoError(t, json.Unmarshal([]byte(b.eval("document.documentElement.outerHTML")), &dom))
	assert.Regexp(t, `<path class="band" d="M[0-9.,LMZ]+Z"`, dom)
	assert.Regexp(t, `<path class="line" d="M[0-9.,LM]+"`, dom)
	assert.Contains(t, dom, "webbrick/CT · wb/100/CT/")
	assert.Contains(t, dom, "pump &lt;b&gt;stalled&lt;/b&gt; &amp; restarted", "log text is text")
	assert.NotContains(t, dom, "<img", "no markup from the logs")
	assert.Regexp(t, `RAM [0-9.]+ [KMG]?i?B of|streams hold`, dom, "the counters")

	var shot struct{ Data []byte }
	b.call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	img, err := png.Decode(bytes.NewReader(shot.Data))
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 1200, 900), img.Bounds())
	ink, blue := gwtest.InkCount(img)
	total := img.Bounds().Dx() * img.Bounds().Dy()
	t.Logf("%d of %d pixels inked, %d blue", ink, total, blue)
	assert.Greater(t, ink, total/30, "the page is (nearly) blank")
	assert.Greater(t, blue, total/200, "too little of the graph's line and band shows")
	gwtest.KeepScreenshot(t, "page.png", shot.Data)
}

// TestPageInChromiumWithToken serves the page behind RequireToken: the
// browser sends the token as Basic credentials (here from the URL, as a
// user would type it at the browser's prompt) with every request of the
// page, its live tail's included.
func TestPageInChromiumWithToken(t *testing.T) {
	path := chromium.Chromium(t)
	const token = "gw-0123456789abcdef"
	rt, srv := pageServer(t, func(h http.Handler) http.Handler { return httplog.RequireToken(h, token) })
	b := openBrowser(t, path, 1200, 900)
	u, err := url.Parse(srv.URL + "/")
	require.NoError(t, err)
	u.User = url.UserPassword("admin", token)
	b.call("Page.navigate", map[string]any{"url": u.String()}, nil)

	const tailJS = `document.getElementById("tail")`
	b.waitFor("the tail follows debug", tailJS+`.dataset.state === "open" && `+tailJS+`.dataset.lines === "50"`, 20*time.Second)
	rt.Logger("WebBrickGateway.Heating").Error("behind the token")
	b.waitFor("the live line", `[...document.querySelectorAll("#tail .line")].some(d => d.textContent.includes("behind the token"))`, 10*time.Second)
	b.waitFor("the graph", `document.getElementById("chart").dataset.state === "drawn"`, 20*time.Second)
	assert.Contains(t, b.eval(`document.getElementById("stats").textContent`), "streams hold")
	// What each ring holds in the RAM it takes, events included.
	b.waitFor("what the rings hold", `document.getElementById("held").textContent.includes("events ")`, 10*time.Second)
	held := b.eval(`document.getElementById("held").textContent`)
	assert.Regexp(t, `debug \d+(\.\d)? KiB holds \d+(\.\d)? KiB of log, (59 min|1 h 0 min)`, held, "its event lines go back an hour")
	assert.Regexp(t, `events \d+(\.\d)? KiB hold 360 events, [\d.]+ KiB of records, (59 min|1 h 0 min)`, held)
}
