package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/gwlog/gwlog/httplog"
)

// tail prints the last lines of a stream and, with -f, follows it; its
// filters are GET /streams/{name}'s.
func tail(ctx context.Context, t *target, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 10, "lines")
	follow := fs.Bool("f", false, "follow")
	filters := map[string]*string{}
	for _, name := range []string{"level", "logger", "since", "until", "grep", "token"} {
		filters[name] = fs.String(name, "", name)
	}
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: tail wants one STREAM", errUsage)
	}
	if *n < 0 {
		return fmt.Errorf("%w: -n %d is negative", errUsage, *n)
	}
	if *follow && t.offline() {
		return errFollowStore
	}
	q := url.Values{}
	for name, v := range filters {
		if *v != "" {
			q.Set(name, *v)
		}
	}
	if _, err := httplog.ParseLineFilter(q, time.Now()); err != nil {
		return fmt.Errorf("%w: -%s", errUsage, err)
	}
	src, err := t.open()
	if err != nil {
		return err
	}
	defer src.close()
	return src.tail(ctx, stdout, fs.Arg(0), tailQuery{n: *n, follow: *follow, filter: q})
}

// tailQuery is what tail asks a source for: the last n lines, with
// follow the new ones after them, of those filter (GET /streams/{name}'s
// level, logger, since, until, grep and token) selects.
type tailQuery struct {
	n      int
	follow bool
	filter url.Values
}
