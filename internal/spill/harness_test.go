package spill

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// harness is a spiller over a real store in a temporary directory, with
// two real rings and no runtime: a debug stream of three 8 KiB segments
// (24 KiB), which also takes the spiller's notes as a runtime's debug
// stream does, and a 64 KiB event log.
type harness struct {
	t      *testing.T
	dir    string
	budget *ramlog.Budget
	debug  *ramlog.Stream
	events *eventlog.Log
	sp     *Spiller

	mu     sync.Mutex
	store  *faultStore // the store last opened
	notes  []Note
	closed bool
}

// newHarness opens a harness; o's Dir, Force, Budget, Open and Notify are
// the harness's. The flusher is not started: tests flush by hand, or call
// h.sp.Start.
func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir()}
	var err error
	h.budget, err = ramlog.NewBudget(64 << 20)
	require.NoError(t, err)
	h.debug, err = ramlog.New("debug", ramlog.Options{Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 8 << 10}, Keep: 2, Budget: h.budget, Now: o.Now})
	require.NoError(t, err)
	o.Dir, o.Force, o.Budget = h.dir, true, h.budget
	o.Open = h.open
	o.Notify = h.notify
	h.sp = New(o)
	h.events, err = eventlog.New(eventlog.Options{RAM: 64 << 10, Budget: h.budget, NextSeq: h.sp.NextSeq(), Now: o.Now})
	require.NoError(t, err)
	h.sp.Follow([]*ramlog.Stream{h.debug}, h.events)
	t.Cleanup(h.close)
	return h
}

// open is Options.Open: the real store, wrapped to fail on demand.
func (h *harness) open(o persist.Options) (Store, error) {
	st, err := persist.Open(o)
	if err != nil {
		return nil, err
	}
	f := &faultStore{Store: st}
	h.mu.Lock()
	h.store = f
	h.mu.Unlock()
	return f, nil
}

// notify is Options.Notify: the note is kept, and written to the debug
// stream as a runtime writes it.
func (h *harness) notify(n Note) {
	h.mu.Lock()
	h.notes = append(h.notes, n)
	h.mu.Unlock()
	h.debug.WriteLine(time.Now().UnixNano(), []byte(n.Text+"\n"))
}

// said returns the notes handed over so far that contain s.
func (h *harness) said(s string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, n := range h.notes {
		if strings.Contains(n.Text, s) {
			out = append(out, n.Text)
		}
	}
	return out
}

// faultStore returns the store last opened.
func (h *harness) faultStore() *faultStore {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.store
}

// close closes the spiller once.
func (h *harness) close() {
	h.mu.Lock()
	closed := h.closed
	h.closed = true
	h.mu.Unlock()
	if !closed {
		h.sp.Close()
	}
}

// log writes n lines to the debug stream, as "prefix NNN pad".
func (h *harness) log(prefix string, n int, pad string) {
	for i := range n {
		h.debug.WriteLine(time.Now().UnixNano(), []byte(fmt.Sprintf("%s %03d %s\n", prefix, i, pad)))
	}
}

// flush flushes by hand, as the flusher does, and requires it to work.
func (h *harness) flush() {
	h.t.Helper()
	_, err := h.sp.Flush()
	require.NoError(h.t, err)
}

// view closes the spiller and opens its store read-only.
func (h *harness) view() *View {
	h.t.Helper()
	h.close()
	v, err := OpenView(h.dir)
	require.NoError(h.t, err)
	h.t.Cleanup(func() { v.Close() })
	return v
}

// faultStore is a store that fails its writes while failing is set, as
// a disk that went away does.
type faultStore struct {
	Store
	mu      sync.Mutex
	failing bool
}

// fail makes the store's writes fail (on) or work again.
func (f *faultStore) fail(on bool) {
	f.mu.Lock()
	f.failing = on
	f.mu.Unlock()
}

// PutSegments fails with persist.ErrUnavailable while failing is set.
func (f *faultStore) PutSegments(segs []persist.Segment) error {
	f.mu.Lock()
	failing := f.failing
	f.mu.Unlock()
	if failing {
		return fmt.Errorf("%w: the test took the disk away", persist.ErrUnavailable)
	}
	return f.Store.PutSegments(segs)
}
