package gwlog

import (
	"fmt"
	"io/fs"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// StoreView reads a disk store without a runtime, for offline readers
// (gwlog -store DIR): its streams and event log hold nothing in RAM and
// read the store's files, read-only, through the same readers as a
// running runtime's (Tail, Segments, FS, Query, Series).
type StoreView struct {
	store   *persist.Store
	sp      *spiller
	streams []*ramlog.Stream
	events  *eventlog.Log
	fsys    *ramlog.FS
}

// viewRAM is the ring of a view's streams: they never write.
const viewRAM = 64 << 10

// OpenStore opens the store in dir read-only. It fails with an error
// wrapping persist.ErrLocked when a daemon holds the store's file.
func OpenStore(dir string) (*StoreView, error) {
	st, err := persist.Open(persist.Options{Dir: dir, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	sp := &spiller{dir: dir, store: st, sources: make(map[spillSource]*sourceState)}
	v := &StoreView{store: st, sp: sp}
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
		state := &sourceState{src: s, name: name, off: st.NextID(name), placed: true}
		s.SetArchive(&storeArchive{sp: sp, st: state})
		v.streams = append(v.streams, s)
	}
	v.events, err = eventlog.New(eventlog.Options{RAM: viewRAM, NextSeq: st.LastSeq() + 1})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("gwlog: store %s: %w", dir, err)
	}
	evs := &sourceState{src: v.events, name: eventlog.SpillName, off: st.NextID(eventlog.SpillName), events: true, placed: true}
	v.events.SetArchive(&storeArchive{sp: sp, st: evs})
	v.fsys = ramlog.NewFS(v.Streams)
	return v, nil
}

// Streams returns the streams the store holds segments of.
func (v *StoreView) Streams() []*ramlog.Stream { return v.streams }

// Stream returns the named stream, or nil.
func (v *StoreView) Stream(name string) *ramlog.Stream {
	for _, s := range v.streams {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// Events returns the stored event log.
func (v *StoreView) Events() *eventlog.Log { return v.events }

// FS returns the stored segments as files, named as in RAM.
func (v *StoreView) FS() fs.FS { return v.fsys }

// Stats returns the store's counters.
func (v *StoreView) Stats() persist.Stats { return v.store.Stats() }

// Close closes the store's files.
func (v *StoreView) Close() error { return v.store.Close() }
