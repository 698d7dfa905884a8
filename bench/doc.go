// Package bench compares gwlog with zerolog, phuslu/log, zap and log/slog
// on one log line. It is a module of its own so that the competitors never enter
// gwlog's dependencies.
//
// # Basics
//
// Every benchmark logs the same record: INFO, "request handled",
// path="/api/v1/status", status=200, temp=21.5, latency_us=1234, with a
// timestamp. gwlog writes it into its 6 MiB "debug" RAM ring; each
// competitor writes it into io.Discard and into a Ring of the same size.
//
//	./run.sh                              # prints the table, keeps out/raw.txt and out/table.md
//	BENCH_COUNT=10 BENCH_TIME=1s ./run.sh
//
// Besides the benchmarks, run.sh runs measurements that print their
// results in the same format. One is the disk path in steady state
// (TestSpillSteadyState, gated by BENCH_SPILL): a runtime with the disk
// profile's defaults and its store on a real disk logs 1 MB/s of INFO lines
// for a warm-up and three flush intervals, and reports the write
// amplification (bytes the process wrote to the disk, from /proc/self/io,
// per byte of log line), the store's fsyncs and commits per flush
// interval, the spill queue's peak, and fails if a segment is lost or the
// store, reopened, does not hold every line once:
//
//	BENCH_SPILL=1 go test -run TestSpillSteadyState -v -count 1 -timeout 10m .
//	BENCH_SPILL=1 BENCH_SPILL_FLUSH=4s BENCH_SPILL_INTERVALS=2 go test -run TestSpillSteadyState -v .
//
// # Caveats
//
// Each logger keeps its own default timestamp: gwlog's asctime has
// milliseconds, zerolog's RFC 3339 time has seconds, phuslu's RFC 3339
// has milliseconds, zap's is float epoch seconds and slog's RFC 3339 has
// nanoseconds. The JSON loggers' lines
// are longer than gwlog's. Ring is a plain byte ring with no line index,
// rotation or counters, so it costs less per write than gwlog's ring.
// The numbers come from one machine; compare ratios within one run. The
// spill measurement's fsyncs are the store's count of bbolt's (two per
// commit and one per growth of the file), and its write amplification
// counts every write of the process, not only the store's; its max-log-ms
// is wall time on a machine that may be busy.
package bench
