package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/persist"
)

// store is the source of a store on disk (-store DIR), read-only through
// gwlog.OpenStore: the same readers as gwlogd's over what its disk path
// left. Parameters are read as gwlogd reads them (httplog.ParseFilter,
// ParseSeries), relative times from this process' clock.
type store struct {
	dir string
	v   *gwlog.StoreView
}

func (s *store) name() string { return "store " + s.dir }
func (s *store) close() error { return s.v.Close() }

// failf returns an error naming the store.
func (s *store) failf(format string, args ...any) error {
	return fmt.Errorf("store %s: %s", s.dir, fmt.Sprintf(format, args...))
}

// tail reads a stream of the store. Its lines are read as the default
// pattern writes them: the store does not keep the formats.
func (s *store) tail(ctx context.Context, w io.Writer, stream string, tq tailQuery) error {
	if tq.follow {
		return errFollowStore
	}
	st := s.v.Stream(stream)
	if st == nil {
		return &tagged{msg: s.failf("no stream %q", stream).Error(), tag: errNotFound}
	}
	flt, err := httplog.ParseLineFilter(tq.filter, time.Now())
	if err != nil {
		return fmt.Errorf("%w: -%s", errUsage, err)
	}
	if flt.Empty() {
		_, err = w.Write(st.AppendTail(nil, tq.n))
		return err
	}
	m, err := flt.Match(defaultFormat.Scanner(), defaultFormat.Pattern())
	if err != nil {
		return fmt.Errorf("%w: -%s", errUsage, err)
	}
	_, err = st.WriteMatching(ctx, w, tq.n, m)
	return err
}

// defaultFormat is the formatter of the default pattern, by which lines
// read from a store are read back.
var defaultFormat = levels.MustFormatter(levels.FormatterOptions{})

// errFollowStore refuses tail -f on a store.
var errFollowStore = fmt.Errorf("%w: tail -f: nothing writes a store read with -store; follow a running gwlogd with -addr", errUsage)

// queryErr makes an invalid query's error a usage error, as gwlogd's 400.
func queryErr(err error) error {
	return fmt.Errorf("%w: %s", errUsage, strings.TrimPrefix(err.Error(), eventlog.ErrQuery.Error()+": "))
}

func (s *store) events(ctx context.Context, q url.Values, f func(*eventlog.Event) error) error {
	flt, err := httplog.ParseFilter(q, time.Now())
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	var skipped []error
	started := false
	for ev, err := range s.v.Events().Query(flt) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if !started && errors.Is(err, eventlog.ErrQuery) {
				return queryErr(err)
			}
			skipped = append(skipped, err)
			continue
		}
		started = true
		if err := f(&ev); err != nil {
			return err
		}
	}
	if msg := httplog.SkipReport(skipped); msg != "" {
		return &tagged{msg: s.failf("%s", msg).Error(), tag: errSkipped}
	}
	return nil
}

func (s *store) series(_ context.Context, q url.Values) (httplog.SeriesAnswer, error) {
	sq, err := httplog.ParseSeries(q, time.Now())
	if err != nil {
		return httplog.SeriesAnswer{}, fmt.Errorf("%w: %w", errUsage, err)
	}
	ser, err := s.v.Events().Series(sq)
	if errors.Is(err, eventlog.ErrQuery) {
		return httplog.SeriesAnswer{}, queryErr(err)
	}
	if err != nil {
		return httplog.SeriesAnswer{}, s.failf("%v", err)
	}
	return httplog.NewSeriesAnswer(ser), nil
}

// stats sums up the stored files by stream, with the store's counters.
// The disk budget is the daemon's to set, so it is left out.
func (s *store) stats(ctx context.Context) (*report, error) {
	files, err := s.files(ctx)
	if err != nil {
		return nil, err
	}
	r := &report{Dir: s.dir, Stored: []storedStream{}}
	for _, f := range files {
		if len(r.Stored) == 0 || r.Stored[len(r.Stored)-1].Name != f.Stream {
			r.Stored = append(r.Stored, storedStream{Name: f.Stream})
		}
		ss := &r.Stored[len(r.Stored)-1]
		ss.Files++
		ss.Bytes += f.Size
		ss.Lines += f.Lines
		for _, t := range []time.Time{f.First, f.Last} {
			if t.IsZero() {
				continue
			}
			if ss.First.IsZero() || t.Before(ss.First) {
				ss.First = t
			}
			if t.After(ss.Last) {
				ss.Last = t
			}
		}
	}
	st := s.v.Stats()
	st.Cap = 0
	r.Store = &st
	return r, nil
}

func (s *store) files(context.Context) ([]httplog.FileInfo, error) {
	return httplog.Files(s.v.Streams()), nil
}

func (s *store) file(_ context.Context, name string) (io.ReadCloser, int64, error) {
	if err := httplog.CheckFileName(name); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", errUsage, err)
	}
	b, err := fs.ReadFile(s.v.FS(), name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, &tagged{msg: s.failf("no file %s", strconv.Quote(name)).Error(), tag: errNotFound}
	}
	if err != nil {
		return nil, 0, s.failf("%v", err)
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

// printDamaged prints the damaged files of a store's counters (a daemon's
// or one read with -store), a few lines each, as
//
//	damaged   gwlog-2026-11-21.db: renamed to gwlog-2026-11-21.db.corrupt-1795305600 (2026-11-22T00:00:00Z): bbolt check: …
//	          salvaged 46 segments (2.7MiB, 93748 records) into gwlog-2026-11-21.db
//	          lost 2 segments (512KiB): debug 4 at offset 1196065 (data fails its checksum), debug 5 at offset 1462272 (data missing)
//	          1 value unreadable (256KiB)
//
// A file a read-only store skipped says what gwlogd will salvage of it.
func printDamaged(kv io.Writer, damaged []persist.Damage) {
	for _, d := range damaged {
		where := "skipped, read-only"
		if d.Aside != "" {
			where = "renamed to " + d.Aside
		}
		line := fmt.Sprintf("%s: %s (%s)", d.File, where, stamp(d.At))
		if d.Cause != "" {
			line += ": " + d.Cause
		}
		if d.Unknown {
			line += "; nothing more is known of it"
		}
		fmt.Fprintf(kv, "damaged\t%s\n", line)
		if d.Unknown {
			continue
		}
		segs := fmt.Sprintf("%s (%s, %s)", count(uint64(d.Segments), "segment", "segments"), size(uint64(d.Bytes)), count(d.Records, "record", "records"))
		switch {
		case d.Failed != "":
			fmt.Fprintf(kv, "\tsalvage failed: %s\n", d.Failed)
		case d.Aside == "":
			fmt.Fprintf(kv, "\t%s can be salvaged: gwlogd salvages the file when it opens the store\n", segs)
		case d.Into != "":
			fmt.Fprintf(kv, "\tsalvaged %s into %s\n", segs, d.Into)
		default:
			fmt.Fprintf(kv, "\tnothing salvaged\n")
		}
		if d.LostSegments > 0 {
			var b strings.Builder
			fmt.Fprintf(&b, "lost %s (%s)", count(uint64(d.LostSegments), "segment", "segments"), size(uint64(d.LostBytes)))
			for i, l := range d.Lost {
				sep := ", "
				if i == 0 {
					sep = ": "
				}
				if i == 8 {
					fmt.Fprintf(&b, ", and %d more", d.LostSegments-i)
					break
				}
				stream := l.Stream
				if stream == "" {
					stream = "(stream not known)"
				}
				fmt.Fprintf(&b, "%s%s %d at offset %d (%s)", sep, stream, l.ID, l.Offset, l.Cause)
			}
			fmt.Fprintf(kv, "\t%s\n", b.String())
		}
		if len(d.Streams) > 0 {
			fmt.Fprintf(kv, "\tsegments of %s not known: pages of their buckets lost\n", strings.Join(d.Streams, ", "))
		}
		if d.Unreadable > 0 {
			fmt.Fprintf(kv, "\t%s unreadable (%s)\n", count(uint64(d.Unreadable), "value", "values"), size(uint64(d.UnreadableBytes)))
		}
		if d.Unplaced > 0 {
			fmt.Fprintf(kv, "\t%s of segments not known (%s)\n", count(uint64(d.Unplaced), "value", "values"), size(uint64(d.UnplacedBytes)))
		}
		if d.StoppedAt > 0 {
			fmt.Fprintf(kv, "\tsalvage stopped at offset %d, at its bounds\n", d.StoppedAt)
		}
	}
}
