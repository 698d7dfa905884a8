// Package ramlog keeps log lines in RAM: fixed-size segmented byte rings
// under one global cap, with the rotation and names of log files.
//
// # Basics
//
// A Ring is a preallocated buffer of records in segments; appending copies
// and never allocates, and when a record does not fit whole segments are
// evicted from the head and counted. A Budget is the global RAM cap
// (ram_cap): every ring reserves its whole size from it when made, so the
// sum of ring bytes never passes the cap, whatever the load.
//
// A Stream is a Ring of lines with rotation by size (debug.log,
// debug.log.1, … newest first), by wall-clock time (access.log,
// access.log.2026-11-21) or both, keeping Keep history files. Readers:
// Tail, Follow (live lines; a slow follower skips and is told how many it
// missed), Segments, AppendFile, and FS, an fs.FS over streams.
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
package ramlog
