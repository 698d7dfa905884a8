package cfg

import (
	"errors"
	"strconv"
	"strings"
)

// ErrSyntax is returned when a line is not a comment, a [section] header or
// a key = value pair, when a key comes before any section, when a line
// holds a control character or invalid UTF-8, and when a section's NAME is
// malformed.
var ErrSyntax = errors.New("cfg: syntax error")

// ErrUnknown is returned for a section of unknown kind and for a key that
// its section does not take.
var ErrUnknown = errors.New("cfg: unknown section or key")

// ErrDuplicate is returned when one file sets a key twice in one section.
var ErrDuplicate = errors.New("cfg: duplicate key")

// ErrValue is returned when a value has the wrong form or is out of range.
var ErrValue = errors.New("cfg: invalid value")

// ErrMissing is returned when a required key (a forward's to and streams)
// is set nowhere.
var ErrMissing = errors.New("cfg: missing key")

// ErrReference is returned when a streams key names a stream that no
// [stream.NAME] section declares.
var ErrReference = errors.New("cfg: unknown stream")

// ErrNotRegular is returned by ReadFiles and Load for a config file that
// is not a regular file, such as a FIFO, which would be waited on for
// ever. It is the cause in a *fs.PathError ("cfg: open NAME: not a
// regular file: a FIFO"), so its text has no prefix of its own.
var ErrNotRegular = errors.New("not a regular file")

// errInternal marks a value that passed validation but failed to decode,
// or a profile that does not parse: a bug in this package.
var errInternal = errors.New("cfg: internal error")

// Error is one problem in one configuration file. Its text is
//
//	FILE:LINE: [SECTION] KEY: MSG
//
// with the "[SECTION] " and "KEY: " parts left out when they do not apply
// (a syntax error, a problem with a whole section). Err is one of the
// package's sentinels, so errors.Is(err, cfg.ErrValue) works on an *Error
// and on the Errors that hold it.
type Error struct {
	File    string // the source's name; "" for an embedded profile
	Line    int    // 1-based line number; 0 when no line applies
	Section string // "runtime", "stream.debug", "logger.root", …; "" for none
	Key     string // the key, lower-case; "" for none
	Msg     string // what is wrong, such as `want a size such as 100MiB, got "lots"`
	Err     error  // ErrSyntax, ErrUnknown, ErrDuplicate, ErrValue, ErrMissing or ErrReference

	src int // index of the source, for sorting; -1 for a profile
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File == "" {
		b.WriteString("default")
	} else {
		b.WriteString(e.File)
	}
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Section != "" {
		b.WriteString("[" + e.Section + "] ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the sentinel e.Err.
func (e *Error) Unwrap() error { return e.Err }

// Errors are all the problems found in a set of files, in the order of the
// files and, within a file, of the lines. Parse and Load return a non-empty
// Errors rather than stopping at the first problem.
type Errors []*Error

// Error returns the problems one per line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns each *Error, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
