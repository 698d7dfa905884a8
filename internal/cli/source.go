package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

// A source is what the read-back commands read: a running gwlogd over
// its HTTP API (client), or a store on disk, read-only (store). A
// command checks its flags, opens the source, asks it for values and
// prints them itself, so that its output is the same from either.
// Errors that are the caller's (a parameter the source refuses, which it
// names) wrap errUsage.
type source interface {
	// name says where the source reads, for the errors it reports:
	// "gwlogd", or "store DIR".
	name() string
	// tail writes the last n lines of the named stream that the filter
	// selects to w, oldest first; with follow (gwlogd only) it goes on
	// with new lines until ctx ends.
	tail(ctx context.Context, w io.Writer, stream string, q tailQuery) error
	// events calls f with each event that GET /events' parameters q
	// select, in the order they ask; the event is valid during the call
	// only. Records that could not be read are skipped and make the
	// returned error, once every event is through.
	events(ctx context.Context, q url.Values, f func(*eventlog.Event) error) error
	// series returns the answer of GET /series for the parameters q.
	// Records that could not be read are reported in its Error.
	series(ctx context.Context, q url.Values) (httplog.SeriesAnswer, error)
	// stats returns what the stats command prints.
	stats(ctx context.Context) (*report, error)
	// files lists the streams' files as GET /files does.
	files(ctx context.Context) ([]httplog.FileInfo, error)
	// file returns the content of the named file and its size in bytes;
	// the caller closes it. A file that is not there is an error that
	// matches errNotFound.
	file(ctx context.Context, name string) (io.ReadCloser, int64, error)
	// close releases the source.
	close() error
}

// report is what the stats command prints: a daemon's rings and disk
// path, or a store's files and counters.
type report struct {
	// Streams are a daemon's rings.
	Streams []ramlog.Stats `json:"streams"`
	// Disk is a daemon's disk path, with its store's counters; nil when
	// the daemon has no disk configured.
	Disk *gwlog.SpillStats `json:"disk"`
	// Syslog is a daemon's syslog ingest's counters; nil when it has none.
	Syslog *syslog.Stats `json:"syslog"`
	// Shippers are a daemon's fleet destinations' counters, by name.
	Shippers map[string]forward.ShipStats `json:"shippers"`
	// Events is a daemon's event ring's counters.
	Events *eventlog.Stats `json:"events"`

	// Dir is the store read with -store; Stored and Store are set for it.
	Dir    string         `json:"-"`
	Stored []storedStream `json:"-"`
	Store  *persist.Stats `json:"-"`
}

// storedStream sums up one stream's files in a store.
type storedStream struct {
	Name        string
	Files       int
	Bytes       int64
	Lines       uint64
	First, Last time.Time // zero when no file has a line
}

// errNotFound marks an error for a stream or file that is not there.
var errNotFound = errors.New("not found")

// errSkipped marks the report of records a query skipped (corrupt, or
// evicted while it ran), which comes after the records it could read.
var errSkipped = errors.New("records skipped")

// tagged is an error that reads as msg and matches tag.
type tagged struct {
	msg string
	tag error
}

func (e *tagged) Error() string { return e.msg }
func (e *tagged) Unwrap() error { return e.tag }

// target is where the global flags point the commands: gwlogd at addr
// (with token), or the store in the directory store when it is set.
type target struct {
	addr, token, store string
}

// offline reports whether the commands read a store on disk.
func (t *target) offline() bool { return t.store != "" }

// open opens the source. A store held by a running daemon is refused
// with an error that says what to do instead.
func (t *target) open() (source, error) {
	if !t.offline() {
		return &client{base: "http://" + t.addr, token: t.token}, nil
	}
	v, err := gwlog.OpenStore(t.store)
	if errors.Is(err, persist.ErrLocked) {
		return nil, fmt.Errorf("store %s is held by another process (a running gwlogd?); read it through the daemon with -addr, or stop it", t.store)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", t.store, err)
	}
	return &store{dir: t.store, v: v}, nil
}
