package levels

import (
	"errors"
	"strconv"
)

// ErrLevel is returned when a level name or number is not recognised.
var ErrLevel = errors.New("levels: unknown level")

// ErrFormat is returned when a formatter's options are invalid; for a
// pattern, as a *FormatError that names the offset and the offending
// directive.
var ErrFormat = errors.New("levels: invalid format")

// FormatError is returned by NewFormatter for a pattern it cannot compile:
// where and what is wrong. It matches ErrFormat.
type FormatError struct {
	Offset int    // of the offending byte or directive in the pattern
	Reason string // such as `unknown field "levelnam"`
}

// Error returns "levels: invalid format: offset OFFSET: REASON".
func (e *FormatError) Error() string {
	return ErrFormat.Error() + ": offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }
