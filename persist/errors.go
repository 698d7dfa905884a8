package persist

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gwlog/gwlog/internal/units"
)

// ErrNoDisk is returned by Detect and Open when the configured directory
// does not count as a disk: it is missing, not writable, or on tmpfs or
// ramfs (RAM). The wrapping error names the reason.
var ErrNoDisk = errors.New("persist: no disk")

// ErrUnavailable is returned when the store cannot write (or read) the
// disk: no space left, an I/O error, a read-only filesystem, the directory
// removed. What was committed before stays; the store retries on the next
// call. The wrapping error also wraps the cause (a syscall.Errno, say).
var ErrUnavailable = errors.New("persist: disk unavailable")

// ErrLocked is returned when a store file is held by another process (or
// another Store in this one): bbolt's file lock was not granted within
// Options.Timeout.
var ErrLocked = errors.New("persist: store held by another process")

// ErrCorrupt is wrapped by a CorruptionError, and by the SalvageError of
// Recovered that reports a damaged file.
var ErrCorrupt = errors.New("persist: corrupt")

// ErrNotFound is returned by Read for a segment the store does not hold
// (never written, deleted by retention, or past its stream's keep).
var ErrNotFound = errors.New("persist: no such segment")

// ErrReadOnly is returned when a store opened with Options.ReadOnly is
// written.
var ErrReadOnly = errors.New("persist: store is read-only")

// ErrClosed is returned when a closed store is used.
var ErrClosed = errors.New("persist: store closed")

// ErrInvalid is returned for a segment the store refuses: an empty or too
// long stream name, or data larger than MaxData. Nothing of the batch is
// written.
var ErrInvalid = errors.New("persist: invalid segment")

// CorruptionError reports a stored value that failed its checksum or did
// not decode: the segment ID of stream in file, and, from salvage, where
// in the file. Readers skip it and go on with the next value; everything
// else is still read.
type CorruptionError struct {
	File   string // the file's base name, gwlog-YYYY-MM-DD.db
	Stream string
	ID     uint64
	// Offset is where in the file the damage was found, in bytes; 0 when
	// not known (bbolt does not say where a value it returns is).
	Offset int64
	Err    error
}

func (e *CorruptionError) Error() string {
	at := ""
	if e.Offset > 0 {
		at = " at offset " + strconv.FormatInt(e.Offset, 10)
	}
	if e.Stream == "" { // a record too damaged to say whose
		return fmt.Sprintf("persist: corrupt value in %s%s: %v", e.File, at, e.Err)
	}
	return fmt.Sprintf("persist: corrupt value in %s%s: stream %s segment %d: %v", e.File, at, e.Stream, e.ID, e.Err)
}

// Unwrap returns ErrCorrupt and the cause.
func (e *CorruptionError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// SalvageError reports a damaged store file, one of those Recovered
// returns: renamed aside, and what was salvaged from it into a fresh file
// and what was lost; or, for a read-only store, skipped, with what a
// writable one will salvage. It wraps ErrCorrupt, Err, and a
// *CorruptionError for each segment lost that Damage lists.
type SalvageError struct {
	Damage
	Err error // why the file was found damaged
}

func (e *SalvageError) Error() string {
	var b strings.Builder
	d := &e.Damage
	fmt.Fprintf(&b, "%v: %s: %v", ErrCorrupt, d.File, e.Err)
	if d.Aside == "" {
		b.WriteString("; skipped")
	} else {
		b.WriteString("; renamed to " + d.Aside)
	}
	salvaged := fmt.Sprintf("%s (%s, %s)", plural(d.Segments, "segment"), units.FormatSize(d.Bytes), plural(int(d.Records), "record"))
	switch {
	case d.Aside == "" && d.Segments > 0:
		b.WriteString(": " + salvaged + " can be salvaged")
	case d.Into != "":
		b.WriteString("; salvaged " + salvaged + " into " + d.Into)
	case d.Failed != "":
		b.WriteString("; salvage failed: " + d.Failed)
	default:
		b.WriteString("; nothing salvaged")
	}
	if d.LostSegments > 0 {
		fmt.Fprintf(&b, "; lost %s (%s", plural(d.LostSegments, "segment"), units.FormatSize(d.LostBytes))
		for i, l := range d.Lost {
			if i == 8 {
				b.WriteString(", …")
				break
			}
			fmt.Fprintf(&b, ", %s %d at offset %d: %s", l.Stream, l.ID, l.Offset, l.Cause)
		}
		b.WriteString(")")
	}
	if len(d.Streams) > 0 {
		fmt.Fprintf(&b, "; segments of %s not known (pages of their buckets lost)", strings.Join(d.Streams, ", "))
	}
	if d.Unreadable > 0 {
		fmt.Fprintf(&b, "; %s unreadable (%s)", plural(d.Unreadable, "value"), units.FormatSize(d.UnreadableBytes))
	}
	if d.Unplaced > 0 {
		fmt.Fprintf(&b, "; %s of segments not known (%s)", plural(d.Unplaced, "value"), units.FormatSize(d.UnplacedBytes))
	}
	if d.StoppedAt > 0 {
		fmt.Fprintf(&b, "; salvage stopped at offset %d", d.StoppedAt)
	}
	return b.String()
}

// plural formats n with its noun, plural but for 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Unwrap returns ErrCorrupt, the cause, and the segments lost.
func (e *SalvageError) Unwrap() []error {
	return append([]error{ErrCorrupt, e.Err}, e.Damage.errors()...)
}
