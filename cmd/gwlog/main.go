// Command gwlog reads gwlog's logs back: from a running gwlogd over its
// loopback API (-addr), or from the store a gwlogd left on disk,
// read-only (-store DIR): tail [-f] [-n N] STREAM, stats, events, series,
// plot and export (a .tar.gz of a time window's stream files and
// events); and check CONFIG… validates config files. "gwlog -h" lists
// the flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gwlog/gwlog/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
