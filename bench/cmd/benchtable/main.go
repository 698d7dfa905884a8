// Command benchtable reads the output of `go test -bench -benchmem` on
// standard input and prints a Markdown report of gwlog against the other
// loggers: one row per benchmark (the median of its runs when -count > 1),
// the ratio of each gwlog benchmark's ns/op to every other benchmark of
// its group, and whether gwlog meets its targets.
//
//	go test -run '^$' -bench . -benchmem -count 5 | go run ./cmd/benchtable
//
// A benchmark is "Group/sub"; the gwlog ones are those whose sub starts
// with "gwlog". Lines in the same format without ns/op, such as the
// syslog ingest's (BenchmarkSyslogIngest/gwlog-flood 1 250000 msg/s …),
// the load test's (BenchmarkLoad/gwlogd 1 27.4 peak-MiB …) and the
// steady-state spill's (BenchmarkSpillSteady/gwlog-1MBps 1 1.03 write-amp
// …), are listed with their medians under "Other measurements" and
// checked by their targets. A target that misses is reported, not an
// error: the exit status is 1 only when the input cannot be read or holds
// no benchmark.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The units the table shows.
const (
	unitNs     = "ns/op"
	unitBytes  = "B/op"
	unitAllocs = "allocs/op"
)

// result is one benchmark's runs.
type result struct {
	name    string               // "Enabled/gwlog-ring", without the -GOMAXPROCS suffix
	runs    int                  // lines read for it
	samples map[string][]float64 // by unit, one value per run
}

// median returns the median of the benchmark's values in unit, or NaN
// when no run reported the unit.
func (r *result) median(unit string) float64 {
	v := slices.Clone(r.samples[unit])
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}

// group returns the part of the name before the first slash.
func (r *result) group() string {
	g, _, _ := strings.Cut(r.name, "/")
	return g
}

// isGwlog reports whether the benchmark measures gwlog.
func (r *result) isGwlog() bool {
	_, sub, _ := strings.Cut(r.name, "/")
	return strings.HasPrefix(sub, "gwlog")
}

// procsSuffix is the "-GOMAXPROCS" that go test appends to names.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// errNoBenchmarks is returned by parse for input without a result line.
var errNoBenchmarks = errors.New("no benchmark results in the input")

// parse reads go test output and returns the benchmarks in the order they
// first appear. Lines other than results (goos:, PASS, --- FAIL, logs)
// are skipped, as are result lines it cannot read.
func parse(r io.Reader) ([]*result, error) {
	var out []*result
	byName := make(map[string]*result)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, values, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		res := byName[name]
		if res == nil {
			res = &result{name: name, samples: make(map[string][]float64)}
			byName[name] = res
			out = append(out, res)
		}
		res.runs++
		for unit, v := range values {
			res.samples[unit] = append(res.samples[unit], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(out) == 0 {
		return nil, errNoBenchmarks
	}
	return out, nil
}

// parseLine reads one result line such as
//
//	BenchmarkEnabled/gwlog-ring-2  5000000  230.1 ns/op  0 B/op  0 allocs/op
//
// into the name without "Benchmark" and its GOMAXPROCS suffix, and the
// value of each unit.
func parseLine(line string) (name string, values map[string]float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", nil, false
	}
	if _, err := strconv.ParseUint(f[1], 10, 64); err != nil {
		return "", nil, false // the iteration count
	}
	values = make(map[string]float64, (len(f)-2)/2)
	for i := 2; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil || math.IsNaN(v) {
			return "", nil, false
		}
		values[f[i+1]] = v
	}
	name = procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
	if name == "" {
		return "", nil, false
	}
	return name, values, true
}

// A target is what a gwlog benchmark must achieve.
type target struct {
	id       string
	bench    string    // the gwlog benchmark
	noAllocs bool      // 0 allocs/op
	noSlower []string  // ns/op at most each of these benchmarks'
	limits   []float64 // the most each ratio may be; none: 1 for all
	want     string    // the target in words
	// unit, when set, is compared with noSlower's instead of ns/op, and
	// higher values are better: each ratio must be at least its limit.
	unit   string
	bounds []bound // bounds on the benchmark's own values
}

// A bound is a limit on one of a benchmark's values.
type bound struct {
	unit   string
	atMost bool    // the value is ≤ the limit; else ≥
	value  float64 // the limit, unless ref is set
	ref    string  // the limit is the benchmark's own value in this unit
}

// targets are gwlog's performance goals.
var targets = []target{
	{id: "a", bench: "Enabled/gwlog-ring", noAllocs: true, noSlower: []string{"Enabled/zerolog-discard"}, limits: []float64{0.8},
		want: "0 allocs/op and a ratio ≤ 0.8 (LogAttrs into the ring against zerolog into io.Discard)"},
	{id: "b", bench: "Disabled/gwlog", noAllocs: true, noSlower: []string{"Disabled/zerolog"},
		want: "0 allocs/op and a ratio ≤ 1"},
	{id: "c", bench: "Parallel/gwlog-ring", noSlower: []string{"Enabled/gwlog-ring", "Parallel/zerolog-discard"},
		want: "both ratios ≤ 1"},
	{id: "d", bench: "Events/gwlog-write-2attr", noAllocs: true, noSlower: []string{"Enabled/zerolog-discard"}, limits: []float64{1.5},
		want: "0 allocs/op and a ratio ≤ 1.5 (a 2-attribute reading is a msgpack record and a text line)"},
	{id: "e", bench: "EventQuery/gwlog-window", noSlower: []string{"EventQuery/gwlog-fullscan"}, limits: []float64{0.1},
		want: "a 1-hour window of 24 h ≤ 0.1 × the full scan"},
	{id: "f", bench: "EventQuery/gwlog-fullscan", noSlower: []string{"EventQuery/msgp-decode-loop"}, limits: []float64{1.2},
		want: "a full scan ≤ 1.2 × decoding every record"},
	{id: "g", bench: "EventQuery/gwlog-series", noSlower: []string{"EventQuery/msgp-decode-loop"}, limits: []float64{1.5},
		want: "a 288-bucket series ≤ 1.5 × decoding every record"},
	{id: "h", bench: "Attached/gwlog-follower-forwarder", noSlower: []string{"Attached/gwlog-plain"}, limits: []float64{1.1},
		want: "≤ 1.1× (an SSE follower and a forwarder on the stream raise a line's cost by 10% at most)"},
	{id: "i", bench: "SyslogIngest/gwlog-flood", unit: unitMsgs, noSlower: []string{"SyslogIngest/rsyslog-flood"},
		bounds: []bound{{unit: unitMsgs, value: 100_000}},
		want:   "syslog over loopback UDP into the rings ≥ rsyslog's into a file on tmpfs (a ratio ≥ 1), and ≥ 100000 msg/s"},
	{id: "j", bench: "SyslogIngest/gwlog-paced-100k", bounds: []bound{{unit: unitLost, atMost: true, value: 0.1}},
		want: "at 100000 msg/s offered, ≤ 0.1% lost"},
	{id: "k", bench: "Load/gwlogd", bounds: []bound{
		{unit: "peak-MiB", atMost: true, ref: "limit-MiB"},
		{unit: "other-growth-MiB", atMost: true, value: 2},
	}, want: "peak RSS ≤ ram_cap + 16 MiB and, after warm-up, memory besides the rings grows ≤ 2 MiB (bench/load.sh)"},
	{id: "l", bench: spillSteady, bounds: []bound{{unit: unitWriteAmp, atMost: true, value: 1.3}},
		want: "logging 1 MB/s with a disk at the default settings (1 MiB segments, 30 s flush), bytes written to the disk per byte of log line ≤ 1.3 (bench/spill_test.go)"},
	{id: "m", bench: spillSteady, bounds: []bound{{unit: unitFsyncs, atMost: true, value: 1}},
		want: "logging 1 MB/s with a disk at the default settings, ≤ 1 fsync per flush interval"},
	{id: "n", bench: "Enabled/gwlog-ring-args", noAllocs: true, noSlower: []string{"Enabled/zerolog-discard"},
		want: "0 allocs/op and a ratio ≤ 1 (Info with key-value args of variables)"},
	{id: "o", bench: "ParallelOne/gwlog-ring-g2", noSlower: []string{"ParallelOne/zerolog-discard-g2"},
		want: "a ratio ≤ 1 (two goroutines on one logger and one ring against zerolog's two)"},
}

// spillSteady is the steady-state spill measurement at the defaults; a
// run with another flush interval has the interval in its name.
const spillSteady = "SpillSteady/gwlog-1MBps"

// The units of the throughput and spill targets.
const (
	unitMsgs     = "msg/s"
	unitLost     = "lost-%"
	unitWriteAmp = "write-amp"
	unitFsyncs   = "fsyncs/interval"
)

// report writes the Markdown report of results to w.
func report(w io.Writer, results []*result) error {
	bw := bufio.NewWriter(w)
	byName := make(map[string]*result, len(results))
	for _, r := range results {
		byName[r.name] = r
	}

	fmt.Fprintln(bw, "| benchmark | runs | ns/op | B/op | allocs/op |")
	fmt.Fprintln(bw, "|---|--:|--:|--:|--:|")
	for _, r := range results {
		if !r.timed() {
			continue
		}
		fmt.Fprintf(bw, "| %s | %d | %s | %s | %s |\n", r.name, r.runs,
			formatNs(r.median(unitNs)), formatCount(r.median(unitBytes)), formatCount(r.median(unitAllocs)))
	}
	if others := otherMetrics(results); len(others) > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "Other measurements (medians):")
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "| benchmark | runs | values |")
		fmt.Fprintln(bw, "|---|--:|---|")
		for _, o := range others {
			fmt.Fprintf(bw, "| %s | %d | %s |\n", o.r.name, o.r.runs, o.values)
		}
	}

	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "gwlog's ns/op ÷ the other's (below 1 means gwlog is faster):")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "| gwlog | against | ratio |")
	fmt.Fprintln(bw, "|---|---|--:|")
	for _, g := range results {
		if !g.isGwlog() || !g.timed() {
			continue
		}
		for _, o := range comparisons(g, results, byName) {
			label := o.name
			if o.group() != g.group() {
				label += " (serial)"
			}
			fmt.Fprintf(bw, "| %s | %s | %s |\n", g.name, label, formatRatio(ratio(g, o)))
		}
	}

	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "Targets:")
	fmt.Fprintln(bw)
	for _, t := range targets {
		verdict, detail := check(t, byName)
		fmt.Fprintf(bw, "- %s (%s) %s: %s; want %s\n", verdict, t.id, t.bench, detail, t.want)
	}
	return bw.Flush()
}

// comparisons returns what gwlog benchmark g is compared with: the other
// loggers of its group and, for a Parallel benchmark, the serial Enabled
// benchmark of the same name.
func comparisons(g *result, results []*result, byName map[string]*result) []*result {
	var out []*result
	for _, o := range results {
		if o.group() == g.group() && !o.isGwlog() && o.timed() {
			out = append(out, o)
		}
	}
	if g.group() == "Parallel" {
		_, sub, _ := strings.Cut(g.name, "/")
		if s, ok := byName["Enabled/"+sub]; ok {
			out = append(out, s)
		}
	}
	return out
}

// ratio returns a's median ns/op over b's.
func ratio(a, b *result) float64 { return a.median(unitNs) / b.median(unitNs) }

// check returns PASS, MISS or SKIP (a benchmark is missing) for t, and
// the numbers behind it.
func check(t target, byName map[string]*result) (verdict, detail string) {
	g, ok := byName[t.bench]
	if !ok {
		return "SKIP", "not measured"
	}
	unit := t.unit
	if unit == "" {
		unit = unitNs
	}
	pass := true
	var parts []string
	if t.noAllocs {
		a := g.median(unitAllocs)
		if math.IsNaN(a) {
			return "SKIP", "no allocs/op (run with -benchmem)"
		}
		pass = pass && a == 0
		parts = append(parts, formatCount(a)+" allocs/op")
	}
	if v := g.median(unit); !math.IsNaN(v) {
		if !slices.ContainsFunc(t.bounds, func(b bound) bool { return b.unit == unit }) {
			parts = append(parts, formatNs(v)+" "+unit)
		}
	} else if t.unit != "" || len(t.bounds) == 0 {
		return "SKIP", "no " + unit
	}
	for i, name := range t.noSlower {
		o, ok := byName[name]
		if !ok {
			return "SKIP", name + " not measured"
		}
		limit := 1.0
		if i < len(t.limits) {
			limit = t.limits[i]
		}
		r := g.median(unit) / o.median(unit)
		if t.unit != "" {
			pass = pass && r >= limit
		} else {
			pass = pass && r <= limit
		}
		parts = append(parts, fmt.Sprintf("%s× %s (%s %s)", formatRatio(r), name, formatNs(o.median(unit)), unit))
	}
	for _, b := range t.bounds {
		v, limit := g.median(b.unit), b.value
		if b.ref != "" {
			limit = g.median(b.ref)
		}
		if math.IsNaN(v) || math.IsNaN(limit) {
			return "SKIP", "no " + b.unit
		}
		op := "≥"
		if b.atMost {
			op = "≤"
			pass = pass && v <= limit
		} else {
			pass = pass && v >= limit
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s %s)", formatNs(v), b.unit, op, formatNs(limit)))
	}
	if pass {
		return "PASS", strings.Join(parts, ", ")
	}
	return "MISS", strings.Join(parts, ", ")
}

// timed reports whether the benchmark has ns/op: the results of go test
// -bench, rather than the lines of the ingest and load runs.
func (r *result) timed() bool { return len(r.samples[unitNs]) > 0 }

// other is a result's values besides ns/op, B/op and allocs/op.
type other struct {
	r      *result
	values string // "123 msg/s, 0.5 lost-%"
}

// otherMetrics returns the results with values in other units, each with
// the medians of those, by unit in alphabetical order.
func otherMetrics(results []*result) []other {
	var out []other
	for _, r := range results {
		var parts []string
		for _, u := range slices.Sorted(maps.Keys(r.samples)) {
			switch u {
			case unitNs, unitBytes, unitAllocs:
				continue
			}
			parts = append(parts, formatNs(r.median(u))+" "+u)
		}
		if len(parts) > 0 {
			out = append(out, other{r, strings.Join(parts, ", ")})
		}
	}
	return out
}

// formatNs formats nanoseconds with about three significant digits.
func formatNs(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 1000:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// formatCount formats B/op and allocs/op, which are whole except for the
// median of an even number of runs.
func formatCount(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func formatRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func main() {
	results, err := parse(os.Stdin)
	if err == nil {
		err = report(os.Stdout, results)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}
