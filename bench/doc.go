// Package bench compares gwlog with zerolog, zap and log/slog on one log
// line. It is a module of its own so that the competitors never enter
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
// # Caveats
//
// Each logger keeps its own default timestamp: gwlog's asctime has
// milliseconds, zerolog's RFC 3339 time has seconds, zap's is float epoch
// seconds and slog's RFC 3339 has nanoseconds. The JSON loggers' lines
// are longer than gwlog's. Ring is a plain byte ring with no line index,
// rotation or counters, so it costs less per write than gwlog's ring.
// The numbers come from one machine; compare ratios within one run.
package bench
