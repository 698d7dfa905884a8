// Package ramlog keeps log lines in RAM: fixed-size segmented byte rings
// under one global cap, with the rotation and names of log files.
//
// # Basics
//
// A Ring is a buffer of records in segments; appending copies, and when a
// record does not fit whole segments are evicted from the head and
// counted. Its buffer starts at 64 KiB and doubles as it first fills, up
// to the ring's size, so that memory is committed only as records come;
// a full ring never allocates. A Budget is the global RAM cap (ram_cap):
// every ring reserves its whole size from it when made, so the sum of
// ring bytes never passes the cap, whatever the load.
//
// A Stream is a Ring of lines with rotation by size (debug.log,
// debug.log.1, … newest first), by wall-clock time (access.log,
// access.log.2026-11-21) or both, keeping Keep history files. Readers:
// Tail, Follow (live lines; a slow follower skips and is told how many it
// missed), Segments, AppendFile, and FS, an fs.FS over streams.
//
// With Options.Compress set to CompressGzip, each sealed segment (a size
// or time rotation, or a chunk of a time-rotated file) is compressed by a
// compressor goroutine into a block of the stream's history: one gzip
// member (DecodeBlock), its metadata kept plain. The ring then holds the
// live segment and one sealed segment waiting; the history takes the
// rest of the stream's RAM share, its oldest block dropped (and handed
// to SetSpill's callback, marked Gzip) when it is full. One compressor
// serves all the streams of a Budget, its working memory (WorkMem)
// charged to it once. Readers see the history as they see an Archive,
// between the ring and the one SetArchive attaches, and decompress only
// the blocks they read.
//
// ramlog stores bytes and knows nothing of loggers or records.
//
// # Caveats
//
// Lines lost to eviction are counted (Stats.Drops), and the oldest file
// starts with one "… N lines dropped" line that readers see; it takes no
// ring space. Segments of time-rotated streams are evicted in chunks of an
// eighth of the ring (4 KiB to 1 MiB), so the oldest period may lose its
// first lines before the rest. A line longer than a segment is cut and ends
// with "…[truncated]". Size-rotated names shift as new files arrive, as
// files do under logrotate; time-rotated names are stable.
//
// With compression, writers never wait for the compressor: a segment it
// has not taken when the ring needs the room is evicted plain, as without
// compression, and counted. A damaged block is a *CorruptionError: its
// lines are skipped (readers see a line saying so) and the rest is read.
// Reconfigure turning compression off drops the history.
package ramlog
