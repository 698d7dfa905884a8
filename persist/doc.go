// Package persist keeps log segments on a disk, when there is one: bbolt
// files in the configured directory, one per UTC day, kept by age and by a
// disk budget, crash-safe and frugal with flash.
//
// # Basics
//
// Detect tells whether a directory counts as a disk: it exists, is
// writable, and is not tmpfs or ramfs (unless forced). Open checks every
// file, recovers from damaged ones, and opens the day's file for writing.
//
// A Segment is what a RAM ring gives up: a sealed segment of lines, or of
// CRC-framed event records (docs/format.md), with its stream, ID, name,
// times and record count, and for events the Seq of its first and last
// record. The store reads neither lines nor records: it keeps the bytes as
// given, and the Seq range as the caller says it. PutSegments writes a
// batch of them in one bbolt transaction, each segment's data as one value
// with its CRC, and returns once it committed (bbolt fsyncs on commit):
// that return is the acknowledgement, and what it acknowledged survives a
// crash, and a power cut on a device that honours fsync. The live
// segment's tail, marked Tail, goes to the tail journal instead
// (gwlog-tails.log): a record appended and fdatasynced, holding only what
// the tail grew by since the journal last held it, so that a quiet
// stream's flush writes a page or two rather than a bbolt commit's
// dozen; the sealed segment of the same ID goes to the day's file later,
// whole, and supersedes it. A segment marked
// Gzip (compress = gzip) is stored gzipped when sealed; readers get it
// back as it was, and a gzip checksum that fails is a *CorruptionError
// like a CRC that does.
//
// Segments lists a stream's segments oldest first without reading their
// data; Read and AppendSegment return one segment's bytes after checking
// its CRC-32C. A value that fails is a *CorruptionError naming the file,
// stream and ID, and everything else still reads. NextID and LastSeq
// carry segment IDs and event Seq across restarts, even after retention
// deleted the files that held them.
//
// Files: gwlog-YYYY-MM-DD.db (gwlog-YYYY-MM-DD.N.db when a day outgrows
// Options.FileSize), mode 0640. bbolt files never shrink, so retention
// (Retain, and on its own when a day starts or the budget is passed)
// deletes whole files: a file goes when every segment in it is past its
// stream's keep, or, past Options.Cap, oldest first; segments past their
// own stream's keep in a file kept for another stream are hidden from
// readers. A file bbolt cannot open, or that fails Tx.Check or is shorter
// than its pages, is renamed to NAME.corrupt-UNIXTIME at Open, and every
// segment that still reads from it, its checksums holding, is salvaged
// into a fresh file of its name (docs/format.md, "Salvage"). Recovered
// says so, for the runtime's error stream, as a *SalvageError that names
// the segments lost and where their damage is; Stats.Damaged lists the
// damaged files, those renamed aside before included, from the record
// the fresh file keeps. The store never logs.
//
// A write that fails (no space, I/O error, read-only filesystem, the
// directory gone) returns an error wrapping ErrUnavailable and the cause;
// the files stay as the last commit left them, and the next write opens
// the directory afresh, so that a disk that comes back is written again.
// bbolt reads through a memory map; a fault there (a USB stick pulled out)
// becomes an error too, not a crash (but see Caveats).
//
// Store is safe for concurrent use; its calls are serialized, so a read
// waits for a commit in progress.
//
// # Caveats
//
// bbolt takes a flock on each file: a store opened for writing holds the
// day's file until Close, and an offline reader (Options.ReadOnly) opened
// meanwhile fails with ErrLocked after Options.Timeout ("held by another
// process"). Older files are opened read-only on demand, and may be read
// by another process while the daemon runs.
//
// bbolt maps each open file into memory. On 32-bit ARM and MIPS the
// address space is the limit, so the store maps little: the initial map
// is 1 MiB, files roll over to a new part at 64 MiB there by default
// (256 MiB on 64-bit platforms), at most two older files are kept open
// for reading beside the one written, and Open checks two files at a time
// (four on 64-bit). A bigger Options.FileSize on a 32-bit board risks
// "cannot allocate memory" from mmap.
//
// Each commit costs bbolt two fdatasync calls, and one more when the file
// grows (by 4 MiB at a time): batch segments (a flush timer, not one
// commit per segment) to keep fsyncs, and flash wear, down. A commit of
// one 1 MiB segment writes about 1.05 bytes per byte of data, of eight
// 1.01; each commit also writes about 40 KiB of bbolt's own pages (leaf,
// branch, freelist and meta), which dominates small batches: that is why
// tails go to the journal, whose flush of a quiet stream appends a page or
// two and fdatasyncs once. A tail is written there as what it grew by
// since the journal last held it; whole after a restart, a compaction, or
// past Options.MaxParts records (1024 by default), and so is the seal, to
// the day's file: a slow stream writes each line about twice, not once
// per flush. Flush a tail only when it grew.
//
// Gzip keeps one flate compressor, about 1 MiB, from the first sealed
// segment it compresses until Close; a read of a gzipped segment unzips
// outside the store's lock, with a pooled reader of about 40 KiB.
//
// Salvage reads bbolt's pages without bbolt (bbolt v1.5's format, in the
// machine's byte order, little-endian on every platform gwlog is built
// for). It salvages what it can name: a segment whose info was on a page
// lost is lost even when its data reads; a value whose page was named
// only by a page lost is counted (Damage.Unplaced), not placed, since its
// ID went with that page; a file cut short may keep no page that names
// its streams, and then nothing of it is salvaged. A tail whose last
// flush is lost may come back as an earlier flush left it. Salvage holds
// a MiB of a page and some dozens of bytes per page and element it finds
// (131,072 of each at most, then it stops and says where), but reads the
// file two or three times, at Open: a damaged file of 256 MiB delays Open
// by as long as reading it takes. A read-only store salvages nothing: it
// skips the file, says what a writable one will salvage, and its readers
// do not see those segments. A salvage that fails (no space left) leaves
// the file aside and is not tried again; renaming the file back to NAME
// makes the next Open try again.
//
// I/O never panics, but for one case: bbolt runs Tx.Check on a goroutine
// of its own, where a fault cannot be caught, so a medium that fails to
// read a page while Open checks it (a dying SD card) still stops the
// process. A file cut short, the common damage, is found before the check
// reads it.
//
// Stats.ProcessWriteBytes and WriteAmp come from /proc/self/io, which
// counts every write of the process, not only the store's; elsewhere they
// are zero. Detect writes a probe file, so it is for when no store is
// open; a working store's writes tell whether the disk is still there.
// A clock far behind when a file was started makes that file age by it.
package persist
