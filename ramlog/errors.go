package ramlog

import "errors"

// ErrOverBudget is returned when a ring would take the global RAM cap past
// its limit.
var ErrOverBudget = errors.New("ramlog: over the RAM cap")

// ErrSize is returned when a size is zero, negative or does not fit.
var ErrSize = errors.New("ramlog: invalid size")

// ErrRotate is returned when a rotation spec cannot be parsed.
var ErrRotate = errors.New("ramlog: invalid rotation")

// ErrClosed is returned when a closed stream is used.
var ErrClosed = errors.New("ramlog: stream closed")
