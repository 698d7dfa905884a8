// Package cli is the gwlog command: it reads a running gwlogd back over
// its loopback HTTP API.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/ramlog"
)

// DefaultAddr is gwlogd's API address.
const DefaultAddr = "127.0.0.1:8514"

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

const usage = `usage: gwlog [-addr HOST:PORT] [-token T] COMMAND
commands:
  tail [-f] [-n N] STREAM   the last N (default 10) lines of STREAM; -f follows
  stats                     bytes, segments, lines and drops per stream
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
	addr := fs.String("addr", DefaultAddr, "gwlogd's API address")
	token := fs.String("token", os.Getenv("GWLOG_HTTP_TOKEN"), "the API token, when gwlogd requires one (default $GWLOG_HTTP_TOKEN)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	c := &client{base: "http://" + *addr, token: *token}
	switch cmd, rest := fs.Arg(0), fs.Args(); cmd {
	case "tail":
		return c.tail(ctx, rest[1:], stdout)
	case "check":
		return check(rest[1:], stdout, stderr)
	case "events":
		return c.events(ctx, rest[1:], stdout)
	case "series":
		return c.series(ctx, rest[1:], stdout)
	case "plot":
		return c.plot(ctx, rest[1:], stdout)
	case "stats":
		if len(rest) > 1 {
			return fmt.Errorf("%w: stats takes no arguments", errUsage)
		}
		return c.stats(ctx, stdout)
	case "":
		return fmt.Errorf("%w: no command (try tail, stats, events, series, plot or check)", errUsage)
	default:
		return fmt.Errorf("%w: unknown command %q (try tail, stats, events, series, plot or check)", errUsage, cmd)
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

// client talks to gwlogd's API; token, when set, goes as a Bearer
// credential (an API on a non-loopback address requires one).
type client struct{ base, token string }

// get is fetch for the default content type.
func (c *client) get(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	return c.fetch(ctx, path, q, "")
}

func (c *client) tail(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 10, "lines")
	follow := fs.Bool("f", false, "follow")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: tail wants one STREAM", errUsage)
	}
	if *n < 0 {
		return fmt.Errorf("%w: -n %d is negative", errUsage, *n)
	}
	q := url.Values{"n": {strconv.Itoa(*n)}}
	if *follow {
		q.Set("follow", "1")
	}
	resp, err := c.get(ctx, "/streams/"+url.PathEscape(fs.Arg(0)), q)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !*follow {
		_, err = io.Copy(stdout, resp.Body)
		return err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if _, err := fmt.Fprintln(stdout, line); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil {
		return nil // interrupted: a normal end for tail -f
	}
	return sc.Err()
}

func (c *client) stats(ctx context.Context, stdout io.Writer) error {
	resp, err := c.get(ctx, "/streams", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var streams []ramlog.Stats
	if err := json.NewDecoder(resp.Body).Decode(&streams); err != nil {
		return fmt.Errorf("gwlogd sent bad JSON: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stream\tbytes\tring\tsegments\tlines\twritten\tdrops\t")
	for _, s := range streams {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t\n", s.Name, units.FormatSize(s.Bytes), units.FormatSize(s.Cap),
			s.Segments, s.Lines, s.Written, s.Drops)
	}
	return tw.Flush()
}
