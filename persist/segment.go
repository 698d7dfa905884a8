package persist

import (
	"time"
)

// Segment is what the store keeps: one sealed ring segment (or the live
// segment's tail) of a stream, written as a single value. The store
// copies Data; the caller keeps ownership.
type Segment struct {
	// Stream names the stream: "debug", "access", … or "events" for the
	// event log's record segments. 1 to 255 bytes.
	Stream string
	// ID numbers the segment within its stream; keys are in ID order. A
	// runtime that outlives restarts numbers its segments from
	// Store.NextID(stream), so that IDs keep increasing.
	ID uint64
	// Name is the segment's file name as readers show it (debug.log.3,
	// access.log.2026-11-21). Stored as given.
	Name string
	// First and Last are the times of the first and last record; zero
	// when unknown.
	First, Last time.Time
	// Records counts the lines, or the event records.
	Records uint64
	// Events marks a segment of CRC-framed event records
	// (docs/format.md). The store does not read them: FirstSeq and
	// LastSeq give Info.FirstSeq, Info.LastSeq and Store.LastSeq.
	Events bool
	// FirstSeq and LastSeq are, for an event segment (Events), the Seq
	// of its first and last record, given by the caller; the store does
	// not read event records. Ignored for other segments.
	FirstSeq, LastSeq uint64
	// Tail marks the live segment's contents so far (the flush timer's
	// write): it replaces the tail written before under the same ID, or,
	// when it begins with that tail, adds only what it grew by. The
	// sealed segment of that ID replaces it, whole, and is never replaced
	// by a tail in turn.
	Tail bool
	// Gzip asks for the data to be stored gzipped (compress = gzip) when
	// the segment is sealed and that makes it smaller; readers get it
	// back as it was. A Tail is stored as it is, to grow by parts.
	Gzip bool
	// Data is the segment's bytes: lines, or event frames, stored as
	// they are.
	Data []byte
	// Zipped says that Data is already gzipped: one gzip member (RFC
	// 1952) of Plain bytes, as a ring keeps its compressed history. It
	// is stored as it is, without a second compression, and read back
	// as any gzipped value. Only a sealed segment with Gzip set may be
	// Zipped.
	Zipped bool
	// Plain is the size of Data unzipped, when Zipped.
	Plain int64
}

// size is the segment's size unzipped.
func (seg *Segment) size() int64 {
	if seg.Zipped {
		return seg.Plain
	}
	return int64(len(seg.Data))
}

// Info describes a stored segment without its data.
type Info struct {
	Stream   string    `json:"stream"`
	ID       uint64    `json:"id"`
	Name     string    `json:"name"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Records  uint64    `json:"records"`
	Size     int64     `json:"size"` // bytes of data
	Events   bool      `json:"events,omitempty"`
	Tail     bool      `json:"tail,omitempty"`      // the live segment's tail at its last flush
	Gzip     bool      `json:"gzip,omitempty"`      // stored gzipped; Size is the bytes unzipped
	FirstSeq uint64    `json:"first_seq,omitempty"` // events: Segment.FirstSeq as written
	LastSeq  uint64    `json:"last_seq,omitempty"`  // events: Segment.LastSeq as written
	File     string    `json:"file"`                // the store file holding it
}

func (in *Info) flags() byte {
	var f byte
	if in.Events {
		f |= flagEvents
	}
	if in.Tail {
		f |= flagTail
	}
	if in.Gzip {
		f |= flagGzip
	}
	return f
}

// info describes seg as it will be stored.
func (seg *Segment) info() Info {
	in := Info{
		Stream: seg.Stream, ID: seg.ID, Name: seg.Name,
		First: seg.First.UTC(), Last: seg.Last.UTC(), Records: seg.Records,
		Size: seg.size(), Events: seg.Events, Tail: seg.Tail,
	}
	if seg.First.IsZero() {
		in.First = time.Time{}
	}
	if seg.Last.IsZero() {
		in.Last = time.Time{}
	}
	if seg.Events {
		in.FirstSeq, in.LastSeq = seg.FirstSeq, seg.LastSeq
	}
	return in
}
