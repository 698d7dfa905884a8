package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
)

var day0 = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// daySeries is a temperature-like series over hours from day0, about
// 150–300 buckets; with gap, the buckets from 30% to 40% are empty and
// one lone bucket sits in a second gap at 60–70%.
func daySeries(hours int, gap bool) eventlog.Series {
	span := time.Duration(hours) * time.Hour
	step := span / 288
	switch {
	case hours <= 1:
		step = 30 * time.Second
	case hours >= 24*7:
		step = time.Hour
	}
	n := int(span / step)
	s := eventlog.Series{Buckets: make([]eventlog.Bucket, n)}
	for i := range s.Buckets {
		b := &s.Buckets[i]
		b.Start = day0.Add(time.Duration(i) * step)
		f := float64(i) / float64(n)
		if gap && ((f >= 0.3 && f < 0.4) || (f >= 0.6 && f < 0.7 && i != int(0.65*float64(n)))) {
			continue
		}
		v := 20 + 3*math.Sin(2*math.Pi*f)
		b.Count, b.Avg, b.Last = 4, v, v+0.1
		b.Min, b.Max = v-0.6-0.2*math.Cos(7*f), v+0.5+0.3*math.Sin(11*f)
	}
	return s
}

// node is a generic XML element, for looking into the SVG.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// walk calls f for n and every element below it.
func (n *node) walk(f func(*node)) {
	f(n)
	for i := range n.Nodes {
		n.Nodes[i].walk(f)
	}
}

// find returns the elements named name whose class attribute contains
// class ("" for any).
func (n *node) find(name, class string) []*node {
	var out []*node
	n.walk(func(m *node) {
		if m.XMLName.Local == name && (class == "" || strings.Contains(" "+m.attr("class")+" ", " "+class+" ")) {
			out = append(out, m)
		}
	})
	return out
}

// texts returns the character data of the text elements of a class.
func (n *node) texts(class string) []string {
	var out []string
	for _, g := range n.find("g", class) {
		for _, t := range g.find("text", "") {
			out = append(out, t.Text)
		}
	}
	return out
}

// parse checks that b is well-formed XML with an svg root and returns it.
func parse(t *testing.T, b []byte) *node {
	t.Helper()
	var root node
	require.NoError(t, xml.Unmarshal(b, &root), "%s", b)
	require.Equal(t, "svg", root.XMLName.Local)
	assert.Equal(t, "http://www.w3.org/2000/svg", root.XMLName.Space)
	return &root
}

// subpaths counts the M commands of a path's d attribute.
func subpaths(d string) int { return strings.Count(d, "M") }

// svgCase is a case of TestSVG: a series, how it is drawn, and what the
// picture should show.
type svgCase struct {
	name  string
	s     eventlog.Series
	o     Options
	runs  int      // subpaths of the line; 0 means no line
	xs    []string // some expected time labels
	ys    []string // some expected value labels
	width string
}

func TestSVG(t *testing.T) {
	single := eventlog.Series{Buckets: []eventlog.Bucket{{Start: day0, Count: 1, Min: 5, Max: 5, Avg: 5, Last: 5}}}
	constant := daySeries(24, false)
	for i := range constant.Buckets {
		b := &constant.Buckets[i]
		b.Min, b.Max, b.Avg = 21.5, 21.5, 21.5
	}
	negative := daySeries(24, false)
	for i := range negative.Buckets {
		b := &negative.Buckets[i]
		b.Min, b.Max, b.Avg = b.Min-40, b.Max-40, b.Avg-40
	}
	nan := daySeries(24, false)
	nan.Buckets[10].Avg = math.NaN()
	nan.Buckets[20].Max = math.Inf(1)
	empty := daySeries(24, false)
	for i := range empty.Buckets {
		empty.Buckets[i] = eventlog.Bucket{Start: empty.Buckets[i].Start}
	}

	tests := []svgCase{
		{name: "day", s: daySeries(24, false), o: Options{Title: "webbrick/CT wb/100/CT/1", Unit: "C"},
			runs: 1, xs: []string{"03:00", "12:00", "21:00", "Nov 22"}, ys: []string{"17", "20", "23"}, width: "900"},
		{name: "gaps", s: daySeries(24, true), runs: 4, xs: []string{"03:00"}, width: "900"},
		{name: "hour", s: daySeries(1, false), o: Options{Width: 600, Height: 300},
			runs: 1, xs: []string{"Nov 21", "00:15", "00:30", "00:45", "01:00"}, width: "600"},
		{name: "week", s: daySeries(24*7, false), runs: 1, xs: []string{"Nov 21", "Nov 22", "Nov 27"}, width: "900"},
		{name: "single bucket", s: single, runs: 1, ys: []string{"4.4", "5.0", "5.6"}, width: "900"},
		{name: "constant", s: constant, runs: 1, ys: []string{"20", "22"}, width: "900"},
		{name: "negative", s: negative, runs: 1, ys: []string{"-20", "-17"}, width: "900"},
		{name: "not finite", s: nan, runs: 3, width: "900"},
		{name: "empty buckets", s: empty, xs: []string{"03:00"}, width: "900"},
		{name: "no buckets", s: eventlog.Series{}, width: "900"},
		{name: "tiny", s: daySeries(24, false), o: Options{Width: 10, Height: 10}, runs: 1, width: "240"},
		{name: "escaped title", s: single, o: Options{Title: `a<b & "c"` + "\x01"}, runs: 1, width: "900"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkSVG(t, tc) })
	}
}

// checkSVG draws tc's series and checks the picture: its width, the line
// and band in their runs (or the "no data" text), the labels, the title
// and unit, and that the data stays inside.
func checkSVG(t *testing.T, tc svgCase) {
	var buf bytes.Buffer
	require.NoError(t, SVG(&buf, tc.s, tc.o))
	root := parse(t, buf.Bytes())
	assert.Equal(t, tc.width, root.attr("width"))

	lines := root.find("path", "line")
	bands := root.find("path", "band")
	if tc.runs == 0 {
		assert.Empty(t, lines)
		assert.Empty(t, bands)
		require.Len(t, root.find("text", "nodata"), 1)
	} else {
		require.Len(t, lines, 1)
		require.Len(t, bands, 1)
		assert.Equal(t, tc.runs, subpaths(lines[0].attr("d")), "a gap splits the line")
		assert.Equal(t, tc.runs, strings.Count(bands[0].attr("d"), "Z"), "one closed band per run")
		assert.Equal(t, "none", lines[0].attr("fill"))
	}
	xl, yl := root.texts("x-labels"), root.texts("y-labels")
	for _, x := range tc.xs {
		assert.Contains(t, xl, x)
	}
	for _, y := range tc.ys {
		assert.Contains(t, yl, y)
	}
	if len(tc.s.Buckets) > 0 {
		assert.NotEmpty(t, xl, "time labels")
	}
	assert.GreaterOrEqual(t, len(yl), 2, "value labels")
	if tc.o.Title != "" {
		titles := root.find("text", "title")
		require.Len(t, titles, 1)
		assert.Equal(t, strings.ReplaceAll(tc.o.Title, "\x01", "\uFFFD"), titles[0].Text)
	} else {
		assert.Empty(t, root.find("text", "title"))
	}
	if tc.o.Unit != "" {
		units := root.find("text", "unit")
		require.Len(t, units, 1)
		assert.Equal(t, tc.o.Unit, units[0].Text)
	}
	assertInside(t, root)
}

// assertInside checks that the data stays within the picture.
func assertInside(t *testing.T, root *node) {
	t.Helper()
	for _, p := range append(root.find("path", "line"), root.find("path", "band")...) {
		for _, f := range strings.FieldsFunc(p.attr("d"), func(r rune) bool { return strings.ContainsRune("MLZh, ", r) }) {
			var v float64
			_, err := fmt.Sscan(f, &v)
			require.NoError(t, err, f)
			assert.True(t, v >= 0 && v <= 900, "coordinate %v out of the picture", v)
		}
	}
}

func TestGapPositions(t *testing.T) {
	s := daySeries(24, true)
	c := newChart(nil, s, Options{})
	root := parse(t, AppendSVG(nil, s, Options{}))
	d := root.find("path", "line")[0].attr("d")
	parts := strings.Split(d, "M")[1:]
	require.Len(t, parts, 4)
	assert.True(t, strings.HasSuffix(parts[2], "h0"), "the lone bucket is a dot: %q", parts[2])
	assert.NotContains(t, parts[2], "L")
	assert.Len(t, root.find("circle", "point"), 1, "the lone bucket is ringed")
	x := func(p string) float64 {
		var v float64
		_, err := fmt.Sscan(strings.SplitN(p, ",", 2)[0], &v)
		require.NoError(t, err)
		return v
	}
	// Each run ends and starts at its buckets' middles, not across the gaps.
	ends := strings.Split(parts[0], "L")
	assert.InDelta(t, c.x(day0.Add(86*5*time.Minute+150*time.Second)), x(ends[len(ends)-1]), 0.05)
	assert.InDelta(t, c.x(day0.Add(116*5*time.Minute+150*time.Second)), x(parts[1]), 0.05)
	assert.InDelta(t, c.x(day0.Add(187*5*time.Minute+150*time.Second)), x(parts[2]), 0.05)
	assert.InDelta(t, c.x(day0.Add(202*5*time.Minute+150*time.Second)), x(parts[3]), 0.05)
}

func TestAppendSVGKeepsPrefix(t *testing.T) {
	out := AppendSVG([]byte("prefix"), daySeries(1, false), Options{})
	assert.True(t, bytes.HasPrefix(out, []byte("prefix<?xml")))
}

func TestSVGWriteError(t *testing.T) {
	err := SVG(failWriter{}, daySeries(1, false), Options{})
	assert.ErrorIs(t, err, errWrite)
}

var errWrite = errors.New("disk gone")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestNiceRange(t *testing.T) {
	tests := []struct {
		name         string
		lo, hi       float64
		n            int
		v0, v1, step float64
	}{
		{"temperatures", 17.4, 23.6, 8, 17, 24, 1},
		{"small", 0.012, 0.047, 5, 0.01, 0.05, 0.01},
		{"negative", -3.2, 4.1, 4, -4, 6, 2},
		{"large", 1200, 98000, 5, 0, 100000, 20000},
		{"five", 0, 9, 2, 0, 10, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v0, v1, step := niceRange(tc.lo, tc.hi, tc.n)
			assert.InDelta(t, tc.v0, v0, 1e-9)
			assert.InDelta(t, tc.v1, v1, 1e-9)
			assert.InDelta(t, tc.step, step, 1e-9)
		})
	}
}

func TestTimeTicks(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		london = time.FixedZone("BST", 3600)
	}
	tests := []struct {
		name   string
		start  time.Time
		span   time.Duration
		step   time.Duration
		loc    *time.Location
		labels []string
	}{
		{"two minutes", day0.Add(10 * time.Hour), 2 * time.Minute, time.Second, nil,
			[]string{"10:00:00", "10:00:15", "10:00:30", "10:00:45", "10:01:00", "10:01:15", "10:01:30", "10:01:45", "10:02:00"}},
		{"six hours", day0.Add(9*time.Hour + 7*time.Minute), 6 * time.Hour, time.Minute, nil,
			[]string{"10:00", "11:00", "12:00", "13:00", "14:00", "15:00"}},
		{"day across midnight", day0.Add(12 * time.Hour), 24 * time.Hour, 5 * time.Minute, nil,
			[]string{"12:00", "15:00", "18:00", "21:00", "Nov 22", "03:00", "06:00", "09:00", "12:00"}},
		{"week", day0, 7 * 24 * time.Hour, time.Hour, nil,
			[]string{"Nov 21", "Nov 22", "Nov 23", "Nov 24", "Nov 25", "Nov 26", "Nov 27", "Nov 28"}},
		{"year", day0, 365 * 24 * time.Hour, 24 * time.Hour, nil,
			[]string{"Jan 2027", "Apr 2027", "Jul 2027", "Oct 2027"}},
		{"location", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 6 * time.Hour, time.Minute, london,
			[]string{"01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := int(tc.span / tc.step)
			s := eventlog.Series{Buckets: make([]eventlog.Bucket, n)}
			for i := range s.Buckets {
				s.Buckets[i].Start = tc.start.Add(time.Duration(i) * tc.step)
			}
			c := newChart(nil, s, Options{Location: tc.loc})
			var got []string
			for _, tk := range c.timeTicks() {
				got = append(got, tk.label)
				assert.False(t, tk.at.Before(tc.start) || tk.at.After(tc.start.Add(tc.span)), "tick %s outside the axis", tk.at)
			}
			assert.Equal(t, tc.labels, got)
		})
	}
}

func TestCaption(t *testing.T) {
	s := daySeries(24, false)
	s.Skipped = 3
	c := newChart(nil, s, Options{})
	assert.Equal(t, "2026-11-21 00:00 – 2026-11-22 00:00 UTC · step 5m · 1152 values, 3 not numeric", c.caption())
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute: "5m", time.Hour: "1h", 90 * time.Minute: "1h30m", 48 * time.Hour: "2d",
		30 * time.Second: "30s", 1500 * time.Millisecond: "1.5s", time.Hour + time.Second: "1h0m1s",
	} {
		assert.Equal(t, want, shortDuration(d), "%v", d)
	}
}
