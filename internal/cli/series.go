package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/plot"
	"github.com/gwlog/gwlog/internal/units"
)

// seriesFlags are the flags series and plot share.
type seriesFlags struct {
	typ, source, attr, step, since, until *string
}

func newSeriesFlags(fs *flag.FlagSet) *seriesFlags {
	return &seriesFlags{
		typ:    fs.String("type", "", "type prefix (required)"),
		source: fs.String("source", "", "source, exact or a glob with * (required)"),
		attr:   fs.String("attr", "", "the attribute graphed (required)"),
		step:   fs.String("step", "", "bucket width: 5m, 1h, 1d (required)"),
		since:  fs.String("since", "-24h", "from this time on"),
		until:  fs.String("until", "now", "before this time"),
	}
}

// query checks the flags and returns GET /series' parameters.
func (f *seriesFlags) query(cmd string) (url.Values, error) {
	for _, req := range []struct{ name, v string }{{"type", *f.typ}, {"source", *f.source}, {"attr", *f.attr}, {"step", *f.step}} {
		if req.v == "" {
			return nil, fmt.Errorf("%w: %s: -%s is required (-source '*' takes every source)", errUsage, cmd, req.name)
		}
	}
	if d, err := units.ParseDuration(*f.step); err != nil || d <= 0 {
		return nil, fmt.Errorf("%w: -step: want a positive duration such as 5m, 1h or 1d, got %q", errUsage, *f.step)
	}
	if err := errors.Join(timeFlag("since", *f.since), timeFlag("until", *f.until)); err != nil {
		return nil, err
	}
	return url.Values{"type": {*f.typ}, "source": {*f.source}, "attr": {*f.attr}, "step": {*f.step},
		"since": {*f.since}, "until": {*f.until}}, nil
}

// fetchSeries opens the source and asks it for a series. Records it
// had to skip come back as ans.Error; the caller prints what it has,
// then fails with skipped. The source is returned open, for plot's unit.
func fetchSeries(ctx context.Context, t *target, q url.Values) (ans httplog.SeriesAnswer, src source, err error) {
	src, err = t.open()
	if err != nil {
		return ans, nil, err
	}
	ans, err = src.series(ctx, q)
	if err != nil {
		src.close()
		return ans, nil, err
	}
	return ans, src, nil
}

// skipped turns the source's report of skipped records into an error.
func skipped(src source, ans *httplog.SeriesAnswer) error {
	if ans.Error == "" {
		return nil
	}
	return fmt.Errorf("%s: %s", src.name(), ans.Error)
}

// series prints one attribute of the selected events in buckets, as
// gwlogd's JSON (httplog.SeriesAnswer: {"buckets":[…],"skipped":N}) or as
// CSV with the header start,count,min,max,avg,last (empty buckets have a
// count of 0 and empty values).
func series(ctx context.Context, t *target, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("series", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sf := newSeriesFlags(fs)
	format := fs.String("format", "json", "json or csv")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: series takes flags only, got %q", errUsage, fs.Arg(0))
	}
	if *format != "json" && *format != "csv" {
		return fmt.Errorf("%w: -format: want json or csv, got %q", errUsage, *format)
	}
	q, err := sf.query("series")
	if err != nil {
		return err
	}
	ans, src, err := fetchSeries(ctx, t, q)
	if err != nil {
		return err
	}
	defer src.close()
	if *format == "json" {
		err = json.NewEncoder(stdout).Encode(ans) // as gwlogd encodes it
		return errors.Join(err, skipped(src, &ans))
	}
	bw := bufio.NewWriter(stdout)
	w := csv.NewWriter(bw)
	_ = w.Write([]string{"start", "count", "min", "max", "avg", "last"})
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	for _, b := range ans.Buckets {
		rec := []string{b.Start.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"), strconv.Itoa(b.Count), "", "", "", ""}
		if b.Count > 0 {
			rec[2], rec[3], rec[4], rec[5] = num(b.Min), num(b.Max), num(b.Avg), num(b.Last)
		}
		_ = w.Write(rec) // errors stick: w.Error
	}
	w.Flush()
	return errors.Join(w.Error(), bw.Flush(), skipped(src, &ans))
}

// plotCmd renders a series as an SVG chart into -o ("-" for stdout). The
// title defaults to "TYPE SOURCE ATTR", the unit to the "unit" attribute
// of the newest matching event, if it has one.
func plotCmd(ctx context.Context, t *target, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sf := newSeriesFlags(fs)
	out := fs.String("o", "", "the SVG file to write (required; - for stdout)")
	title := fs.String("title", "", "the chart's title")
	unit := fs.String("unit", "", "the value axis' unit")
	width := fs.Int("width", plot.DefaultWidth, "width in pixels")
	height := fs.Int("height", plot.DefaultHeight, "height in pixels")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: plot takes flags only, got %q", errUsage, fs.Arg(0))
	}
	if *out == "" {
		return fmt.Errorf("%w: plot: -o FILE.svg is required", errUsage)
	}
	if *width <= 0 || *height <= 0 {
		return fmt.Errorf("%w: plot: -width and -height must be positive", errUsage)
	}
	q, err := sf.query("plot")
	if err != nil {
		return err
	}
	ans, src, err := fetchSeries(ctx, t, q)
	if err != nil {
		return err
	}
	defer src.close()
	o := plot.Options{Title: *title, Unit: *unit, Width: *width, Height: *height}
	if o.Title == "" {
		o.Title = *sf.typ + " " + *sf.source + " " + *sf.attr
	}
	if o.Unit == "" {
		o.Unit = unitOf(ctx, src, q)
	}
	step, _ := units.ParseDuration(*sf.step) // checked by query
	o.Step = step
	svg := plot.AppendSVG(nil, eventlog.Series{Buckets: ans.Buckets, Skipped: ans.Skipped}, o)
	if *out == "-" {
		_, err = stdout.Write(svg)
	} else if err = os.WriteFile(*out, svg, 0o644); err != nil {
		err = fmt.Errorf("plot: %w", err)
	}
	return errors.Join(err, skipped(src, &ans))
}

// unitOf returns the "unit" string attribute of the newest event of the
// series, or "" when there is none or it cannot be read: the unit is a
// label, not worth failing the chart for.
func unitOf(ctx context.Context, src source, sq url.Values) string {
	q := url.Values{"type": sq["type"], "source": sq["source"], "since": sq["since"], "until": sq["until"],
		"where": {"unit~"}, "reverse": {"1"}, "limit": {"1"}}
	unit := ""
	_ = src.events(ctx, q, func(ev *eventlog.Event) error {
		for _, a := range ev.Attrs {
			if a.Key == "unit" && a.Value.Kind() == eventlog.KindString {
				unit = a.Value.AsString()
				break
			}
		}
		return nil
	})
	return unit
}
