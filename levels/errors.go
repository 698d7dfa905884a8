package levels

import "errors"

// ErrLevel is returned when a level name or number is not recognised.
var ErrLevel = errors.New("levels: unknown level")

// ErrFormat is returned when a format pattern is invalid; the wrapping
// error names the offset and the offending directive.
var ErrFormat = errors.New("levels: invalid format")
