package main

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sample is go test output with -count 3 for Enabled and two runs of the
// others, between the lines go test prints around results.
const sample = `goos: linux
goarch: amd64
pkg: github.com/gwlog/gwlog/bench
cpu: Intel(R) Xeon(R) Processor @ 2.10GHz
BenchmarkEnabled/gwlog-ring-2         	 1000000	       300.0 ns/op	       1 B/op	       0 allocs/op
BenchmarkEnabled/gwlog-ring-2         	 1000000	       200.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkEnabled/gwlog-ring-2         	 1000000	       250.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkEnabled/zerolog-discard-2    	 1000000	       400.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkEnabled/zerolog-discard-2    	 1000000	       500.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkEnabled/zap-discard-2        	 1000000	       600.0 ns/op	     256 B/op	       1 allocs/op
BenchmarkDisabled/gwlog-2             	100000000	        4.00 ns/op	       0 B/op	       0 allocs/op
BenchmarkDisabled/zerolog-2           	100000000	        2.00 ns/op	       0 B/op	       0 allocs/op
--- FAIL: BenchmarkSomething
    bench_test.go:12: a log line
BenchmarkParallel/gwlog-ring-2        	 1000000	       100.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkParallel/zerolog-discard-2   	 1000000	       150.0 ns/op	       0 B/op	       0 allocs/op
PASS
ok  	github.com/gwlog/gwlog/bench	12.3s
`

func TestParseLine(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		want   string
		values map[string]float64
		ok     bool
	}{
		{"benchmem", "BenchmarkEnabled/gwlog-ring-2  5000000  230.1 ns/op  0 B/op  0 allocs/op",
			"Enabled/gwlog-ring", map[string]float64{"ns/op": 230.1, "B/op": 0, "allocs/op": 0}, true},
		{"time only", "BenchmarkDisabled/zap-8 \t 100 \t 992.0 ns/op",
			"Disabled/zap", map[string]float64{"ns/op": 992}, true},
		{"GOMAXPROCS=1 has no suffix", "BenchmarkEnabled/zap-ring 100 3083 ns/op",
			"Enabled/zap-ring", map[string]float64{"ns/op": 3083}, true},
		{"other units", "BenchmarkX-2 10 5 ns/op 12.5 MB/s",
			"X", map[string]float64{"ns/op": 5, "MB/s": 12.5}, true},
		{"a name alone (-v)", "BenchmarkEnabled/gwlog-ring", "", nil, false},
		{"no iteration count", "BenchmarkX-2 fast 5 ns/op", "", nil, false},
		{"unit without value", "BenchmarkX-2 10 5 ns/op allocs/op", "", nil, false},
		{"bad value", "BenchmarkX-2 10 five ns/op", "", nil, false},
		{"not a result", "ok  \tgithub.com/gwlog/gwlog/bench\t12.3s", "", nil, false},
		{"empty name", "Benchmark-2 10 5 ns/op", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, values, ok := parseLine(tt.line)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, name)
			assert.Equal(t, tt.values, values)
		})
	}
}

func TestParseMedians(t *testing.T) {
	results, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	var names []string
	for _, r := range results {
		names = append(names, r.name)
	}
	assert.Equal(t, []string{
		"Enabled/gwlog-ring", "Enabled/zerolog-discard", "Enabled/zap-discard",
		"Disabled/gwlog", "Disabled/zerolog", "Parallel/gwlog-ring", "Parallel/zerolog-discard",
	}, names)

	gw, zl := results[0], results[1]
	assert.Equal(t, 3, gw.runs)
	assert.InDelta(t, 250, gw.median(unitNs), 1e-9, "odd count: the middle run")
	assert.Zero(t, gw.median(unitBytes))
	assert.InDelta(t, 450, zl.median(unitNs), 1e-9, "even count: the mean of the middle two")
	assert.True(t, math.IsNaN(gw.median("MB/s")), "a unit no run reported")
}

func TestParseNoBenchmarks(t *testing.T) {
	_, err := parse(strings.NewReader("PASS\nok  \tx\t0.1s\n"))
	assert.ErrorIs(t, err, errNoBenchmarks)
}

func TestReport(t *testing.T) {
	results, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, report(&out, results))
	got := out.String()
	for _, want := range []string{
		"| Enabled/gwlog-ring | 3 | 250.0 | 0 | 0 |\n",
		"| Enabled/zap-discard | 1 | 600.0 | 256 | 1 |\n",
		"| Enabled/gwlog-ring | Enabled/zerolog-discard | 0.56 |\n",
		"| Enabled/gwlog-ring | Enabled/zap-discard | 0.42 |\n",
		"| Disabled/gwlog | Disabled/zerolog | 2.00 |\n",
		"| Parallel/gwlog-ring | Parallel/zerolog-discard | 0.67 |\n",
		"| Parallel/gwlog-ring | Enabled/gwlog-ring (serial) | 0.40 |\n",
		"- PASS (a) Enabled/gwlog-ring: 0 allocs/op, 250.0 ns/op, 0.56× Enabled/zerolog-discard (450.0 ns/op); want",
		"- MISS (b) Disabled/gwlog: 0 allocs/op, 4.00 ns/op, 2.00× Disabled/zerolog (2.00 ns/op); want",
		"- PASS (c) Parallel/gwlog-ring: 100.0 ns/op, 0.40× Enabled/gwlog-ring (250.0 ns/op), 0.67× Parallel/zerolog-discard (150.0 ns/op); want",
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "| Enabled/zerolog-discard | Enabled/", "only gwlog rows get ratios")
}

func TestReportSkipsMissingBenchmarks(t *testing.T) {
	results, err := parse(strings.NewReader("BenchmarkEnabled/gwlog-ring-2 10 5 ns/op 0 B/op 1 allocs/op\n"))
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, report(&out, results))
	assert.Contains(t, out.String(), "- SKIP (a) Enabled/gwlog-ring: Enabled/zerolog-discard not measured")
	assert.Contains(t, out.String(), "- SKIP (b) Disabled/gwlog: not measured")
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("BenchmarkX-2 10 NaN ns/op\nBenchmarkX 1 -Inf ns/op 0 allocs/op\n")
	f.Fuzz(func(t *testing.T, in string) {
		results, err := parse(strings.NewReader(in))
		if err != nil {
			return
		}
		var out strings.Builder
		require.NoError(t, report(&out, results))
		for _, r := range results {
			assert.NotEmpty(t, r.name)
			assert.Positive(t, r.runs)
		}
	})
}

// throughput is the ingest benchmark's, the load test's and the spill
// measurement's lines, with the Attached benchmarks, in go test's format.
const throughput = `BenchmarkAttached/gwlog-plain-2     1000000   500.0 ns/op   480.0 proc-cpu-ns/op   0 B/op   0 allocs/op
BenchmarkAttached/gwlog-follower-forwarder-2   1000000   540.0 ns/op   60.00 followed-%   0.1 forwarded-%   900.0 proc-cpu-ns/op   0 B/op   0 allocs/op
BenchmarkSyslogIngest/gwlog-flood 	1	250000 msg/s	50.00 lost-%	500000 sent	250000 received
BenchmarkSyslogIngest/rsyslog-flood 	1	400000 msg/s	20.00 lost-%	500000 sent	400000 received
BenchmarkSyslogIngest/gwlog-flood 	1	270000 msg/s	46.00 lost-%	500000 sent	270000 received
BenchmarkSyslogIngest/rsyslog-flood 	1	420000 msg/s	16.00 lost-%	500000 sent	420000 received
BenchmarkSyslogIngest/gwlog-paced-100k 	1	99990 msg/s	0.00 lost-%	500000 sent	500000 received
BenchmarkLoad/gwlogd 	1	27.4 peak-MiB	1.6 growth-MiB	0.3 other-growth-MiB	32 limit-MiB	20000 msg/s
BenchmarkSpillSteady/gwlog-1MBps 	1	1.031 write-amp	1.021 store-amp	6.00 fsyncs/interval	2.00 commits/interval	0 lost-segs	23.99 queued-peak-MiB
BenchmarkSpillSteady/gwlog-1MBps 	1	1.051 write-amp	1.025 store-amp	5.67 fsyncs/interval	2.00 commits/interval	0 lost-segs	24.10 queued-peak-MiB
BenchmarkSpillSteady/gwlog-1MBps 	1	1.041 write-amp	1.023 store-amp	6.33 fsyncs/interval	2.00 commits/interval	0 lost-segs	23.50 queued-peak-MiB
BenchmarkSpillSteady/gwlog-1MBps-flush4s 	1	1.202 write-amp	2.50 fsyncs/interval
`

func TestReportThroughputTargets(t *testing.T) {
	results, err := parse(strings.NewReader(throughput))
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, report(&out, results))
	got := out.String()
	for _, want := range []string{
		"| Attached/gwlog-follower-forwarder | 1 | 540.0 | 0 | 0 |\n",
		"| SyslogIngest/gwlog-flood | 2 | 48.0 lost-%, 260000 msg/s, 260000 received, 500000 sent |\n",
		"| Load/gwlogd | 1 | 1.60 growth-MiB, 32.0 limit-MiB, 20000 msg/s, 0.30 other-growth-MiB, 27.4 peak-MiB |\n",
		"| Attached/gwlog-follower-forwarder | 1 | 60.0 followed-%, 0.10 forwarded-%, 900.0 proc-cpu-ns/op |\n",
		"- PASS (h) Attached/gwlog-follower-forwarder: 540.0 ns/op, 1.08× Attached/gwlog-plain (500.0 ns/op); want",
		"- MISS (i) SyslogIngest/gwlog-flood: 0.63× SyslogIngest/rsyslog-flood (410000 msg/s), 260000 msg/s (≥ 100000); want",
		"- PASS (j) SyslogIngest/gwlog-paced-100k: 0.00 lost-% (≤ 0.10); want",
		"- PASS (k) Load/gwlogd: 27.4 peak-MiB (≤ 32.0), 0.30 other-growth-MiB (≤ 2.00); want",
		"| SpillSteady/gwlog-1MBps | 3 | 2.00 commits/interval, 6.00 fsyncs/interval, 0.00 lost-segs, 24.0 queued-peak-MiB, 1.02 store-amp, 1.04 write-amp |\n",
		"| SpillSteady/gwlog-1MBps-flush4s | 1 | 2.50 fsyncs/interval, 1.20 write-amp |\n",
		"- PASS (l) SpillSteady/gwlog-1MBps: 1.04 write-amp (≤ 1.30); want",
		"- MISS (m) SpillSteady/gwlog-1MBps: 6.00 fsyncs/interval (≤ 1.00); want",
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "| SyslogIngest/gwlog-flood | 2 | –", "no ns/op row for the ingest")
	assert.NotContains(t, got, "| SyslogIngest/gwlog-flood | SyslogIngest/", "no ns/op ratio for the ingest")
	assert.NotContains(t, got, "| SpillSteady/gwlog-1MBps | 3 | –", "no ns/op row for the spill")
}

func TestReportSpillTargets(t *testing.T) {
	tests := []struct {
		name  string
		lines string
		want  []string
	}{
		{"both met", "BenchmarkSpillSteady/gwlog-1MBps 1 1.2 write-amp 1 fsyncs/interval\n", []string{
			"- PASS (l) SpillSteady/gwlog-1MBps: 1.20 write-amp (≤ 1.30); want",
			"- PASS (m) SpillSteady/gwlog-1MBps: 1.00 fsyncs/interval (≤ 1.00); want",
		}},
		{"both missed", "BenchmarkSpillSteady/gwlog-1MBps 1 1.31 write-amp 2 fsyncs/interval\n", []string{
			"- MISS (l) SpillSteady/gwlog-1MBps: 1.31 write-amp (≤ 1.30); want",
			"- MISS (m) SpillSteady/gwlog-1MBps: 2.00 fsyncs/interval (≤ 1.00); want",
		}},
		{"no /proc/self/io", "BenchmarkSpillSteady/gwlog-1MBps 1 1.02 store-amp 0.5 fsyncs/interval\n", []string{
			"- SKIP (l) SpillSteady/gwlog-1MBps: no write-amp",
			"- PASS (m) SpillSteady/gwlog-1MBps: 0.50 fsyncs/interval (≤ 1.00); want",
		}},
		{"another flush interval is not judged", "BenchmarkSpillSteady/gwlog-1MBps-flush4s 1 1.2 write-amp 2.5 fsyncs/interval\n", []string{
			"- SKIP (l) SpillSteady/gwlog-1MBps: not measured",
			"- SKIP (m) SpillSteady/gwlog-1MBps: not measured",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, err := parse(strings.NewReader(tt.lines))
			require.NoError(t, err)
			var out strings.Builder
			require.NoError(t, report(&out, results))
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
		})
	}
}

func TestReportThroughputBounds(t *testing.T) {
	results, err := parse(strings.NewReader(
		"BenchmarkSyslogIngest/gwlog-flood 1 90000 msg/s 0 lost-%\nBenchmarkSyslogIngest/rsyslog-flood 1 80000 msg/s 0 lost-%\n" +
			"BenchmarkLoad/gwlogd 1 40 peak-MiB 0 other-growth-MiB 32 limit-MiB\n"))
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, report(&out, results))
	assert.Contains(t, out.String(), "- MISS (i) SyslogIngest/gwlog-flood: 1.12× SyslogIngest/rsyslog-flood (80000 msg/s), 90000 msg/s (≥ 100000); want",
		"faster than rsyslog but under the floor")
	assert.Contains(t, out.String(), "- MISS (k) Load/gwlogd: 40.0 peak-MiB (≤ 32.0)")
	assert.Contains(t, out.String(), "- SKIP (j) SyslogIngest/gwlog-paced-100k: not measured")
}
