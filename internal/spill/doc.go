// Package spill is gwlog's disk path: it keeps what the RAM rings give up
// in a persist.Store when the configured directory counts as a disk.
//
// # Basics
//
// A Spiller follows the runtime's rings (ramlog streams and the event
// log) and, on its flusher goroutine:
//
//   - copies a segment a ring evicts before a flush wrote it into a
//     bounded queue, on the writer's goroutine (never a disk write under a
//     stream's lock);
//   - every flush interval, and within FlushUrgent of an Urgent call (a
//     line at ERROR or above, from the logging goroutine: an atomic flag
//     and a one-slot channel, never a wait), writes with one PutSegments
//     the queue, the sealed segments not yet written and the live
//     segments' tails that grew; a block a ring keeps compressed goes as
//     it is to a stream stored gzipped;
//   - counts what the store wrote by UTC day and, with a WriteBudget,
//     puts urgent flushes off to the timed one while the day's writes
//     are ahead of the budget's pace;
//   - on a failing disk (gone, full, read-only) goes back to RAM only,
//     counts what is lost meanwhile, and tries the disk again with
//     backoff; a missing disk is looked for every DetectEvery.
//
// Store segment IDs are ring IDs plus a per-source offset, chosen so that
// they go on from the store's NextID: IDs keep increasing across restarts
// and disks. Readers see the store (and the queue) through ramlog.Archive
// and eventlog.Archive, for what the rings no longer hold; a View gives
// the same readers over a store opened read-only, without rings.
//
// The spiller never logs. What it has to say (the disk came or went, what
// was lost, what the store recovered) is queued as Notes and handed to
// Options.Notify by the flusher goroutine, or by Close, with no lock
// held: Notify may log into the very rings that evict into the spiller.
//
// # Locks
//
// In the order they are taken; a lock is never taken while a later one
// is held:
//
//  1. Spiller.dmu: one hand-over of notes at a time (Notify runs under it).
//  2. Spiller.fmu: one flush at a time.
//  3. A ring's lock (ramlog.Stream, eventlog.Log): Spill callbacks and
//     Walk callbacks run under it and take Spiller.mu.
//  4. Spiller.mu: the spiller's state. Nothing logs, calls into a ring or
//     the store, or waits for anything while holding it.
//  5. ramlog.Budget's and Spiller.nmu (the note queue): leaves.
//
// The store's own lock is taken under fmu only, never under a ring's lock
// or Spiller.mu. The runtime's lock (gwlog.Runtime.mu) comes before
// Spiller.mu: a reload calls Follow holding it.
//
// # Caveats
//
// A copy waits in RAM for the disk while it has room in the rings' budget
// or within Options.QueueFloor beyond it; past that, evicted segments are
// lost, counted by stream and cause, and said in the history once the
// disk takes a flush again (at most once a LossEvery).
package spill
