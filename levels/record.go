package levels

import (
	"context"
	"log/slog"
	"time"
)

// Record is one log event on its way to the formatters. Records live on the
// caller's stack for the duration of one logging call: a Formatter must not
// keep a Record or its slices after Append returns.
type Record struct {
	Time    time.Time // zero when unknown; formats render it as "-"
	Level   Level
	Logger  string // dotted logger name; "root" for the root logger
	Message string

	// Bound holds the attrs bound by Logger.With, already rendered as
	// key='value' pairs.
	Bound []byte
	// BoundAttrs are the same attrs as given to With, for formats that
	// render values by their kind (JSON); those bound under a group are
	// in a group attr named for it.
	BoundAttrs []slog.Attr
	// Group is the dotted prefix ("G.H.") that Logger.WithGroup put in
	// front of the keys of Attrs.
	Group string
	// Attrs are the call's attributes, in order.
	Attrs []slog.Attr

	PC    uintptr // caller's program counter; 0 unless a format needs it
	Token string  // correlation token from the context
	Task  string  // task label from the context

	// Source, when set, stands for the caller: a record that another
	// program sent (a syslog packet) renders Source as its filename,
	// module, pathname and funcName and SourceLine (the sender's pid) as
	// its lineno, instead of the Go caller's frame at PC.
	Source     string
	SourceLine int

	// Event marks the text line of an event (Logger.LogEvent): the only
	// records that targets with EventsOnly take.
	Event bool

	// nameText is Logger as %(name)s writes it, escaped once when the
	// logger was made; empty means escape Logger on each line.
	nameText string
}

type ctxKey int

const (
	tokenKey ctxKey = iota
	taskKey
)

// WithToken returns a context carrying the correlation token tok, rendered
// by %(token)s. Access logging sets it per request so that a request's lines
// and events can be fetched together.
func WithToken(ctx context.Context, tok string) context.Context {
	return context.WithValue(ctx, tokenKey, tok)
}

// TokenFrom returns the correlation token carried by ctx, or "".
func TokenFrom(ctx context.Context) string {
	s, _ := ctx.Value(tokenKey).(string)
	return s
}

// WithTask returns a context carrying the task label task, rendered by
// %(threadName)s: Go has no thread names, so a goroutine's work is labelled
// through its context instead.
func WithTask(ctx context.Context, task string) context.Context {
	return context.WithValue(ctx, taskKey, task)
}

// TaskFrom returns the task label carried by ctx, or "".
func TaskFrom(ctx context.Context) string {
	s, _ := ctx.Value(taskKey).(string)
	return s
}
