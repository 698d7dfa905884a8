package gwlog

import "errors"

// ErrConfig is returned by Open when an option is invalid; the wrapping
// error names the option. An error of the config files matches it too,
// and says only what package cfg says: the file, and the line when one
// applies.
var ErrConfig = errors.New("gwlog: config")

// configError is an error of the config files, which names them already
// ("cfg: open log.cfg: …", "prod.cfg:3: [runtime] …"): it matches
// ErrConfig without saying "gwlog: config" before that.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }

// Unwrap returns ErrConfig and the cause.
func (e *configError) Unwrap() []error { return []error{ErrConfig, e.err} }

// ErrClosed is returned by Reload and SetLevel after Close.
var ErrClosed = errors.New("gwlog: runtime closed")
