package eventlog

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"unsafe"

	"github.com/tinylib/msgp/msgp"
)

// header is the start of an encoded event, read without copying: the
// strings are views of the record.
type header struct {
	seq                uint64
	time               int64
	typ, source, token []byte
	attrs              []byte // the attrs array, header included
}

// peek reads an encoded event's header (docs/format.md).
func peek(b []byte) (h header, err error) {
	var n uint32
	if n, b, err = msgp.ReadArrayHeaderBytes(b); err != nil {
		return h, err
	}
	if n != 6 {
		return h, msgp.ArrayError{Wanted: 6, Got: n}
	}
	if h.seq, b, err = msgp.ReadUint64Bytes(b); err != nil {
		return h, err
	}
	if h.time, b, err = msgp.ReadInt64Bytes(b); err != nil {
		return h, err
	}
	if h.typ, b, err = msgp.ReadStringZC(b); err != nil {
		return h, err
	}
	if h.source, b, err = msgp.ReadStringZC(b); err != nil {
		return h, err
	}
	if h.token, b, err = msgp.ReadStringZC(b); err != nil {
		return h, err
	}
	h.attrs = b
	return h, nil
}

// attr finds key among encoded attrs. A string value is a view of the
// record (valid while the record is).
func attr(b []byte, key string) (v Value, found bool, err error) {
	n, b, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return v, false, err
	}
	for range n {
		var m uint32
		if m, b, err = msgp.ReadArrayHeaderBytes(b); err != nil {
			return v, false, err
		}
		if m != 2 {
			return v, false, msgp.ArrayError{Wanted: 2, Got: m}
		}
		var k []byte
		if k, b, err = msgp.ReadStringZC(b); err != nil {
			return v, false, err
		}
		if string(k) != key {
			if b, err = msgp.Skip(b); err != nil {
				return v, false, err
			}
			continue
		}
		if msgp.NextType(b) == msgp.StrType {
			s, _, err := msgp.ReadStringZC(b)
			return Value{kind: KindString, str: unsafeString(s)}, err == nil, err
		}
		_, err = v.UnmarshalMsg(b)
		return v, err == nil, err
	}
	return v, false, nil
}

// Query returns the events that f selects, oldest first (newest with
// Reverse). It sees a snapshot: the events written up to the call. Index
// entries let it skip segments that cannot match; it holds the log's read
// lock one segment at a time, so writers go on between segments. A corrupt
// record yields a *CorruptionError and the query goes on. With an archive
// (see SetArchive), the archived events before the ring's oldest come
// first, and a segment the ring gives up before the query reaches it is
// read from the archive; without one (or when its copy was lost) it
// yields ErrEvicted.
// Memory is O(results).
func (l *Log) Query(f Filter) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		q, err := compile(&f)
		if err != nil {
			yield(Event{}, err)
			return
		}
		segs := l.candidates(q)
		if f.Reverse {
			slices.Reverse(segs)
		}
		n := 0
		var batch []Event
		var errs []error
		var data []byte
		d := &decoder{strs: make(map[string]string)}
		for _, c := range segs {
			max := 0 // a reverse query needs the newest of each segment
			if f.Limit > 0 && !f.Reverse {
				max = f.Limit - n
			}
			batch, errs = batch[:0], errs[:0]
			err := l.readSegment(c, q.lastSeq, &data, func(a, b []byte, id, maxSeq, records uint64) {
				if max == 0 && cap(batch) < int(records) {
					batch = make([]Event, 0, records)
				}
				batch, errs = collectMatches(a, b, id, maxSeq, q, batch, errs, max, d)
			})
			if err != nil {
				errs = append(errs, err)
			}
			if f.Reverse {
				slices.Reverse(batch)
			}
			for _, err := range errs {
				if !yield(Event{}, err) {
					return
				}
			}
			for _, ev := range batch {
				if !yield(ev, nil) {
					return
				}
				if n++; f.Limit > 0 && n >= f.Limit {
					return
				}
			}
		}
	}
}

// candidate is a segment that may hold matches: an archived one (archive
// set), or the ring's segment id.
type candidate struct {
	id      uint64
	archive Archive
	seg     ArchivedSegment
	maxSeq  uint64 // the query's snapshot
}

// candidates fixes the query's snapshot and lists the segments that may
// hold matches, archived ones first.
func (l *Log) candidates(q *query) []candidate {
	l.mu.RLock()
	q.lastSeq = l.seq
	oldest := l.oldest()
	var out []candidate
	for i := range l.index {
		if l.index[i].mayMatch(q) {
			out = append(out, candidate{id: l.index[i].id})
		}
	}
	a := l.archive
	l.mu.RUnlock()
	if a == nil {
		return out
	}
	var arch []candidate
	for _, g := range a.ArchivedEvents(oldest) {
		x := segIndex{count: 1, minTime: g.First, maxTime: g.Last, firstSeq: g.FirstSeq, lastSeq: cmp.Or(g.LastSeq, math.MaxUint64), allTypes: true, sources: ^uint64(0)}
		if x.mayMatch(q) {
			arch = append(arch, candidate{archive: a, seg: g, maxSeq: q.lastSeq})
		}
	}
	return append(arch, out...)
}

// readSegment calls fn with the frames of candidate c (a+b), their segment's
// ID, the Seq past which records are newer than the reader's snapshot and
// the records it holds (0 when unknown). A segment of the ring is read
// under the read lock, and up to ringMax; an archived one, and one the
// ring gave up since the reader listed it, from the archive into *data.
// A ring segment gone with no copy in the archive (none attached, or the
// copy was lost) is ErrEvicted; an archive that fails to read, its error.
func (l *Log) readSegment(c candidate, ringMax uint64, data *[]byte, fn func(a, b []byte, id, maxSeq, records uint64)) error {
	if c.archive == nil {
		l.mu.RLock()
		segs, a := l.ring.Segments(), l.archive
		if len(segs) > 0 && c.id >= segs[0].ID {
			defer l.mu.RUnlock()
			g := segs[c.id-segs[0].ID]
			a, b := l.ring.Slices(g.Start, g.End)
			fn(a, b, c.id, ringMax, g.Records)
			return nil
		}
		var blk block
		found := false
		if l.hist != nil {
			blk, found = l.hist.findBlock(c.id)
		}
		l.mu.RUnlock()
		if found { // its bytes never change: decompressed without the lock
			var err error
			if *data, err = blk.decode((*data)[:0]); err != nil {
				return err
			}
			fn(*data, nil, c.id, ringMax, blk.records)
			return nil
		}
		g, ok := ArchivedSegment{}, false
		if a != nil {
			g, ok = a.ArchivedRing(c.id)
		}
		if !ok {
			return fmt.Errorf("%w: segment %d", ErrEvicted, c.id)
		}
		c = candidate{archive: a, seg: g, maxSeq: ringMax}
	}
	var err error
	if *data, err = c.archive.AppendArchived((*data)[:0], c.seg.Key); err != nil {
		return err
	}
	fn(*data, nil, c.seg.Key, c.maxSeq, 0)
	return nil
}

// collectMatches appends the matches among the frames of a+b (segment id) up to
// Seq maxSeq to batch, at most max of them (0: all).
func collectMatches(a, b []byte, id, maxSeq uint64, q *query, batch []Event, errs []error, max int, d *decoder) ([]Event, []error) {
	framesIn(a, b, func(off int64, payload []byte, err error) bool {
		var h header
		if err == nil {
			h, err = peek(payload)
		}
		ok := err == nil
		if ok && !q.all {
			ok, err = q.match(&h)
		}
		if ok && h.seq <= maxSeq {
			var ev Event
			if err = d.decode(&ev, &h); err == nil {
				batch = append(batch, ev)
			}
		}
		if err != nil {
			errs = append(errs, &CorruptionError{Segment: id, Offset: off, Err: err})
		}
		return max == 0 || len(batch) < max
	})
	return batch, errs
}

// decoder turns records into Events for one query. It interns strings —
// types, sources, keys and string values repeat from event to event — and
// carves the events' Attrs from shared arrays, so that a query allocates
// little more than its results.
type decoder struct {
	strs  map[string]string
	arena []Attr
}

// maxInterned bounds a decoder's string table.
const maxInterned = 4096

func (d *decoder) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < maxInterned {
		d.strs[s] = s
	}
	return s
}

// decode fills ev from a record whose header h has been read.
func (d *decoder) decode(ev *Event, h *header) error {
	ev.Seq, ev.Time = h.seq, h.time
	ev.Type, ev.Source, ev.Token = d.str(h.typ), d.str(h.source), d.str(h.token)
	b := h.attrs
	n, b, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if int(n) > len(b)/3 {
		// An attr takes 3 bytes at least: a count beyond that is damage,
		// not a reason to allocate.
		return msgp.ErrShortBytes
	}
	if cap(d.arena)-len(d.arena) < int(n) {
		// Arrays grow with the query, so that a small one stays small.
		d.arena = make([]Attr, 0, max(int(n), min(2*cap(d.arena), 4096), 64))
	}
	start := len(d.arena)
	for range n {
		var m uint32
		if m, b, err = msgp.ReadArrayHeaderBytes(b); err != nil {
			return err
		}
		if m != 2 {
			return msgp.ArrayError{Wanted: 2, Got: m}
		}
		var k []byte
		if k, b, err = msgp.ReadStringZC(b); err != nil {
			return err
		}
		a := Attr{Key: d.str(k)}
		if msgp.NextType(b) == msgp.StrType {
			var v []byte
			if v, b, err = msgp.ReadStringZC(b); err != nil {
				return err
			}
			a.Value = String(d.str(v))
		} else if b, err = a.Value.UnmarshalMsg(b); err != nil {
			return err
		}
		d.arena = append(d.arena, a)
	}
	ev.Attrs = d.arena[start:len(d.arena):len(d.arena)]
	return nil
}

// unsafeString views b as a string without copying; b must not change
// while the string is in use.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Scan calls fn with the msgpack record of every event held, oldest
// first (the archive's first), skipping corrupt frames, and a segment the
// ring gave up meanwhile with no copy in the archive; fn returning false
// stops it. The payload is valid only during the call, and fn must not
// write to the log: Scan holds the read lock for one segment at a time. It
// is the raw access that export and tools build on.
func (l *Log) Scan(fn func(payload []byte) bool) {
	var data []byte
	for _, c := range l.candidates(&query{all: true, until: math.MaxInt64, since: math.MinInt64, lastSeq: math.MaxUint64}) {
		more := true
		// No snapshot: every record goes. A segment lost with the ring's
		// and the archive's copy is skipped, as corrupt frames are.
		l.readSegment(c, math.MaxUint64, &data, func(a, b []byte, _, _, _ uint64) {
			framesIn(a, b, func(_ int64, payload []byte, err error) bool {
				if err == nil {
					more = fn(payload)
				}
				return more
			})
		})
		if !more {
			return
		}
	}
}
