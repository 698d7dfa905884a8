// Package eventlog keeps the gateway's events — typed records such as a
// temperature reading — so that gateway code can read them back and graph
// them.
//
// # Basics
//
// Log.Write gives an event its Seq, writes its one text line through the
// EventLog.<type> logger (before anything else sees the event) and keeps
// it as a msgpack record in a RAM ring drawn from the global cap. The
// logger's level decides whether the event is kept at all: set
// EventLog.time.second to OFF and the second tick is gone, line and
// record.
//
// Query reads events back by type prefix, source (exact or glob), time
// range, correlation token and attribute conditions, oldest or newest
// first. Series buckets one attribute over time with count, min, max, avg
// and last per bucket. Each ring segment keeps a small index (time and
// Seq range, types, a bloom filter of sources) so that reads skip what
// cannot match. The record and segment encoding is specified in
// docs/format.md.
//
// # Caveats
//
// A query holds the log's read lock one segment at a time: it sees the
// events written before it started, but a segment evicted before the
// query reaches it is read from the archive when there is one (a disk),
// else reported (ErrEvicted). A record
// that fails its checksum or does not decode is skipped and reported as a
// *CorruptionError with its segment and offset; the records after it are
// still read. An event whose record would be over MaxRecord (1 MiB) is
// refused and counted in Stats.TooLarge: readers would take its frame for
// a corrupt one. Event strings must not be modified while Write runs.
package eventlog
