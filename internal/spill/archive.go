package spill

import (
	"cmp"
	"fmt"
	"io/fs"
	"slices"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// holder gives an archive the store and the copies of a source not yet
// in it, by store ID (not tails): a Spiller, or a View, which has none.
type holder interface {
	hold(st *sourceState) (Store, []pending)
}

// hold implements holder.
func (sp *Spiller) hold(st *sourceState) (Store, []pending) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	var out []pending
	for _, list := range [][]pending{sp.inflight, sp.walked, sp.queue} {
		for _, p := range list {
			if p.st == st && !p.seg.Tail {
				out = append(out, p)
			}
		}
	}
	return sp.store, out
}

// storeArchive shows a ring the store's segments of it (and the copies
// still on their way): ramlog.Archive for a stream, eventlog.Archive for
// the event log.
type storeArchive struct {
	h  holder
	st *sourceState
}

// archived lists what the store and the copies hold of the source before
// the ring's segment before (a ring ID), oldest first, with each pending
// copy's data, and the store ID of that segment.
func (a *storeArchive) archived(before uint64) (_ []persist.Info, _ map[uint64][]byte, limit uint64) {
	store, pend := a.h.hold(a.st)
	limit = before + a.st.off
	if store == nil {
		return nil, nil, limit
	}
	stored, _ := store.Segments(a.st.name) // corrupt infos are left out, and counted
	data := make(map[uint64][]byte, len(pend))
	infos := make([]persist.Info, 0, len(pend)+len(stored))
	for _, c := range pend { // first: a pending copy is newer than a stored tail of its ID
		g := c.seg
		if a.st.events {
			data[g.ID] = c.data() // for its bounds: a block is decompressed
		}
		infos = append(infos, persist.Info{Stream: g.Stream, ID: g.ID, Name: g.Name, First: g.First, Last: g.Last, Records: g.Records, Size: c.size()})
	}
	infos = append(infos, stored...)
	slices.SortStableFunc(infos, func(a, b persist.Info) int { return cmp.Compare(a.ID, b.ID) })
	infos = slices.CompactFunc(infos, func(a, b persist.Info) bool { return a.ID == b.ID })
	i, _ := slices.BinarySearchFunc(infos, limit, func(a persist.Info, id uint64) int { return cmp.Compare(a.ID, id) })
	return infos[:i], data, limit
}

// Archived implements ramlog.Archive.
func (a *storeArchive) Archived(before uint64) []ramlog.ArchivedSegment {
	infos, _, _ := a.archived(before)
	out := make([]ramlog.ArchivedSegment, 0, len(infos))
	for _, g := range infos {
		out = append(out, ramlog.ArchivedSegment{Key: g.ID, Name: g.Name, First: units.UnixNano(g.First), Last: units.UnixNano(g.Last), Records: g.Records, Size: g.Size})
	}
	return out
}

// ArchivedEvents implements eventlog.Archive.
func (a *storeArchive) ArchivedEvents(before uint64) []eventlog.ArchivedSegment {
	infos, data, _ := a.archived(before)
	out := make([]eventlog.ArchivedSegment, 0, len(infos))
	for _, g := range infos {
		if x, ok := eventSegment(g, data); ok {
			out = append(out, x)
		}
	}
	return out
}

// eventSegment describes a stored or pending (data) segment of events;
// ok is false when it holds no valid record.
func eventSegment(g persist.Info, data map[uint64][]byte) (eventlog.ArchivedSegment, bool) {
	x := eventlog.ArchivedSegment{Key: g.ID, First: units.UnixNano(g.First), Last: units.UnixNano(g.Last), FirstSeq: g.FirstSeq, LastSeq: g.LastSeq}
	if b, ok := data[g.ID]; ok { // pending: its bounds are not known yet
		x = eventlog.Bounds(b)
		x.Key = g.ID
	}
	return x, x.FirstSeq != 0
}

// AppendArchived implements ramlog.Archive and eventlog.Archive: a
// segment's data from the copies or the store.
func (a *storeArchive) AppendArchived(dst []byte, key uint64) ([]byte, error) {
	store, pend := a.h.hold(a.st)
	for _, c := range pend {
		if c.seg.ID == key {
			return append(dst, c.data()...), nil
		}
	}
	if store == nil {
		return dst, persist.ErrClosed
	}
	return store.AppendSegment(dst, a.st.name, key)
}

// ArchivedRing implements eventlog.Archive.
func (a *storeArchive) ArchivedRing(id uint64) (eventlog.ArchivedSegment, bool) {
	infos, data, limit := a.archived(id + 1)
	if len(infos) == 0 {
		return eventlog.ArchivedSegment{}, false
	}
	g := infos[len(infos)-1]
	if g.ID != limit-1 || g.Tail { // lost, or only its tail was stored
		return eventlog.ArchivedSegment{}, false
	}
	return eventSegment(g, data)
}

// View reads a store without rings to spill, for offline readers (gwlog
// -store DIR): its streams and event log hold nothing in RAM and read the
// store's files, read-only, through the same readers as a running
// runtime's (Tail, Segments, FS, Query, Series).
type View struct {
	store   Store
	streams []*ramlog.Stream
	events  *eventlog.Log
	fsys    *ramlog.FS
}

// viewRAM is the ring of a view's streams: they never write.
const viewRAM = 64 << 10

// OpenView opens the store in dir read-only. It fails with an error
// wrapping persist.ErrLocked when a daemon holds the store's file.
func OpenView(dir string) (*View, error) {
	st, err := persist.Open(persist.Options{Dir: dir, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	v := &View{store: st}
	for _, name := range st.Streams() {
		if name == eventlog.SpillName {
			continue
		}
		s, err := ramlog.New(name, ramlog.Options{Rotate: ramlog.Rotation{Kind: ramlog.RotateNone}, RAM: viewRAM})
		if err != nil {
			continue // a name no stream could have: not ours
		}
		// Ring IDs start at 0, so that an offset of NextID shows every
		// stored segment as older than the ring's.
		s.SetArchive(&storeArchive{h: v, st: &sourceState{src: s, name: name, off: st.NextID(name), placed: true}})
		v.streams = append(v.streams, s)
	}
	v.events, err = eventlog.New(eventlog.Options{RAM: viewRAM, NextSeq: st.LastSeq() + 1})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("spill: store %s: %w", dir, err)
	}
	evs := &sourceState{src: v.events, name: eventlog.SpillName, off: st.NextID(eventlog.SpillName), events: true, placed: true}
	v.events.SetArchive(&storeArchive{h: v, st: evs})
	v.fsys = ramlog.NewFS(v.Streams)
	return v, nil
}

// hold implements holder: a view has no copies on their way.
func (v *View) hold(*sourceState) (Store, []pending) { return v.store, nil }

// Streams returns the streams the store holds segments of.
func (v *View) Streams() []*ramlog.Stream { return v.streams }

// Stream returns the named stream, or nil.
func (v *View) Stream(name string) *ramlog.Stream {
	for _, s := range v.streams {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// Events returns the stored event log.
func (v *View) Events() *eventlog.Log { return v.events }

// FS returns the stored segments as files, named as in RAM.
func (v *View) FS() fs.FS { return v.fsys }

// Stats returns the store's counters.
func (v *View) Stats() persist.Stats { return v.store.Stats() }

// Close closes the store's files.
func (v *View) Close() error { return v.store.Close() }
