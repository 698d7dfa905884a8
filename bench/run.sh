#!/usr/bin/env bash
# run.sh runs the logger benchmarks and prints their Markdown table.
# BENCH_COUNT (default 5) and BENCH_TIME (default 200ms) set go test's
# -count and -benchtime. The raw output goes to out/raw.txt, the table to
# out/table.md.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p out
go test -run '^$' -bench . -benchmem \
	-count "${BENCH_COUNT:-5}" -benchtime "${BENCH_TIME:-200ms}" | tee out/raw.txt
echo
# The table is made once the benchmarks are done, so that compiling
# benchtable does not compete with them for the CPU.
go run ./cmd/benchtable <out/raw.txt | tee out/table.md
