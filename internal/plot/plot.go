package plot

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/gwlog/gwlog/eventlog"
)

// The chart's size when Options leave it zero, and the least size drawn.
const (
	DefaultWidth  = 900
	DefaultHeight = 500
	MinWidth      = 240
	MinHeight     = 160
)

// Options configure a chart. The zero value means the defaults.
type Options struct {
	// Title is drawn above the chart; empty means none.
	Title string
	// Unit labels the value axis ("C", "%"); empty means none.
	Unit string
	// Width and Height are the chart's size in pixels; zero means
	// DefaultWidth and DefaultHeight, and smaller sizes are raised to
	// MinWidth and MinHeight.
	Width, Height int
	// Location is the time zone of the time axis; nil means UTC.
	Location *time.Location
	// Step is the bucket width; zero means the gap between the first two
	// buckets, or one minute for a series of one bucket.
	Step time.Duration
}

// Colours of the chart.
const (
	lineColour = "#1f5fa8"
	bandColour = "#4a90d9"
	axisColour = "#444"
	gridColour = "#e4e4e4"
	textColour = "#222"
)

// SVG writes the chart of s to w as a standalone SVG document. It
// returns w's error, if any. s is only read.
func SVG(w io.Writer, s eventlog.Series, o Options) error {
	_, err := w.Write(AppendSVG(nil, s, o))
	return err
}

// AppendSVG appends the chart of s, a standalone SVG document, to dst
// and returns the extended slice. s is only read; the result shares no
// memory with it.
func AppendSVG(dst []byte, s eventlog.Series, o Options) []byte {
	c := newChart(dst, s, o)
	c.render()
	return c.b
}

// chart is one rendering: the layout and the output buffer.
type chart struct {
	b    []byte
	s    eventlog.Series
	o    Options
	loc  *time.Location
	step time.Duration

	w, h           float64 // the whole picture
	x0, x1, y0, y1 float64 // the plot area: x0 < x1, y0 (top) < y1 (bottom)
	t0, t1         time.Time
	v0, v1         float64 // value domain, after rounding to ticks
	vstep          float64 // value tick spacing
	empty          bool    // no bucket has a value
}

// Layout in pixels.
const (
	marginTop    = 44
	marginRight  = 32
	marginBottom = 58
	charWidth    = 7 // a sans-serif digit at 12px, roughly
)

func newChart(dst []byte, s eventlog.Series, o Options) *chart {
	c := &chart{b: dst, s: s, o: o, loc: o.Location}
	if c.loc == nil {
		c.loc = time.UTC
	}
	c.w, c.h = float64(o.Width), float64(o.Height)
	if o.Width == 0 {
		c.w = DefaultWidth
	}
	if o.Height == 0 {
		c.h = DefaultHeight
	}
	c.w, c.h = max(c.w, MinWidth), max(c.h, MinHeight)

	c.step = o.Step
	if c.step <= 0 && len(s.Buckets) > 1 {
		c.step = s.Buckets[1].Start.Sub(s.Buckets[0].Start)
	}
	if c.step <= 0 {
		c.step = time.Minute
	}
	if len(s.Buckets) > 0 {
		c.t0 = s.Buckets[0].Start
		c.t1 = s.Buckets[len(s.Buckets)-1].Start.Add(c.step)
	} else {
		c.t0 = time.Unix(0, 0)
		c.t1 = c.t0.Add(c.step)
	}

	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range s.Buckets {
		if b := &s.Buckets[i]; has(b) {
			lo, hi = min(lo, b.Min, b.Avg), max(hi, b.Max, b.Avg)
		}
	}
	if c.empty = lo > hi; c.empty {
		lo, hi = 0, 1
	}
	if lo == hi {
		pad := math.Abs(lo) * 0.1
		if pad == 0 {
			pad = 1
		}
		lo, hi = lo-pad, hi+pad
	}
	c.y0, c.y1 = marginTop, c.h-marginBottom
	c.v0, c.v1, c.vstep = niceRange(lo, hi, max(2, int((c.y1-c.y0)/48)))

	// The left margin fits the widest value label and the unit.
	widest := 0
	for _, v := range c.valueTicks() {
		widest = max(widest, len(c.valueLabel(v)))
	}
	c.x0 = float64(widest*charWidth + 18)
	if o.Unit != "" {
		c.x0 += 18
	}
	c.x0 = max(c.x0, 44)
	c.x1 = c.w - marginRight
	return c
}

// has reports whether a bucket has a value to draw.
func has(b *eventlog.Bucket) bool {
	return b.Count > 0 && finite(b.Min) && finite(b.Max) && finite(b.Avg)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// x maps a time to a horizontal pixel.
func (c *chart) x(t time.Time) float64 {
	span := float64(c.t1.Sub(c.t0))
	return c.x0 + float64(t.Sub(c.t0))/span*(c.x1-c.x0)
}

// y maps a value to a vertical pixel.
func (c *chart) y(v float64) float64 {
	return c.y1 - (v-c.v0)/(c.v1-c.v0)*(c.y1-c.y0)
}

// mid is the time a bucket's point is drawn at.
func (c *chart) mid(b *eventlog.Bucket) time.Time { return b.Start.Add(c.step / 2) }

func (c *chart) render() {
	c.str(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	c.str(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="`)
	c.num(c.w)
	c.str(`" height="`)
	c.num(c.h)
	c.str(`" viewBox="0 0 `)
	c.num(c.w)
	c.str(" ")
	c.num(c.h)
	c.str(`" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12" fill="` + textColour + `">` + "\n")
	if c.o.Title != "" {
		c.str("<title>")
		c.text(c.o.Title)
		c.str("</title>\n")
	}
	c.str(`<rect class="background" x="0" y="0" width="100%" height="100%" fill="#fff"/>` + "\n")
	c.header()
	c.grid()
	c.band()
	c.line()
	c.axes()
	c.str("</svg>\n")
}

// header draws the title and the legend.
func (c *chart) header() {
	if c.o.Title != "" {
		c.str(`<text class="title" x="`)
		c.num(c.x0)
		c.str(`" y="26" font-size="16" font-weight="bold">`)
		c.text(c.o.Title)
		c.str("</text>\n")
	}
	// Legend, right-aligned above the plot area.
	x := c.x1 - 190
	c.str(`<g class="legend">` + "\n")
	c.str(`<rect x="`)
	c.num(x)
	c.str(`" y="16" width="22" height="12" fill="` + bandColour + `" fill-opacity="0.3"/>`)
	c.str(`<text x="`)
	c.num(x + 28)
	c.str(`" y="26">min–max</text>` + "\n")
	c.str(`<line x1="`)
	c.num(x + 100)
	c.str(`" y1="22" x2="`)
	c.num(x + 122)
	c.str(`" y2="22" stroke="` + lineColour + `" stroke-width="2"/>`)
	c.str(`<text x="`)
	c.num(x + 128)
	c.str(`" y="26">average</text>` + "\n")
	c.str("</g>\n")
}

// grid draws the horizontal and vertical guide lines behind the data.
func (c *chart) grid() {
	c.str(`<g class="grid" stroke="` + gridColour + `" stroke-width="1">` + "\n")
	for _, v := range c.valueTicks() {
		c.rule(c.x0, c.y(v), c.x1, c.y(v))
	}
	for _, t := range c.timeTicks() {
		c.rule(c.x(t.at), c.y0, c.x(t.at), c.y1)
	}
	c.str("</g>\n")
}

// rule draws a straight line from (x1, y1) to (x2, y2) in the group's
// stroke: an axis, a tick or a grid line.
func (c *chart) rule(x1, y1, x2, y2 float64) {
	c.str(`<line x1="`)
	c.num(x1)
	c.str(`" y1="`)
	c.num(y1)
	c.str(`" x2="`)
	c.num(x2)
	c.str(`" y2="`)
	c.num(y2)
	c.str(`"/>` + "\n")
}

// runs returns the runs of consecutive buckets that have values, as
// [first, last] index pairs.
func (c *chart) runs() [][2]int {
	var out [][2]int
	start := -1
	for i := range c.s.Buckets {
		switch ok := has(&c.s.Buckets[i]); {
		case ok && start < 0:
			start = i
		case !ok && start >= 0:
			out = append(out, [2]int{start, i - 1})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(c.s.Buckets) - 1})
	}
	return out
}

// band draws the min–max range of each run as one closed shape: the
// maxima left to right, then the minima back. A run of one bucket is a
// narrow bar so that it still shows.
func (c *chart) band() {
	runs := c.runs()
	if len(runs) == 0 {
		return
	}
	c.str(`<path class="band" fill="` + bandColour + `" fill-opacity="0.3" stroke="none" d="`)
	bk := c.s.Buckets
	for _, r := range runs {
		if r[0] == r[1] {
			b := &bk[r[0]]
			x := c.x(c.mid(b))
			c.str("M")
			c.pt(x-3, c.y(b.Max))
			c.str("L")
			c.pt(x+3, c.y(b.Max))
			c.str("L")
			c.pt(x+3, c.y(b.Min))
			c.str("L")
			c.pt(x-3, c.y(b.Min))
			c.str("Z")
			continue
		}
		for i := r[0]; i <= r[1]; i++ {
			if i == r[0] {
				c.str("M")
			} else {
				c.str("L")
			}
			c.pt(c.x(c.mid(&bk[i])), c.y(bk[i].Max))
		}
		for i := r[1]; i >= r[0]; i-- {
			c.str("L")
			c.pt(c.x(c.mid(&bk[i])), c.y(bk[i].Min))
		}
		c.str("Z")
	}
	c.str(`"/>` + "\n")
}

// line draws the averages, one subpath per run, so that empty buckets
// leave gaps. A lone point is a zero-length subpath, which round caps
// draw as a dot, and a small circle.
func (c *chart) line() {
	runs := c.runs()
	if len(runs) == 0 {
		c.str(`<text class="nodata" x="`)
		c.num((c.x0 + c.x1) / 2)
		c.str(`" y="`)
		c.num((c.y0 + c.y1) / 2)
		c.str(`" text-anchor="middle" font-size="14" fill="#888">no data</text>` + "\n")
		return
	}
	c.str(`<path class="line" fill="none" stroke="` + lineColour + `" stroke-width="2" stroke-linejoin="round" stroke-linecap="round" d="`)
	bk := c.s.Buckets
	for _, r := range runs {
		for i := r[0]; i <= r[1]; i++ {
			if i == r[0] {
				c.str("M")
			} else {
				c.str("L")
			}
			c.pt(c.x(c.mid(&bk[i])), c.y(bk[i].Avg))
		}
		if r[0] == r[1] {
			c.str("h0")
		}
	}
	c.str(`"/>` + "\n")
	// A lone point is easy to miss as a dot of the line's width: ring it.
	for _, r := range runs {
		if r[0] == r[1] {
			b := &bk[r[0]]
			c.str(`<circle class="point" r="3" fill="` + lineColour + `" cx="`)
			c.num(c.x(c.mid(b)))
			c.str(`" cy="`)
			c.num(c.y(b.Avg))
			c.str(`"/>` + "\n")
		}
	}
}

// axes draws the frame, the ticks and their labels, the unit and the
// caption with the time range.
func (c *chart) axes() {
	c.str(`<g class="axis x-axis" stroke="` + axisColour + `">` + "\n")
	c.rule(c.x0, c.y1, c.x1, c.y1)
	ticks := c.timeTicks()
	for _, t := range ticks {
		x := c.x(t.at)
		c.rule(x, c.y1, x, c.y1+5)
	}
	c.str("</g>\n")
	c.str(`<g class="labels x-labels" text-anchor="middle">` + "\n")
	for _, t := range ticks {
		c.str(`<text x="`)
		c.num(c.x(t.at))
		c.str(`" y="`)
		c.num(c.y1 + 19)
		if t.major {
			c.str(`" font-weight="bold`)
		}
		c.str(`">`)
		c.text(t.label)
		c.str("</text>\n")
	}
	c.str("</g>\n")

	c.str(`<g class="axis y-axis" stroke="` + axisColour + `">` + "\n")
	c.rule(c.x0, c.y0, c.x0, c.y1)
	vt := c.valueTicks()
	for _, v := range vt {
		y := c.y(v)
		c.rule(c.x0-5, y, c.x0, y)
	}
	c.str("</g>\n")
	c.str(`<g class="labels y-labels" text-anchor="end">` + "\n")
	for _, v := range vt {
		c.str(`<text x="`)
		c.num(c.x0 - 8)
		c.str(`" y="`)
		c.num(c.y(v) + 4)
		c.str(`">`)
		c.text(c.valueLabel(v))
		c.str("</text>\n")
	}
	c.str("</g>\n")
	if c.o.Unit != "" {
		ym := (c.y0 + c.y1) / 2
		c.str(`<text class="unit" text-anchor="middle" transform="translate(16 `)
		c.num(ym)
		c.str(`) rotate(-90)">`)
		c.text(c.o.Unit)
		c.str("</text>\n")
	}
	c.str(`<text class="caption" x="`)
	c.num((c.x0 + c.x1) / 2)
	c.str(`" y="`)
	c.num(c.h - 12)
	c.str(`" text-anchor="middle" fill="#666">`)
	c.text(c.caption())
	c.str("</text>\n")
}

// caption says what the time axis spans, the bucket width and the
// number of values.
func (c *chart) caption() string {
	layout := "2006-01-02 15:04"
	if c.step < time.Minute || c.t0.Second() != 0 {
		layout = "2006-01-02 15:04:05"
	}
	n := 0
	for i := range c.s.Buckets {
		n += c.s.Buckets[i].Count
	}
	b := make([]byte, 0, 96)
	b = c.t0.In(c.loc).AppendFormat(b, layout)
	b = append(b, " – "...)
	b = c.t1.In(c.loc).AppendFormat(b, layout+" MST")
	b = append(b, " · step "...)
	b = append(b, shortDuration(c.step)...)
	b = append(b, " · "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, " values"...)
	if c.s.Skipped > 0 {
		b = append(b, ", "...)
		b = strconv.AppendInt(b, int64(c.s.Skipped), 10)
		b = append(b, " not numeric"...)
	}
	return string(b)
}

// shortDuration prints d without zero units: 5m, 1h, 1h30m, 1d.
func shortDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	s := d.String()
	if len(s) > 2 && s[len(s)-2:] == "0s" && (s[len(s)-3] == 'm' || s[len(s)-3] == 'h') {
		s = s[:len(s)-2]
	}
	if len(s) > 2 && s[len(s)-2:] == "0m" && s[len(s)-3] == 'h' {
		s = s[:len(s)-2]
	}
	return s
}

// valueTicks are the value axis's ticks, from v0 to v1.
func (c *chart) valueTicks() []float64 {
	n := int(math.Round((c.v1-c.v0)/c.vstep)) + 1
	out := make([]float64, 0, n)
	for i := range n {
		out = append(out, c.v0+float64(i)*c.vstep)
	}
	return out
}

// valueLabel prints a value tick with as many decimals as the tick
// spacing needs.
func (c *chart) valueLabel(v float64) string {
	dec := max(0, int(-math.Floor(math.Log10(c.vstep)+1e-9)))
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if f, _ := strconv.ParseFloat(s, 64); f == 0 {
		s = strconv.FormatFloat(0, 'f', dec, 64) // no "-0"
	}
	return s
}

// niceRange widens [lo, hi] to multiples of a round step (1, 2 or 5
// times a power of ten) giving at most about n intervals.
func niceRange(lo, hi float64, n int) (v0, v1, step float64) {
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	return math.Floor(lo/step) * step, math.Ceil(hi/step) * step, step
}

// tick is a time axis tick.
type tick struct {
	at    time.Time
	label string
	major bool // a day boundary on an axis of hours
}

// timeSteps are the time tick spacings tried, finest first; months > 0
// means calendar months.
var timeSteps = []struct {
	d      time.Duration
	months int
}{
	{time.Second, 0}, {2 * time.Second, 0}, {5 * time.Second, 0}, {10 * time.Second, 0},
	{15 * time.Second, 0}, {30 * time.Second, 0},
	{time.Minute, 0}, {2 * time.Minute, 0}, {5 * time.Minute, 0}, {10 * time.Minute, 0},
	{15 * time.Minute, 0}, {30 * time.Minute, 0},
	{time.Hour, 0}, {2 * time.Hour, 0}, {3 * time.Hour, 0}, {6 * time.Hour, 0}, {12 * time.Hour, 0},
	{24 * time.Hour, 0}, {2 * 24 * time.Hour, 0}, {7 * 24 * time.Hour, 0}, {14 * 24 * time.Hour, 0},
	{0, 1}, {0, 3}, {0, 6}, {0, 12}, {0, 24}, {0, 60}, {0, 120},
}

// timeTicks are the time axis's ticks: the finest round spacing that
// leaves about 90 pixels per label, aligned to the wall clock.
func (c *chart) timeTicks() []tick {
	span := c.t1.Sub(c.t0)
	most := max(2, int((c.x1-c.x0)/90))
	pick := len(timeSteps) - 1
	for i, s := range timeSteps {
		approx := s.d
		if s.months > 0 {
			approx = time.Duration(s.months) * 30 * 24 * time.Hour
		}
		if span/approx <= time.Duration(most) {
			pick = i
			break
		}
	}
	st := timeSteps[pick]
	t0 := c.t0.In(c.loc)
	day := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, c.loc)
	next := func(t time.Time) time.Time { return t.Add(st.d) }
	at := day
	switch {
	case st.months > 0:
		at = time.Date(t0.Year(), 1, 1, 0, 0, 0, 0, c.loc)
		next = func(t time.Time) time.Time { return t.AddDate(0, st.months, 0) }
	case st.d >= 24*time.Hour:
		days := int(st.d / (24 * time.Hour))
		next = func(t time.Time) time.Time { return t.AddDate(0, 0, days) }
	default:
		// Skip whole steps up to the start without stepping one by one.
		if k := t0.Sub(day) / st.d; k > 0 {
			at = day.Add(k * st.d)
		}
	}
	for at.Before(t0) {
		at = next(at)
	}
	var out []tick
	for ; !at.After(c.t1) && len(out) < 1000; at = next(at) {
		out = append(out, c.tickLabel(at, st.d, st.months))
	}
	return out
}

// tickLabel names a tick as its spacing needs: 15:04:05 below a
// minute, 15:04 below a day (the date at midnight), then dates.
func (c *chart) tickLabel(at time.Time, d time.Duration, months int) tick {
	midnight := at.Hour() == 0 && at.Minute() == 0 && at.Second() == 0
	switch {
	case months >= 12:
		return tick{at: at, label: at.Format("2006")}
	case months > 0:
		return tick{at: at, label: at.Format("Jan 2006")}
	case d >= 24*time.Hour:
		return tick{at: at, label: at.Format("Jan 2")}
	case midnight:
		return tick{at: at, label: at.Format("Jan 2"), major: true}
	case d < time.Minute:
		return tick{at: at, label: at.Format("15:04:05")}
	}
	return tick{at: at, label: at.Format("15:04")}
}

// Output helpers.

func (c *chart) str(s string) { c.b = append(c.b, s...) }

// num writes a pixel coordinate with one decimal.
func (c *chart) num(f float64) {
	c.b = strconv.AppendFloat(c.b, math.Round(f*10)/10, 'f', -1, 64)
}

// pt writes "x,y".
func (c *chart) pt(x, y float64) {
	c.num(x)
	c.b = append(c.b, ',')
	c.num(y)
}

// text writes s as XML character data; bytes that are not valid XML
// become U+FFFD.
func (c *chart) text(s string) {
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(s)) // a bytes.Buffer does not fail
	c.b = append(c.b, buf.Bytes()...)
}
