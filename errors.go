package gwlog

import "errors"

// ErrConfig is returned by Open when an option is invalid; the wrapping
// error names the option.
var ErrConfig = errors.New("gwlog: config")

// ErrClosed is returned by Reload and SetLevel after Close.
var ErrClosed = errors.New("gwlog: runtime closed")
