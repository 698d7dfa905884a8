package persist

import (
	"errors"
	"fmt"
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

// ErrCorrupt is wrapped by a CorruptionError, and by the errors of
// Recovered that report a file renamed aside.
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
// not decode: the segment ID of stream in file. Readers skip it and go on
// with the next value; everything else is still read.
type CorruptionError struct {
	File   string // the file's base name, gwlog-YYYY-MM-DD.db
	Stream string
	ID     uint64
	Err    error
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("persist: corrupt value in %s: stream %s segment %d: %v", e.File, e.Stream, e.ID, e.Err)
}

// Unwrap returns ErrCorrupt and the cause.
func (e *CorruptionError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }
