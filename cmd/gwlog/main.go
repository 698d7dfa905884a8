// Command gwlog reads a running gwlogd back: tail [-f] [-n N] STREAM and
// stats, over the daemon's loopback API (-addr).
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
