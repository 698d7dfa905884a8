// Command gwlog reads a running gwlogd back over its loopback API
// (-addr): tail [-f] [-n N] STREAM, stats, events, series and plot; and
// check CONFIG… validates config files.
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
