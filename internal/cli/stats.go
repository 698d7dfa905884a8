package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/persist"
)

// stats prints a source's counters (printStats).
func stats(ctx context.Context, t *target, stdout io.Writer) error {
	src, err := t.open()
	if err != nil {
		return err
	}
	defer src.close()
	r, err := src.stats(ctx)
	if err != nil {
		return err
	}
	return printStats(stdout, r)
}

// printStats prints a daemon's report as a table of its rings,
//
//	stream   bytes  ring  segments  lines  written  drops
//	 debug  1.2KiB  6MiB         1     15       15      0
//
// then what each holds in the RAM it takes (printHeld), then its disk path (or that it has none) and its store:
//
//	disk      /var/log/gwlog: present
//	spilled   1.5MiB in 12 flushes
//	queued    0B
//	lost      0 segments, 0 lines
//	failures  0
//	files     1, 4.1MiB on disk, cap 1GiB
//	segments  12
//	corrupt   0 values, 0 files recovered
//	commits   12, 25 syncs
//	written   2.1MiB, write amp 1.40
//	gzip      1.2MiB into 180KiB     (when compress = gzip stored some)
//
// and its syslog ingest's counters, when it has one:
//
//	syslog    1200 received, 3 malformed, 1 truncated, 37 lost (receive buffer overflowed)
//
// and a line per fleet destination, with its spend against its budget:
//
//	forward   fleet (loki): 1200 sent, 40 held back, 3 lost, 0 rejected, lag 2, spent 1.2MiB of 20MiB, last error: …
//
// A store's report (-store) has a table of its files per stream (stream,
// files, bytes, lines, first, last) instead, then "store DIR" and the
// store's counters down to corrupt.
func printStats(w io.Writer, r *report) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', tabwriter.AlignRight)
	if r.Stored == nil {
		fmt.Fprintln(tw, "stream\tbytes\tring\tsegments\tlines\twritten\tdrops\t")
		for _, s := range r.Streams {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t\n", s.Name, units.FormatSize(s.Bytes), units.FormatSize(s.Cap),
				s.Segments, s.Lines, s.Written, s.Drops)
		}
	} else {
		fmt.Fprintln(tw, "stream\tfiles\tbytes\tlines\tfirst\tlast\t")
		for _, s := range r.Stored {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t\n", s.Name, s.Files, units.FormatSize(s.Bytes), s.Lines, stamp(s.First), stamp(s.Last))
		}
	}
	err := tw.Flush()
	printHeld(bw, r)
	fmt.Fprintln(bw)
	kv := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	st := r.Store
	switch d := r.Disk; {
	case r.Stored != nil:
		fmt.Fprintf(kv, "store\t%s (read-only)\n", r.Dir)
	case d == nil:
		fmt.Fprintln(kv, "disk\tnone configured: RAM only")
	default:
		if d.Present {
			fmt.Fprintf(kv, "disk\t%s: present\n", d.Dir)
		} else {
			fmt.Fprintf(kv, "disk\t%s: not present: %s\n", d.Dir, d.Reason)
		}
		fmt.Fprintf(kv, "spilled\t%s in %s\n", size(d.Spilled), count(d.Flushes, "flush", "flushes"))
		fmt.Fprintf(kv, "queued\t%s\n", units.FormatSize(d.Queued))
		fmt.Fprintf(kv, "lost\t%s, %s\n", count(d.Lost, "segment", "segments"), count(d.LostLines, "line", "lines"))
		fmt.Fprintf(kv, "failures\t%d\n", d.Failures)
		printWrites(kv, &d.Writes)
		st = d.Store
	}
	if st != nil {
		printStore(kv, st, r.Stored == nil)
	}
	if in := r.Syslog; in != nil {
		fmt.Fprintf(kv, "syslog\t%d received, %d malformed, %d truncated, %d lost (receive buffer overflowed)\n",
			in.Received, in.Malformed, in.Truncated, in.KernelDrops)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Shippers)) {
		fmt.Fprintf(kv, "forward\t%s\n", shipLine(name, r.Shippers[name]))
	}
	return errors.Join(err, kv.Flush(), bw.Flush())
}

// printStore prints a store's counters; written says whether to print
// those of its writes.
func printStore(kv io.Writer, st *persist.Stats, written bool) {
	capacity := ""
	if st.Cap > 0 {
		capacity = ", cap " + units.FormatSize(st.Cap)
	}
	fmt.Fprintf(kv, "files\t%d, %s on disk%s\n", st.Files, units.FormatSize(st.DiskBytes), capacity)
	fmt.Fprintf(kv, "segments\t%d\n", st.Segments)
	fmt.Fprintf(kv, "corrupt\t%s, %s recovered\n", count(st.Corrupt, "value", "values"), count(st.Recovered, "file", "files"))
	printDamaged(kv, st.Damaged)
	if !written {
		return
	}
	fmt.Fprintf(kv, "commits\t%d, %s\n", st.Commits, count(st.Syncs, "sync", "syncs"))
	amp := "-" // unknown: no /proc, or nothing written yet
	if st.WriteAmp > 0 {
		amp = strconv.FormatFloat(st.WriteAmp, 'f', 2, 64)
	}
	fmt.Fprintf(kv, "written\t%s, write amp %s\n", size(st.ProcessWriteBytes), amp)
	if st.GzipBytes > 0 {
		fmt.Fprintf(kv, "gzip\t%s into %s\n", size(st.GzipBytes), size(st.GzipStored))
	}
}

// printWrites prints what the disk path wrote today and a day on average,
// the budget, and the device's sectors where the kernel says.
func printWrites(kv io.Writer, w *gwlog.SpillWrites) {
	budget := "no budget"
	if w.Budget > 0 {
		budget = "budget " + units.FormatSize(w.Budget) + "/day"
		if w.Held > 0 {
			budget += ", " + count(w.Held, "urgent flush", "urgent flushes") + " put off"
		}
	}
	perDay := "-" // under a minute up: too early to say
	if w.PerDay > 0 {
		perDay = size(w.PerDay)
	}
	fmt.Fprintf(kv, "today\t%s written, %s/day on average, %s\n", size(w.Today), perDay, budget)
	if w.Device != "" {
		fmt.Fprintf(kv, "device\t%s: %d sectors written (%s), by every writer\n", w.Device, w.Sectors, size(w.Sectors*512))
	}
}

// count formats n with the noun it counts.
func count(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatUint(n, 10) + " " + many
}

// size formats a byte count.
func size(n uint64) string { return units.FormatSize(int64(min(n, 1<<62))) }

// stamp formats a time for the tables: UTC, to the second; "-" for none.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// printHeld prints, after a blank line, what each ring that took RAM
// holds, one line each:
//
//	debug     9.2MiB of 38.7MiB holds 61MiB of log (6.6×) over 14h5m
//	events    1.1MiB of 19.3MiB holds 160000 events, 11MiB of records (9.8×) over 4h26m
func printHeld(w io.Writer, r *report) {
	var b strings.Builder
	kv := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, s := range r.Streams {
		if s.RAM > 0 && s.Plain == 0 {
			fmt.Fprintf(kv, "%s\t%s of %s holds nothing yet\n", s.Name, units.FormatSize(s.RAM), units.FormatSize(s.Cap))
		} else if s.RAM > 0 {
			fmt.Fprintf(kv, "%s\t%s of %s holds %s of log (%.1f×) over %s\n", s.Name, units.FormatSize(s.RAM), units.FormatSize(s.Cap),
				units.FormatSize(s.Plain), s.Ratio, span(s.First, s.Last))
		}
	}
	if e := r.Events; e != nil && e.RAM > 0 {
		fmt.Fprintf(kv, "events\t%s of %s holds %d events, %s of records (%.1f×) over %s\n", units.FormatSize(e.RAM), units.FormatSize(e.Cap),
			e.Held, units.FormatSize(e.Plain), e.Ratio, span(e.First, e.Last))
	}
	if kv.Flush(); b.Len() > 0 {
		fmt.Fprint(w, "\n"+b.String())
	}
}

// span says how long [first, last] (Unix ns) is, to the second: "14h5m",
// "2d3h", "0s"; "-" when first is 0.
func span(first, last int64) string {
	if first == 0 {
		return "-"
	}
	d := time.Duration(last - first).Round(time.Second)
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	}
	out := d.String()
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}

// shipLine says a fleet destination's counters in a line.
func shipLine(name string, st forward.ShipStats) string {
	spent := "spent " + units.FormatSize(st.Spend)
	if st.Budget > 0 {
		spent += " of " + units.FormatSize(st.Budget)
	}
	line := fmt.Sprintf("%s (%s): %d sent, %d held back, %d lost, %d rejected, lag %d, %s",
		name, st.Kind, st.Sent, st.HeldBack, st.Lost, st.Rejected, st.Lag, spent)
	if st.LastError != "" {
		line += ", last error: " + st.LastError
	}
	return line
}
