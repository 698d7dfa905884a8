#!/usr/bin/env bash
# run.sh runs the logger benchmarks, the syslog ingest benchmark against
# rsyslogd, the steady-state spill measurement and the gwlogd load test,
# and prints their Markdown table. BENCH_COUNT (default 5) and BENCH_TIME
# (default 200ms) set go test's -count and -benchtime (BenchmarkBacklog
# runs twice over a million lines instead); BENCH_SYSLOG=0 skips
# the ingest benchmark (about a minute and a half; its own knobs are in
# ingest_test.go), BENCH_SPILL=0 the spill measurements (about 2¼ minutes
# each at the default 30 s flush, plain and with compress = gzip, which
# BENCH_SPILL_GZIP=0 skips, with the store in out/; knobs in
# spill_test.go; then the store's slow-tail benchmark) and BENCH_LOAD=0 the load test (DURATION, default 60 s;
# knobs in load.sh). The raw output goes to out/raw.txt, the ingest's to
# out/ingest.txt with the CPU profile of gwlog's flood runs in
# out/cpu-ingest.prof.* and its top functions in out/ingest-profile.txt,
# the spill measurement's to out/spill.txt, the load test's to
# out/load.txt, the table to out/table.md. BENCH_QUIET=0 skips the
# quiet-gateway flash measurement (quiet.sh: two runs of 2 minutes, on a
# loop-mounted ext4 when root; result lines in out/quiet.txt). A target that misses is
# reported in the table; the exit status is 1 when a step could not run
# or the spill measurement's checks failed (a lost segment, a line the
# store does not hold).
set -euo pipefail
cd "$(dirname "$0")"
GO=${GO:-go}
mkdir -p out
status=0

# step OUT PATTERN WHAT CMD...: runs CMD with its output on the screen
# and in out/OUT, whose lines that start with PATTERN (benchmark lines)
# go to raw.txt; a failure is said, as WHAT, and sets the exit status.
step() {
	local out=$1 pattern=$2 what=$3
	shift 3
	if "$@" | tee "out/$out"; then
		grep "^$pattern" "out/$out" >>out/raw.txt || true
	else
		echo "run.sh: $what failed: see out/$out" >&2
		status=1
	fi
}

# BenchmarkBacklog drains a backlog of b.N lines, which means something
# only for a long backlog: it runs on its own, over a million lines.
"$GO" test -run '^$' -bench . -skip '^BenchmarkBacklog$' -benchmem \
	-count "${BENCH_COUNT:-5}" -benchtime "${BENCH_TIME:-200ms}" | tee out/raw.txt
echo
step backlog.txt BenchmarkBacklog/ "the fleet backlog benchmark" \
	"$GO" test -run '^$' -bench '^BenchmarkBacklog$' -benchmem -count 2 -benchtime 1000000x -timeout 20m .

if [ "${BENCH_SYSLOG:-1}" != 0 ]; then
	echo
	rm -f out/cpu-ingest.prof.*
	# The runs print their results as benchmark lines, added to raw.txt.
	step ingest.txt BenchmarkSyslogIngest/ "the syslog ingest benchmark" \
		env BENCH_SYSLOG=1 BENCH_SYSLOG_CPUPROFILE=out/cpu-ingest.prof \
		"$GO" test -run '^TestSyslogIngest$' -count 1 -v -timeout 20m .
	if compgen -G 'out/cpu-ingest.prof.*' >/dev/null; then
		"$GO" tool pprof -top -nodecount 30 out/cpu-ingest.prof.* >out/ingest-profile.txt 2>&1 || true
		echo
		echo "Top of the CPU profile of gwlog's flood runs (out/ingest-profile.txt):"
		sed -n '1,40p' out/ingest-profile.txt
	fi
fi

if [ "${BENCH_SPILL:-1}" != 0 ]; then
	echo
	# It prints its result as a benchmark line, added to raw.txt.
	step spill.txt BenchmarkSpillSteady/ "the spill measurement" \
		env BENCH_SPILL=1 "$GO" test -run '^TestSpillSteadyState$' -count 1 -v -timeout 20m .
	if [ "${BENCH_SPILL_GZIP:-1}" != 0 ]; then
		echo
		step spill-gzip.txt BenchmarkSpillSteady/ "the spill measurement with gzip" \
			env BENCH_SPILL=1 BENCH_SPILL_COMPRESS=gzip "$GO" test -run '^TestSpillSteadyState$' -count 1 -v -timeout 20m .
	fi
	echo
	# The store's own benchmark: a slow stream's tail flushed as parts
	# and whole, over one 1 MiB segment.
	step persist.txt BenchmarkSlowTail/ "the store's slow-tail benchmark" \
		"$GO" -C .. test -run '^$' -bench 'BenchmarkSlowTail' -benchtime 9000x -count 1 ./persist
fi

if [ "${BENCH_QUIET:-1}" != 0 ]; then
	echo
	GO=$GO ./quiet.sh || { echo "run.sh: the quiet-gateway measurement failed" >&2; status=1; }
fi

if [ "${BENCH_LOAD:-1}" != 0 ]; then
	echo
	# load.sh exits 1 for a verdict that fails, which the table reports
	# as a miss; without its result line it could not run.
	./load.sh 2>&1 | tee out/load.txt || true
	if grep '^BenchmarkLoad/' out/load.txt >>out/raw.txt; then
		:
	else
		echo "run.sh: the load test did not run: see out/load.txt" >&2
		status=1
	fi
fi

echo
# The table is made once the benchmarks are done, so that compiling
# benchtable does not compete with them for the CPU.
"$GO" run ./cmd/benchtable <out/raw.txt | tee out/table.md
exit $status
