package ramlog

import (
	"errors"
	"strconv"
)

// ErrOverBudget is returned when a ring would take the global RAM cap past
// its limit.
var ErrOverBudget = errors.New("ramlog: over the RAM cap")

// ErrSize is returned when a size is zero, negative or does not fit.
var ErrSize = errors.New("ramlog: invalid size")

// ErrRotate is returned when a rotation spec cannot be parsed (as a
// *RotationError) or a Rotation is invalid.
var ErrRotate = errors.New("ramlog: invalid rotation")

// ErrClosed is returned when a closed stream is used.
var ErrClosed = errors.New("ramlog: stream closed")

// RotationError is returned by ParseRotation for a spec it cannot parse.
// It matches ErrRotate.
type RotationError struct {
	Spec string // the spec as given
	// Reason says what is wrong with a spec of a known kind, such as "the
	// size must be a positive size such as 1MiB"; "" when the spec's form
	// is wrong.
	Reason string
}

// Error returns `ramlog: invalid rotation: want "size N", "time UNIT",
// "both UNIT,N" or "none", got "SPEC"`, followed by ": REASON" when there is
// one.
func (e *RotationError) Error() string {
	s := ErrRotate.Error() + `: want "size N", "time UNIT", "both UNIT,N" or "none", got ` + strconv.Quote(e.Spec)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Unwrap returns ErrRotate.
func (e *RotationError) Unwrap() error { return ErrRotate }

// ErrCorrupt is returned, wrapped in a *CorruptionError, when a block of
// compressed history fails its checks.
var ErrCorrupt = errors.New("ramlog: corrupt block")

// CorruptionError is returned for a block of a stream's compressed
// history that cannot be read: the block is skipped, the rest is read.
type CorruptionError struct {
	Stream string // the stream's name
	Block  uint64 // the block's segment ID
	Offset int64  // the block's offset in the history's bytes, oldest first
	Err    error  // what is wrong; wraps ErrCorrupt
}

// Error returns "ramlog: stream S block B at offset O: ERR".
func (e *CorruptionError) Error() string {
	return "ramlog: stream " + e.Stream + " block " + strconv.FormatUint(e.Block, 10) +
		" at offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Err.Error()
}

// Unwrap returns the cause, which wraps ErrCorrupt.
func (e *CorruptionError) Unwrap() error { return e.Err }

// ErrCompress is returned for an unknown Compression.
var ErrCompress = errors.New("ramlog: invalid compression")
