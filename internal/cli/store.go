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

func (s *store) tail(_ context.Context, w io.Writer, stream string, n int, follow bool) error {
	if follow {
		return errFollowStore
	}
	st := s.v.Stream(stream)
	if st == nil {
		return &tagged{msg: s.failf("no stream %q", stream).Error(), tag: errNotFound}
	}
	_, err := w.Write(st.AppendTail(nil, n))
	return err
}

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
