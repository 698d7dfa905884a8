package persist

import (
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// batch is the write of one PutSegments call: its segments, the entries
// that describe them once committed, and what each put did.
type batch struct {
	segs    []Segment
	zipped  [][]byte // the data of each segment stored gzipped, else nil
	entries []*entry
	buf     []byte // the batch's values, one buffer for the transaction
	skipped []bool // a tail of a segment the file holds sealed: not written
	written []int  // bytes of data each put wrote
	// maxParts is Options.MaxParts.
	maxParts int
}

// newBatch prepares the write of segs to w, with their gzipped data, its
// values appended into buf, a tail in at most maxParts parts.
func newBatch(w *dayFile, segs []Segment, zipped [][]byte, buf []byte, maxParts int) *batch {
	b := &batch{segs: segs, zipped: zipped, entries: make([]*entry, len(segs)), maxParts: maxParts}
	total := 0
	for i := range segs {
		b.entries[i] = &entry{Info: segs[i].info(), f: w}
		b.entries[i].File = w.name
		b.entries[i].Gzip = zipped[i] != nil
		total += headerSize + len(segs[i].Data) + infoFixed + len(segs[i].Name) + 4
	}
	// Grown as append grows, so that a tail a line longer each flush
	// does not make a new buffer each time.
	b.buf = slices.Grow(buf[:0], total)
	b.skipped = make([]bool, len(segs))
	b.written = make([]int, len(segs))
	return b
}

// write puts the batch in tx: each segment's info and data, then the
// counters of the meta bucket.
func (b *batch) write(tx *bolt.Tx) error {
	streams, err := tx.CreateBucketIfNotExists(bucketStreams)
	if err != nil {
		return err
	}
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	seq, _ := readU64(meta.Get(keySeq))
	next := make(map[string]uint64)
	for i := range b.segs {
		if err := b.put(streams, i); err != nil {
			return err
		}
		if b.skipped[i] {
			continue
		}
		seg := &b.segs[i]
		seq = max(seq, b.entries[i].LastSeq)
		next[seg.Stream] = max(next[seg.Stream], seg.ID+1)
	}
	return putCounters(meta, seq, next)
}

// put writes segment i under streams: its info, and its data whole or as
// what it grew by. A tail of a segment the file holds sealed is left
// alone, and marked skipped.
func (b *batch) put(streams *bolt.Bucket, i int) error {
	seg, e := &b.segs[i], b.entries[i]
	ib, db, err := streamBuckets(streams, seg.Stream)
	if err != nil {
		return err
	}
	k := key(seg.ID)
	var old Info
	hasOld := false
	if v := ib.Get(k); v != nil && decodeInfo(v, &old) == nil {
		hasOld = true
		if seg.Tail && !old.Tail {
			b.skipped[i] = true
			return nil
		}
	}
	start := len(b.buf)
	b.buf = appendInfo(b.buf, &e.Info)
	if err := ib.Put(k, b.buf[start:len(b.buf):len(b.buf)]); err != nil {
		return err
	}
	from := 0
	if hasOld {
		from = grownFrom(db.Bucket(k), seg, &old, b.maxParts)
	}
	stored := seg.Data[from:]
	if e.Gzip {
		stored = b.zipped[i]
	}
	b.written[i] = int(seg.size()) - from
	if from < len(seg.Data) {
		start = len(b.buf)
		b.buf = appendValue(b.buf, e.flags(), stored)
		if err := putData(db, k, seg.Tail, from, b.buf[start:len(b.buf):len(b.buf)]); err != nil {
			return fmt.Errorf("%s segment %d: %w", seg.Stream, seg.ID, err)
		}
	}
	return nil
}

// streamBuckets returns the info and data buckets of stream under
// streams, creating them when missing.
func streamBuckets(streams *bolt.Bucket, stream string) (ib, db *bolt.Bucket, err error) {
	sb, err := streams.CreateBucketIfNotExists([]byte(stream))
	if err != nil {
		return nil, nil, err
	}
	if ib, err = sb.CreateBucketIfNotExists(bucketInfo); err != nil {
		return nil, nil, err
	}
	if db, err = sb.CreateBucketIfNotExists(bucketData); err != nil {
		return nil, nil, err
	}
	ib.FillPercent, db.FillPercent = 0.9, 0.9 // keys mostly grow
	return ib, db, nil
}

// grownFrom returns the offset from which tail seg is written: a tail of
// a segment whose tail this file holds already (old, its parts in vb)
// adds what it grew by as a further part, when the stored parts are, all
// of them, its beginning and fewer than maxParts. Otherwise it is 0: the
// segment is written whole.
func grownFrom(vb *bolt.Bucket, seg *Segment, old *Info, maxParts int) int {
	if !seg.Tail || !old.Tail || old.Events != seg.Events || old.Size <= 0 ||
		old.Size > int64(len(seg.Data)) || vb == nil {
		return 0
	}
	if n, ok := storedPrefix(vb, seg.Data[:old.Size]); ok && n < maxParts {
		return int(old.Size)
	}
	return 0
}

// putCounters puts in meta the highest event Seq and the next ID of each
// stream; an ID meta holds already is never lowered.
func putCounters(meta *bolt.Bucket, seq uint64, next map[string]uint64) error {
	if err := meta.Put(keySeq, u64(seq)); err != nil {
		return err
	}
	for stream, n := range next {
		k := []byte(nextPrefix + stream)
		if old, _ := readU64(meta.Get(k)); old >= n {
			continue
		}
		if err := meta.Put(k, u64(n)); err != nil {
			return err
		}
	}
	return nil
}

// indexBatch puts what b wrote to w in w's entries and the store's index,
// and counts it. s.mu is held.
func (s *Store) indexBatch(w *dayFile, b *batch) {
	for i, e := range b.entries {
		if b.skipped[i] {
			continue
		}
		m := w.entries[e.Stream]
		if m == nil {
			m = make(map[uint64]*entry)
			w.entries[e.Stream] = m
		}
		m[e.ID] = e
		w.seq = max(w.seq, e.LastSeq)
		w.next[e.Stream] = max(w.next[e.Stream], e.ID+1)
		s.merge(e)
		if !e.Tail {
			s.tails.drop(e.Stream, e.ID)
		}
		s.stats.Puts++
		s.stats.DataBytes += uint64(b.written[i])
		if e.Gzip {
			s.stats.GzipBytes += uint64(e.Size)
			s.stats.GzipStored += uint64(len(b.zipped[i]))
		}
	}
}
