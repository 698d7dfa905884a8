// Package levels is gwlog's front end: levels, the hierarchical logger
// tree, records and their formatting into lines.
//
// # Basics
//
// A Tree holds named loggers in a hierarchy, as Python's logging does:
// Get("WebBrickGateway.Heating") returns the same *Logger every time, and
// its effective level is the nearest level set on the path to the root
// (WARNING unless told otherwise). A logger sends its records to its own
// targets and, while propagate holds, to its ancestors' — each target once.
// A Target pairs a Formatter, which renders a Record as one line with
// Python's %(name)s patterns or a preset (JSON, Smarty, Python), with a
// Sink that stores the line. levels knows
// nothing of where lines go: gwlog wires sinks to its RAM streams.
//
// Logger's method set mirrors *slog.Logger's; Tree.Handler bridges log/slog
// into the tree.
//
// A Scanner, from a Formatter, reads a line's time, level, logger and
// token back, for filters on a stream's lines.
//
// A Dedup wrapped around a target's sink suppresses repeated lines as
// syslogd does: identical consecutive lines (time fields aside) become the
// first one plus "last message repeated N times".
//
// # Caveats
//
// Go has no thread names: %(threadName)s renders the task label carried by
// a context (WithTask), and %(token)s the correlation token (WithToken);
// both reach a record only through the *Context methods, Log and LogAttrs.
// Caller fields (%(lineno)d and friends) cost a stack walk and are captured
// only when some target's format uses them.
// %(attrs)s leads with token='X' when the record has a token and the
// pattern no %(token)s. A record another program sent (LogAttrsFrom: a
// syslog packet) shows its sender in the caller fields instead.
package levels
