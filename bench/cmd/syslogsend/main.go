// Command syslogsend sends syslog messages over UDP to a collector on
// loopback, for the ingest benchmarks and the load test (bench.Send):
//
//	syslogsend -addr 127.0.0.1:5514 -count 500000              # as fast as it can
//	syslogsend -addr 127.0.0.1:5514 -rate 10000 -duration 60s  # paced
//
// It prints what it sent as one JSON object on standard output.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gwlog/gwlog/bench"
)

func main() {
	var o bench.SendOptions
	flag.StringVar(&o.Addr, "addr", "", "the collector's UDP address, 127.0.0.1:PORT (loopback only)")
	flag.IntVar(&o.Senders, "senders", 1, "sending goroutines, each with its own socket")
	flag.IntVar(&o.Count, "count", 0, "messages to send in all (0: until -duration)")
	flag.DurationVar(&o.Duration, "duration", 0, "how long to send (0: until -count)")
	flag.IntVar(&o.Rate, "rate", 0, "messages per second in all (0: as fast as possible)")
	flag.IntVar(&o.Apps, "apps", 4, "distinct app names")
	flag.IntVar(&o.Errors, "errors", 0, "one message in this many at severity err (0: none)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := bench.Send(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "syslogsend:", err)
		os.Exit(2)
	}
	_ = json.NewEncoder(os.Stdout).Encode(st)
}
