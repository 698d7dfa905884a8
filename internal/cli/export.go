package cli

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
)

// DumpPrefix starts the name of an export's top directory and default
// file: gwlog-dump-YYYYmmdd-HHMM, in local time.
const DumpPrefix = "gwlog-dump-"

// export writes a dump of a time window as a gzip'd tar:
//
//	gwlog-dump-YYYYmmdd-HHMM/streams/NAME   every stream file with lines in
//	                                        the window, whole, named as in
//	                                        RAM (debug.log.1, access.log)
//	gwlog-dump-YYYYmmdd-HHMM/events.jsonl   the events of the window, one
//	                                        JSON object a line, as events
//	                                        -format json prints them
//
// Stream files go stream by stream (by name), oldest first. The file is written
// under a temporary name beside it and renamed when complete; on error
// none is left. What the source could not read (a file gone before it
// was fetched, records skipped as corrupt) is left out of a dump that is
// kept, and said, and the command fails.
func export(ctx context.Context, t *target, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	since := fs.String("since", "", "from this time on (required)")
	until := fs.String("until", "now", "before this time")
	out := fs.String("o", "", "the .tar.gz to write; - for stdout (default gwlog-dump-YYYYmmdd-HHMM.tar.gz)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: export takes flags only, got %q", errUsage, fs.Arg(0))
	}
	if *since == "" {
		return fmt.Errorf("%w: export: -since is required (-since -1d takes the last day)", errUsage)
	}
	now := time.Now()
	from, err := httplog.ParseTime(*since, now)
	if err != nil {
		return fmt.Errorf("%w: -since: %v", errUsage, err)
	}
	to, err := httplog.ParseTime(*until, now)
	if err != nil {
		return fmt.Errorf("%w: -until: %v", errUsage, err)
	}
	if !from.Before(to) {
		return fmt.Errorf("%w: export: -since %s is not before -until %s", errUsage, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if *out == "" {
		*out = DumpPrefix + now.Format("20060102-1504") + ".tar.gz"
	}

	src, err := t.open()
	if err != nil {
		return err
	}
	defer src.close()
	d := &dumper{src: src, top: DumpPrefix + now.Format("20060102-1504"), from: from, to: to, now: now}
	if *out == "-" {
		d.spool = os.TempDir()
		if err := d.write(ctx, stdout); err != nil {
			return err
		}
		return d.missing()
	}
	if err := d.writeFile(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d files, %d events\n", *out, d.files, d.events)
	return d.missing()
}

// dumper writes one export.
type dumper struct {
	src      source
	top      string // the archive's top directory
	from, to time.Time
	now      time.Time
	spool    string // the directory of the events' temporary file

	files, events int      // written
	missed        []string // what could not be read, said at the end
}

// writeFile writes the dump to path through a temporary file in the same
// directory, renamed to path once complete.
func (d *dumper) writeFile(ctx context.Context, path string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	d.spool = dir
	f, err := createTemp(dir, "."+base+".", ".tmp")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := d.write(ctx, f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// createTemp creates a new file in dir named prefix, a random number,
// suffix, with mode 0644 before the umask (os.CreateTemp's files are
// 0600).
func createTemp(dir, prefix, suffix string) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64()%1e9, 10)+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("cannot create a temporary file in %s", dir)
}

// write writes the gzip'd tar to w.
func (d *dumper) write(ctx context.Context, w io.Writer) error {
	files, err := d.src.files(ctx)
	if err != nil {
		return err
	}
	picked, err := pick(files, d.from, d.to)
	if err != nil {
		return fmt.Errorf("%s: %w", d.src.name(), err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	gz := gzip.NewWriter(bw)
	tw := tar.NewWriter(gz)
	for _, dir := range []string{d.top + "/", d.top + "/streams/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: d.now}); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	for _, f := range picked {
		if err := d.addFile(ctx, tw, f); err != nil {
			return err
		}
	}
	if err := d.addEvents(ctx, tw); err != nil {
		return err
	}
	if err := errors.Join(tw.Close(), gz.Close(), bw.Flush()); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// pick returns the files with lines in [from, to): stream by stream,
// sorted by name (a daemon lists its streams in declaration order, a
// store by name), oldest first within a stream (files lists each
// stream's newest first). A name that could not be a stream's file is an
// error: it would land outside the dump's directory.
func pick(files []httplog.FileInfo, from, to time.Time) ([]httplog.FileInfo, error) {
	var groups [][]httplog.FileInfo
	for i := 0; i < len(files); {
		j := i + 1
		for j < len(files) && files[j].Stream == files[i].Stream {
			j++
		}
		var g []httplog.FileInfo
		for k := j - 1; k >= i; k-- {
			f := files[k]
			if err := httplog.CheckFileName(f.Name); err != nil {
				return nil, fmt.Errorf("bad file in the list: %w", err)
			}
			if f.Lines > 0 && overlaps(f.First, f.Last, from, to) {
				g = append(g, f)
			}
		}
		groups = append(groups, g)
		i = j
	}
	slices.SortStableFunc(groups, func(a, b []httplog.FileInfo) int {
		if len(a) == 0 || len(b) == 0 {
			return len(a) - len(b)
		}
		return strings.Compare(a[0].Stream, b[0].Stream)
	})
	return slices.Concat(groups...), nil
}

// overlaps reports whether the lines from first to last (in either
// order: a line may carry an earlier time than the one before it) reach
// into [from, to).
func overlaps(first, last, from, to time.Time) bool {
	if first.IsZero() || last.IsZero() {
		return false
	}
	if last.Before(first) {
		first, last = last, first
	}
	return first.Before(to) && !last.Before(from)
}

// addFile copies one stream file into the archive.
func (d *dumper) addFile(ctx context.Context, tw *tar.Writer, f httplog.FileInfo) error {
	rc, n, err := d.src.file(ctx, f.Name)
	if errors.Is(err, errNotFound) {
		d.missed = append(d.missed, f.Name+" (gone before it was read)")
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	mod := f.Last
	if f.First.After(mod) {
		mod = f.First
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: d.top + "/streams/" + f.Name, Size: n, Mode: 0o644, ModTime: mod}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := io.CopyN(tw, rc, n); err != nil {
		return fmt.Errorf("export: reading %s from %s: %w", f.Name, d.src.name(), err)
	}
	d.files++
	return nil
}

// addEvents writes the window's events as events.jsonl. They are spooled
// to a temporary file first: a tar entry's size comes before it.
func (d *dumper) addEvents(ctx context.Context, tw *tar.Writer) error {
	spool, err := os.CreateTemp(d.spool, ".gwlog-events-*.jsonl")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	bw := bufio.NewWriterSize(spool, 64<<10)
	var buf []byte
	q := url.Values{"since": {d.from.Format(time.RFC3339Nano)}, "until": {d.to.Format(time.RFC3339Nano)}}
	err = d.src.events(ctx, q, func(ev *eventlog.Event) error {
		buf = append(httplog.AppendEventJSON(buf[:0], *ev), '\n')
		d.events++
		_, err := bw.Write(buf)
		return err
	})
	if errors.Is(err, errSkipped) {
		d.missed = append(d.missed, err.Error())
		err = nil
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	n, err := spool.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = spool.Seek(0, io.SeekStart)
	}
	if err == nil {
		err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: d.top + "/events.jsonl", Size: n, Mode: 0o644, ModTime: d.now})
	}
	if err == nil {
		_, err = io.CopyN(tw, spool, n)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// missing says what the dump lacks, as the command's error.
func (d *dumper) missing() error {
	if len(d.missed) == 0 {
		return nil
	}
	return fmt.Errorf("export: the dump lacks what could not be read: %s", strings.Join(d.missed, "; "))
}
