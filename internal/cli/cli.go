// Package cli is the gwlog command: it reads a running gwlogd back over
// its loopback HTTP API (-addr), or a store gwlogd left on disk,
// read-only (-store DIR); both feed the same printers (see source).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/cfg"
)

// DefaultAddr is gwlogd's API address.
const DefaultAddr = "127.0.0.1:8514"

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

const usage = `usage: gwlog [-addr HOST:PORT] [-token T] [-store DIR] COMMAND
  -addr HOST:PORT  gwlogd's API (default ` + DefaultAddr + `)
  -token T         the API token, when gwlogd requires one (default
                   $GWLOG_HTTP_TOKEN)
  -store DIR       read the store on disk in DIR, read-only, instead of
                   gwlogd; not while a gwlogd holds it (read through it
                   with -addr then)
commands:
  tail [-f] [-n N] [-level L] [-logger NAME] [-since T] [-until T]
       [-grep RE] [-token X] STREAM
                            the last N (default 10) lines of STREAM, of those
                            at level L or above, of logger NAME or below it,
                            from -since to -until, matching the regular
                            expression RE, of the request X (its
                            X-Request-ID); -f follows (not with -store:
                            nothing writes it)
  stats                     bytes, segments, lines and drops per stream, and
                            the disk: present or why not, bytes spilled and
                            queued, segments and lines lost, the store's files,
                            bytes, commits, syncs and write amplification;
                            with -store, its files per stream and its counters
  events [-type P] [-source S] [-since T] [-until T] [-where K OP V]...
         [-token X] [-limit N] [-reverse] [-format text|json|csv]
                            events, oldest first (-reverse: newest); T is RFC
                            3339, a date, -1h, -7d, now or Unix seconds; S may
                            glob with *; OP is one of = != < <= > >= ~
  series -type P -source S -attr A -step D [-since T] [-until T]
         [-format json|csv] attribute A in buckets of D (5m, 1h, 1d) with
                            count, min, max, avg, last; -since defaults to
                            -24h, -until to now
  plot -type P -source S -attr A -step D [-since T] [-until T] -o FILE.svg
       [-title T] [-unit U] [-width W] [-height H]
                            the series as an SVG chart: avg line, min-max band
  export -since T [-until T] [-o FILE]
                            a .tar.gz of every stream file with lines from
                            -since to -until (default now), as
                            DUMP/streams/NAME (debug.log.1, …), and of the
                            events of that time, as DUMP/events.jsonl (the
                            lines of events -format json); DUMP is
                            gwlog-dump-YYYYmmdd-HHMM (local time), FILE
                            defaults to DUMP.tar.gz, - is stdout
  check CONFIG...           validate config files (later override earlier; a
                            name ending in ? may be missing) and print the
                            effective config, each value with its file:line
`

// errUsage marks errors that exit with ExitUsage.
var errUsage = errors.New("usage")

// Run runs the command line args (without the program name) and returns
// the exit code. Errors go to stderr as one "gwlog: …" line.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stderr, usage)
		return ExitOK
	case errors.Is(err, errReported):
		return ExitUsage
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "gwlog: %v\n", err)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "gwlog: %v\n", err)
	return ExitFailure
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gwlog", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	t := &target{}
	fs.StringVar(&t.addr, "addr", DefaultAddr, "gwlogd's API address")
	fs.StringVar(&t.token, "token", os.Getenv("GWLOG_HTTP_TOKEN"), "the API token, when gwlogd requires one (default $GWLOG_HTTP_TOKEN)")
	fs.StringVar(&t.store, "store", "", "read the store in this directory instead of gwlogd")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["store"] && t.store == "":
		return fmt.Errorf("%w: -store: want a directory", errUsage)
	case set["store"] && set["addr"]:
		return fmt.Errorf("%w: -addr and -store: read gwlogd or a store on disk, not both", errUsage)
	}
	switch cmd, rest := fs.Arg(0), fs.Args(); cmd {
	case "tail":
		return tail(ctx, t, rest[1:], stdout)
	case "check":
		return check(rest[1:], stdout, stderr)
	case "events":
		return events(ctx, t, rest[1:], stdout)
	case "series":
		return series(ctx, t, rest[1:], stdout)
	case "plot":
		return plotCmd(ctx, t, rest[1:], stdout)
	case "stats":
		if len(rest) > 1 {
			return fmt.Errorf("%w: stats takes no arguments", errUsage)
		}
		return stats(ctx, t, stdout)
	case "export":
		return export(ctx, t, rest[1:], stdout)
	case "":
		return fmt.Errorf("%w: no command (try tail, stats, events, series, plot, export or check)", errUsage)
	default:
		return fmt.Errorf("%w: unknown command %q (try tail, stats, events, series, plot, export or check)", errUsage, cmd)
	}
}

func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return fmt.Errorf("%w: %w", errUsage, err)
}

// errReported marks a failure whose problems are on stderr already.
var errReported = errors.New("reported")

// check validates config files as gwlogd would load them — the files, and
// the runtime built from them (ring sizes against ram_cap) — and prints
// the effective config. Every problem goes to stderr, one per line.
func check(files []string, stdout, stderr io.Writer) error {
	if len(files) == 0 {
		return fmt.Errorf("%w: check wants one or more CONFIG files", errUsage)
	}
	c, err := cfg.Load(files...)
	if err == nil {
		var rt *gwlog.Runtime
		rt, err = gwlog.Open(gwlog.Options{Configs: files, Screen: io.Discard})
		if err == nil {
			rt.Close()
		}
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "gwlog: %s\n", strings.TrimPrefix(line, "gwlog: "))
		}
		return fmt.Errorf("%w: %w", errUsage, errReported)
	}
	_, err = c.WriteTo(stdout)
	return err
}
