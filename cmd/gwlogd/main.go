// Command gwlogd runs the gwlog runtime as a daemon: RAM rings, the
// read-back HTTP API on loopback and, with -demo, a simulated gateway.
// -config log.cfg -config prod.cfg? selects config files (the embedded
// minimal profile without); they are re-read every reload interval and on
// SIGHUP. SIGINT and SIGTERM flush and exit 0. The API may listen beyond
// loopback (-http 0.0.0.0:8514) only with a bearer token: -http-token,
// $GWLOG_HTTP_TOKEN or [runtime] http_token.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/internal/daemon"
)

func main() {
	// Signals are caught first: SIGTERM stops a gwlogd that is still
	// starting (daemon.Run gives up opening), and an early SIGHUP does
	// not kill it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	var c daemon.Config
	fs := flag.NewFlagSet("gwlogd", flag.ContinueOnError)
	fs.Func("config", "config file, repeatable: later ones override earlier ones; a name ending in ? may be missing",
		func(v string) error { c.Options.Configs = append(c.Options.Configs, v); return nil })
	fs.StringVar(&c.HTTP, "http", daemon.DefaultHTTP, "read-back API address, or none; beyond loopback it needs a token")
	fs.StringVar(&c.HTTPToken, "http-token", "", "bearer token the API requires (default $GWLOG_HTTP_TOKEN, else [runtime] http_token);\n"+
		"visible to other local users in the process list: prefer the variable or the config")
	fs.StringVar(&c.Syslog, "syslog", "", "UDP address of the local syslog ingest (loopback only), e.g. 127.0.0.1:5514")
	fs.StringVar(&c.SyslogSocket, "syslog-socket", "", "unix datagram socket of the syslog ingest, e.g. /dev/log")
	fs.BoolVar(&c.Demo, "demo", false, "simulate a gateway: HTTP requests, temperature events, debug chatter")
	fs.Func("demo-rate", "pace of the demo, above 0 and up to 1000 (1 = ten requests a second)", func(v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r > 0 && r <= 1000) {
			return errors.New("want a number above 0 and up to 1000")
		}
		c.DemoOptions.Rate = r
		return nil
	})
	fs.Func("ram-cap", "hard cap on all RAM rings, e.g. 16MiB (default 100MiB, at most a quarter of MemTotal), as [runtime] ram_cap takes it", func(v string) error {
		var r cfg.Runtime
		err := r.Set("ram_cap", v)
		c.Options.RAMCap = r.RAMCap
		return err
	})
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if c.HTTPToken == "" {
		c.HTTPToken = os.Getenv("GWLOG_HTTP_TOKEN")
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gwlogd: unexpected argument %q\n", fs.Arg(0))
		os.Exit(2)
	}
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	c.Reload = reload
	if err := daemon.Run(ctx, c); err != nil {
		fmt.Fprintf(os.Stderr, "gwlogd: %v\n", err)
		if errors.Is(err, daemon.ErrUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
