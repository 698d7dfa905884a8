package cfg

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// This file is the schema: for each section kind, its keys in the order
// WriteTo prints them, how a value decodes into the Config types and how a
// decoded value prints back.

// spec is one key of a section that decodes into a T.
type spec[T any] struct {
	key string
	// set decodes v (trimmed, not empty) into dst. Its error text is the
	// whole message after "KEY: ", such as `want a size such as 100MiB,
	// got "lots"`.
	set func(dst *T, v string) error
	// get prints the value of src so that set reads it back unchanged.
	get func(src *T) string
}

// specs are the keys of one section kind.
type specs[T any] []spec[T]

func (ss specs[T]) lookup(key string) (spec[T], bool) {
	for _, s := range ss {
		if s.key == key {
			return s, true
		}
	}
	return spec[T]{}, false
}

// check validates one value on a scratch T; known is false for a key the
// section does not take.
func (ss specs[T]) check(key, v string) (known bool, err error) {
	s, ok := ss.lookup(key)
	if !ok {
		return false, nil
	}
	var scratch T
	return true, s.set(&scratch, v)
}

// names lists the keys for an error message: "a, b or c".
func (ss specs[T]) names() string {
	keys := make([]string, len(ss))
	for i, s := range ss {
		keys[i] = s.key
	}
	return orList(keys)
}

// apply decodes every key of sec that ss knows into dst.
func (ss specs[T]) apply(dst *T, sec *section) error {
	for _, s := range ss {
		if st, ok := sec.keys[s.key]; ok {
			if err := s.set(dst, st.value); err != nil {
				return fmt.Errorf("%s: %w", s.key, err)
			}
		}
	}
	return nil
}

// codec reads the value of a key into a V and prints it back.
type codec[V any] struct {
	// parse decodes v (trimmed, not empty); its error text is the message
	// after "KEY: ", as spec.set's.
	parse func(v string) (V, error)
	// format prints a value so that parse reads it back unchanged.
	format func(V) string
}

// field is the spec of a key that c decodes into the field of a T that at
// points to. A value that c refuses leaves the field as it was.
func field[T, V any](key string, at func(*T) *V, c codec[V]) spec[T] {
	return spec[T]{
		key: key,
		set: func(dst *T, v string) error {
			x, err := c.parse(v)
			if err != nil {
				return err
			}
			*at(dst) = x
			return nil
		},
		get: func(src *T) string { return c.format(*at(src)) },
	}
}

// kind is a section kind as the parser sees it.
type kind struct {
	check func(key, v string) (known bool, err error)
	names func() string
}

// Section kinds.
const (
	kindRuntime = "runtime"
	kindStream  = "stream"
	kindLogger  = "logger"
	kindForward = "forward"
)

var kinds = map[string]kind{
	kindRuntime: {runtimeKeys.check, runtimeKeys.names},
	kindStream:  {streamKeys.check, streamKeys.names},
	kindLogger:  {loggerKeys.check, loggerKeys.names},
	kindForward: {forwardKeys.check, forwardKeys.names},
}

// Defaults of keys that the profile leaves unset (new streams, loggers and
// forwards, and keys the profile's sections omit).
const (
	defaultKeep        = 5
	defaultRAMCompress = "gzip"
	defaultDiskKeep    = 14 * 24 * time.Hour
	defaultQueue       = 4 << 20
	defaultReplayRate  = 1000
	// defaultShipRate is a fleet destination's replay_rate: it sends in
	// batches, so that a busy gateway's debug stream can be caught up.
	defaultShipRate = 10000
	defaultFacility = 1 // user
	defaultSeverity = 5 // notice
)

// newStream returns a stream with the defaults of unset keys.
func newStream(name string) Stream {
	return Stream{
		Name:        name,
		Rotate:      ramlog.Rotation{Kind: ramlog.RotateSize, Size: ramlog.DefaultSegment},
		Keep:        defaultKeep,
		RAMCompress: defaultRAMCompress,
		DiskKeep:    defaultDiskKeep,
		Format:      levels.DefaultPattern,
	}
}

// newLogger returns a logger with the defaults of unset keys.
func newLogger(name string) Logger {
	return Logger{Name: name, Propagate: true}
}

// newForward returns a forward with the defaults of unset keys; the
// default level depends on the type and is set after decoding.
func newForward(name string) Forward {
	return Forward{
		Name:        name,
		Type:        "syslog",
		Protocol:    "rfc5424",
		Facility:    defaultFacility,
		Severity:    defaultSeverity,
		Queue:       defaultQueue,
		ReplayRate:  defaultReplayRate,
		Labels:      []string{"level"},
		BudgetLevel: levels.ERROR,
	}
}

var runtimeKeys = specs[Runtime]{
	field("profile", func(r *Runtime) *string { return &r.Profile }, oneOf(profileNames...)),
	field("ram_cap", func(r *Runtime) *int64 { return &r.RAMCap },
		size("a size such as 100MiB", bounds[int64]{min: 1, max: MaxRAMCap, want: "a size from 1B to 1024GiB such as 100MiB"})),
	field("event_ram", func(r *Runtime) *int64 { return &r.EventRAM },
		size("a size such as 8MiB", bounds[int64]{min: 64 << 10, want: "a size of at least 64KiB"})),
	{"disk", setDisk, getDisk},
	field("disk_cap", func(r *Runtime) *int64 { return &r.DiskCap }, size("a size such as 1GiB", bounds[int64]{})),
	field("flush", func(r *Runtime) *time.Duration { return &r.Flush },
		duration("a duration such as 30s", bounds[time.Duration]{min: time.Second, want: "a duration of at least 1s"})),
	field("flush_urgent", func(r *Runtime) *time.Duration { return &r.FlushUrgent },
		duration("a duration such as 5s", bounds[time.Duration]{min: time.Second, want: "a duration of at least 1s"})),
	field("disk_write_budget", func(r *Runtime) *int64 { return &r.DiskWriteBudget },
		codec[int64]{ParseDayBudget, FormatDayBudget}),
	field("reload", func(r *Runtime) *time.Duration { return &r.Reload },
		duration("a duration such as 60s, or 0 to disable", bounds[time.Duration]{min: time.Second, orZero: true, want: zeroOrSecond})),
	field("monitor", func(r *Runtime) *time.Duration { return &r.Monitor },
		duration("a duration such as 5m, or 0 to disable", bounds[time.Duration]{min: time.Second, orZero: true, want: zeroOrSecond})),
	field("max_line", func(r *Runtime) *int { return &r.MaxLine },
		asInt(size("a size from 64B to 1MiB", bounds[int64]{min: 64, max: 1 << 20, want: "a size from 64B to 1MiB"}))),
	field("http_token", func(r *Runtime) *string { return &r.HTTPToken },
		noneIsEmpty(codec[string]{parseHTTPToken, verbatim})),
	field("name", func(r *Runtime) *string { return &r.Name }, noneIsEmpty(codec[string]{parseGatewayName, verbatim})),
}

// zeroOrSecond is what a period that 0 disables takes.
const zeroOrSecond = "0 (disabled) or a duration of at least 1s"

var streamKeys = specs[Stream]{
	field("rotate", func(s *Stream) *ramlog.Rotation { return &s.Rotate },
		codec[ramlog.Rotation]{parseRotation, formatRotation}),
	field("keep", func(s *Stream) *int { return &s.Keep }, whole(0, 1000, "a whole number from 0 to 1000")),
	field("ram", func(s *Stream) *int64 { return &s.RAM },
		size("a size such as 4MiB, or 0 to derive it from rotate and keep", bounds[int64]{})),
	field("disk_keep", func(s *Stream) *time.Duration { return &s.DiskKeep },
		duration("a duration such as 48h or 14d", bounds[time.Duration]{})),
	field("format", func(s *Stream) *string { return &s.Format }, codec[string]{parseFormat, verbatim}),
	field("level", func(s *Stream) *levels.Level { return &s.Level }, levelCodec),
	field("compress", func(s *Stream) *string { return &s.Compress }, noneIsEmpty(oneOf("none", "gzip"))),
	field("ram_compress", func(s *Stream) *string { return &s.RAMCompress }, oneOf("gzip", "none")),
	field("console", func(s *Stream) *bool { return &s.Console }, boolCodec),
	field("dedup", func(s *Stream) *time.Duration { return &s.Dedup },
		orOff(duration("off or a duration such as 30s", bounds[time.Duration]{min: minDedup, max: maxDedup, orZero: true,
			want: "off or a duration from " + formatDuration(minDedup) + " to " + formatDuration(maxDedup)}))),
}

// The bounds of a stream's dedup window: a shorter one would wake the
// runtime too often to write the counts of quiet streams, and a longer one
// would hold a count back for longer than anyone reads a log for.
const (
	minDedup = time.Second
	maxDedup = time.Hour
)

var loggerKeys = specs[Logger]{
	{"level", setLoggerLevel, getLoggerLevel},
	field("propagate", func(l *Logger) *bool { return &l.Propagate }, boolCodec),
	field("streams", func(l *Logger) *[]string { return &l.Streams }, streamList(streamsWant+", or none", false)),
}

var forwardKeys = specs[Forward]{
	field("type", func(f *Forward) *string { return &f.Type }, oneOf(forwardTypes...)),
	field("to", func(f *Forward) *string { return &f.To }, codec[string]{parseTo, verbatim}),
	field("protocol", func(f *Forward) *string { return &f.Protocol }, oneOf("rfc5424", "rfc3164")),
	{"priority", setPriority, getPriority},
	field("level", func(f *Forward) *levels.Level { return &f.Level }, levelCodec),
	// streams may be none here, as WriteTo prints an influx forward's;
	// decode wants one or more for the types that ship streams.
	field("streams", func(f *Forward) *[]string { return &f.Streams }, streamList("one or more "+streamsWant, false)),
	field("queue", func(f *Forward) *int64 { return &f.Queue }, size("a size such as 4MiB", bounds[int64]{})),
	field("replay_rate", func(f *Forward) *int { return &f.ReplayRate },
		whole(1, 1000000, "a whole number of lines per second from 1 to 1000000")),
	field("fail_silent", func(f *Forward) *bool { return &f.FailSilent }, boolCodec),
	field("labels", func(f *Forward) *[]string { return &f.Labels }, labelList),
	field("events", func(f *Forward) *[]string { return &f.Events }, eventTypeList),
	{"budget", setBudget, getBudget},
	field("budget_level", func(f *Forward) *levels.Level { return &f.BudgetLevel }, levelCodec),
	field("token", func(f *Forward) *string { return &f.Token }, noneIsEmpty(codec[string]{parseForwardToken, verbatim})),
	field("ca", func(f *Forward) *string { return &f.CA }, noneIsEmpty(codec[string]{parseCA, verbatim})),
}

// forwardTypes are the values of a forward's type; those after webhook
// send over HTTP too.
var forwardTypes = []string{"syslog", "webhook", "loki", "otlp", "influx"}

// httpType reports whether a forward of type typ sends to an http(s) URL.
func httpType(typ string) bool { return typ != "syslog" && slices.Contains(forwardTypes, typ) }

// parseGatewayName reads [runtime] name: letters, digits and . _ -, as a
// hostname, so that it is a valid label value and tag everywhere.
func parseGatewayName(v string) (string, error) {
	ok := len(v) <= 64
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		return "", want("none or a name of up to 64 letters, digits, '.', '_' and '-'", v)
	}
	return v, nil
}

// wordList reads words separated by commas, each trimmed and taken by
// item (which sees those taken before it), or the word empty, in any
// case, as none; none is printed as empty.
func wordList(empty string, none []string, wanted string, item func(w string, taken []string) (string, bool)) codec[[]string] {
	return codec[[]string]{
		func(v string) ([]string, error) {
			if strings.EqualFold(v, empty) {
				return none, nil
			}
			out := none[:0:0] // not nil when none is not
			for w := range strings.SplitSeq(v, ",") {
				w, ok := item(strings.TrimSpace(w), out)
				if !ok {
					return nil, want(wanted, v)
				}
				if w != "" { // a word item accepts and leaves out
					out = append(out, w)
				}
			}
			return out, nil
		},
		func(l []string) string {
			if len(l) == 0 {
				return empty
			}
			return strings.Join(l, ", ")
		},
	}
}

// labelList reads the Loki labels asked for: level and logger, or none
// (unset means level). gateway (host) and stream are always sent; they
// are accepted and left out, so that "host, stream, level" reads as
// level.
var labelList = wordList("none", []string{}, "none, or level and logger separated by commas (gateway, host and stream are always sent)",
	func(w string, taken []string) (string, bool) {
		switch w = strings.ToLower(w); w {
		case "gateway", "host", "stream":
			return "", true
		}
		return w, (w == "level" || w == "logger") && !slices.Contains(taken, w)
	})

// eventTypeList reads all (nil), or event type prefixes separated by
// commas.
var eventTypeList = wordList("all", nil, "all, or event type prefixes separated by commas such as webbrick/CT, webbrick/DI",
	func(w string, _ []string) (string, bool) { return w, w != "" && !strings.ContainsAny(w, " \t\"") })

// budgetWant is what a forward's budget takes.
const budgetWant = "none or a size per period such as 20MB/day, 1MiB/hour or 100MB/7d"

// ParseBudget reads a byte budget: "none" (or "0") is 0, else a positive
// size, a slash and a period, day, hour, week or a duration of at least a
// minute ("20MB/day", "500KiB/6h").
func ParseBudget(v string) (int64, time.Duration, error) {
	if strings.EqualFold(v, "none") || v == "0" {
		return 0, 0, nil
	}
	size, per, ok := strings.Cut(v, "/")
	if !ok {
		return 0, 0, want(budgetWant, v)
	}
	n, err := units.ParseSize(strings.TrimSpace(size))
	if err != nil || n <= 0 {
		return 0, 0, want(budgetWant, v)
	}
	var d time.Duration
	switch p := strings.ToLower(strings.TrimSpace(per)); p {
	case "day":
		d = 24 * time.Hour
	case "hour":
		d = time.Hour
	case "week":
		d = 7 * 24 * time.Hour
	default:
		if d, ok = parseDuration(p); !ok || d < time.Minute {
			return 0, 0, want(budgetWant, v)
		}
	}
	return n, d, nil
}

// FormatBudget prints a budget as ParseBudget reads it.
func FormatBudget(n int64, per time.Duration) string {
	switch {
	case n <= 0:
		return "none"
	case per == 24*time.Hour:
		return formatSize(n) + "/day"
	case per == time.Hour:
		return formatSize(n) + "/hour"
	}
	return formatSize(n) + "/" + formatDuration(per)
}

func setBudget(f *Forward, v string) error {
	n, d, err := ParseBudget(v)
	if err != nil {
		return err
	}
	f.Budget, f.BudgetPeriod = n, d
	return nil
}

func getBudget(f *Forward) string { return FormatBudget(f.Budget, f.BudgetPeriod) }

// parseForwardToken reads a destination's bearer token: as http_token's
// alphabet, any length from 1 to MaxHTTPToken.
func parseForwardToken(v string) (string, error) {
	ok := len(v) <= MaxHTTPToken
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/=", c) >= 0
	}
	if !ok {
		return "", errors.New("want none or a token of A-Z a-z 0-9 - . _ ~ + / =, got something else (not shown: it is a secret)")
	}
	return v, nil
}

// parseCA reads a CA file's absolute path (a daemon's working directory
// says nothing); the file is read when the destination starts.
func parseCA(v string) (string, error) {
	if !strings.HasPrefix(v, "/") {
		return "", want("none or the absolute path of a PEM file", v)
	}
	return v, nil
}

// bounds are the numbers a key takes: from min to max (no maximum when
// max is 0), and 0 as well when orZero is set. A number outside them is
// refused with want(want, v). Bounds without a want take every number.
type bounds[N int64 | time.Duration] struct {
	min, max N
	orZero   bool
	want     string
}

func (b bounds[N]) check(n N, v string) error {
	if b.want == "" || n == 0 && b.orZero || n >= b.min && (b.max == 0 || n <= b.max) {
		return nil
	}
	return want(b.want, v)
}

// size reads a size such as 100MiB within b; syntax is wanted of a value
// that is not a size.
func size(syntax string, b bounds[int64]) codec[int64] {
	return codec[int64]{
		func(v string) (int64, error) {
			n, err := units.ParseSize(v)
			if err != nil {
				return 0, want(syntax, v)
			}
			return n, b.check(n, v)
		},
		formatSize,
	}
}

// asInt stores c's numbers in an int; c's bounds must keep them within 32
// bits.
func asInt(c codec[int64]) codec[int] {
	return codec[int]{
		func(v string) (int, error) {
			n, err := c.parse(v)
			return int(n), err
		},
		func(n int) string { return c.format(int64(n)) },
	}
}

// duration reads a duration such as 30s or 14d within b; syntax is wanted
// of a value that is not a duration.
func duration(syntax string, b bounds[time.Duration]) codec[time.Duration] {
	return codec[time.Duration]{
		func(v string) (time.Duration, error) {
			d, ok := parseDuration(v)
			if !ok {
				return 0, want(syntax, v)
			}
			return d, b.check(d, v)
		},
		formatDuration,
	}
}

// orOff lets 0, off and none turn c's duration off (to 0), and prints 0
// as off.
func orOff(c codec[time.Duration]) codec[time.Duration] {
	return codec[time.Duration]{
		func(v string) (time.Duration, error) {
			if isOff(v) {
				return 0, nil
			}
			return c.parse(v)
		},
		func(d time.Duration) string {
			if d == 0 {
				return "off"
			}
			return c.format(d)
		},
	}
}

// isOff reports whether v turns a duration key off: 0, off or none.
func isOff(v string) bool {
	return v == "0" || strings.EqualFold(v, "off") || strings.EqualFold(v, "none")
}

// whole reads a number of decimal digits from lo to hi; wanted describes
// them.
func whole(lo, hi int, wanted string) codec[int] {
	return codec[int]{
		func(v string) (int, error) {
			n, ok := parseWhole(v, lo, hi)
			if !ok {
				return 0, want(wanted, v)
			}
			return n, nil
		},
		strconv.Itoa,
	}
}

// oneOf reads one of words, in any case, as the word.
func oneOf(words ...string) codec[string] {
	return codec[string]{
		func(v string) (string, error) {
			w := strings.ToLower(v)
			if !slices.Contains(words, w) {
				return "", want(orList(words), v)
			}
			return w, nil
		},
		verbatim,
	}
}

// noneIsEmpty reads none, in any case, as "" and prints "" as none; c
// reads every other value.
func noneIsEmpty(c codec[string]) codec[string] {
	return codec[string]{
		func(v string) (string, error) {
			if strings.EqualFold(v, "none") {
				return "", nil
			}
			return c.parse(v)
		},
		func(s string) string {
			if s == "" {
				return "none"
			}
			return c.format(s)
		},
	}
}

func verbatim(s string) string { return s }

// levelCodec reads a level name or number.
var levelCodec = codec[levels.Level]{
	func(v string) (levels.Level, error) {
		l, err := levels.ParseLevel(v)
		if err != nil {
			return 0, want(levelWant, v)
		}
		return l, nil
	},
	levels.Level.String,
}

// boolCodec reads yes or no.
var boolCodec = codec[bool]{
	func(v string) (bool, error) {
		b, ok := parseBool(v)
		if !ok {
			return false, want(boolWant, v)
		}
		return b, nil
	},
	formatBool,
}

// streamList reads stream names with parseStreams, at least one when
// oneOrMore is set; wanted describes them.
func streamList(wanted string, oneOrMore bool) codec[[]string] {
	return codec[[]string]{
		func(v string) ([]string, error) {
			names, ok := parseStreams(v)
			if !ok || oneOrMore && len(names) == 0 {
				return nil, want(wanted, v)
			}
			return names, nil
		},
		formatStreams,
	}
}

// MaxRAMCap is the largest ram_cap, 1024GiB: more than a gateway has, so
// that a typo such as 99999999GiB is refused rather than leave the rings,
// the disk path's queue and the Go memory limit unbounded.
const MaxRAMCap = 1 << 40

// Set sets the [runtime] key to value as a config file would, with the
// same syntax and bounds, for a command-line flag that overrides the key
// (gwlogd's -ram-cap): the flag takes what a file takes. The error says
// what is wanted, such as `want a size such as 100MiB, got "lots"`, and
// matches ErrValue, or ErrUnknown for a key that [runtime] does not take.
// A value refused leaves r as it was.
func (r *Runtime) Set(key, value string) error {
	s, ok := runtimeKeys.lookup(strings.ToLower(key))
	if !ok {
		return &setError{ErrUnknown, "unknown key; want " + runtimeKeys.names()}
	}
	if err := s.set(r, strings.TrimSpace(value)); err != nil {
		return &setError{ErrValue, err.Error()}
	}
	return nil
}

// setError is Set's error: its text is the message alone, which a flag
// shows after its own name and value.
type setError struct {
	sentinel error
	msg      string
}

func (e *setError) Error() string { return e.msg }

// Unwrap returns ErrValue or ErrUnknown.
func (e *setError) Unwrap() error { return e.sentinel }

// The bounds of an HTTP bearer token.
const (
	MinHTTPToken = 16
	MaxHTTPToken = 512
)

// tokenWant describes a valid token in error messages.
var tokenWant = fmt.Sprintf("a token of %d to %d characters from A-Z a-z 0-9 - . _ ~ + / (then = padding)", MinHTTPToken, MaxHTTPToken)

// CheckHTTPToken reports whether tok can be the HTTP API's bearer token,
// [runtime] http_token: MinHTTPToken to MaxHTTPToken characters of the
// RFC 6750 token68 alphabet (letters, digits, - . _ ~ + /), optionally
// ending in = padding, so that it fits an Authorization header as it is.
// The error says what is wanted without repeating tok, which is a secret.
func CheckHTTPToken(tok string) error {
	body := strings.TrimRight(tok, "=")
	ok := len(tok) >= MinHTTPToken && len(tok) <= MaxHTTPToken && body != ""
	for i := 0; ok && i < len(body); i++ {
		c := body[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0
	}
	if !ok {
		return fmt.Errorf("%w: http_token: want %s", ErrValue, tokenWant)
	}
	return nil
}

// parseHTTPToken reads a token other than none.
func parseHTTPToken(v string) (string, error) {
	if err := CheckHTTPToken(v); err != nil {
		// Not want(…, v): the value is a secret, even a mistyped one.
		return "", errors.New("want none or " + tokenWant + ", got something else (not shown: it is a secret)")
	}
	return v, nil
}

// dayBudgetWant is what disk_write_budget takes.
const dayBudgetWant = "none or a size a day such as 50MiB/day"

// ParseDayBudget reads a budget a day: "none" (or "0") is 0, else a
// positive size followed by "/day" ("50MiB/day"), in bytes.
func ParseDayBudget(v string) (int64, error) {
	if strings.EqualFold(v, "none") || v == "0" {
		return 0, nil
	}
	n := len(v) - len("/day")
	if n <= 0 || !strings.EqualFold(v[n:], "/day") {
		return 0, want(dayBudgetWant, v)
	}
	b, err := units.ParseSize(strings.TrimSpace(v[:n]))
	if err != nil || b <= 0 {
		return 0, want(dayBudgetWant, v)
	}
	return b, nil
}

// FormatDayBudget prints a budget as ParseDayBudget reads it.
func FormatDayBudget(n int64) string {
	if n <= 0 {
		return "none"
	}
	return formatSize(n) + "/day"
}

// setDisk reads "none", "PATH" or "PATH force".
func setDisk(r *Runtime, v string) error {
	if strings.EqualFold(v, "none") {
		r.Disk, r.Force = "", false
		return nil
	}
	path, force := v, false
	if f := strings.Fields(v); len(f) > 1 && strings.EqualFold(f[len(f)-1], "force") {
		path, force = strings.TrimSpace(v[:len(v)-len(f[len(f)-1])]), true
	}
	if strings.EqualFold(path, "none") {
		return want("none, a directory, or a directory and force", v)
	}
	r.Disk, r.Force = path, force
	return nil
}

func getDisk(r *Runtime) string {
	switch {
	case r.Disk == "":
		return "none"
	case r.Force:
		return r.Disk + " force"
	}
	return r.Disk
}

// parseRotation is ramlog.ParseRotation with ramlog's explanation but
// without its sentinel.
func parseRotation(v string) (ramlog.Rotation, error) {
	rot, err := ramlog.ParseRotation(v)
	if err != nil {
		var why string
		var re *ramlog.RotationError
		if errors.As(err, &re) && re.Reason != "" {
			why = ": " + re.Reason
		}
		return rot, fmt.Errorf(`want "size N", "time UNIT", "both UNIT,N" or "none", got %q%s`, v, why)
	}
	return rot, nil
}

// parseFormat checks a stream's format: a levels pattern or preset (json,
// smarty, python), or an access format (httplog.IsAccessFormat). Its error
// says what is wrong first: `unknown field "x" at offset 0, got "%(x)s"`.
func parseFormat(v string) (string, error) {
	if httplog.IsAccessFormat(v) {
		return v, nil
	}
	_, err := levels.NewFormatter(levels.FormatterOptions{Pattern: v})
	if err == nil {
		return v, nil
	}
	if !strings.Contains(v, "%(") {
		// No levels directive: it was meant as an access format.
		aerr := httplog.CheckAccessFormat(v)
		why := strings.TrimPrefix(aerr.Error(), httplog.ErrAccessFormat.Error()+": ")
		return "", fmt.Errorf("access format: %s, got %q", why, v)
	}
	var fe *levels.FormatError
	if errors.As(err, &fe) {
		return "", fmt.Errorf("%s at offset %d, got %q", fe.Reason, fe.Offset, v)
	}
	return "", fmt.Errorf("%s, got %q", err, v)
}

// setLoggerLevel reads "LEVEL" or "LEVEL for DURATION".
func setLoggerLevel(l *Logger, v string) error {
	lv, d := v, time.Duration(0)
	if f := strings.Fields(v); len(f) >= 3 && strings.EqualFold(f[len(f)-2], "for") {
		var ok bool
		if d, ok = parseDuration(f[len(f)-1]); !ok || d == 0 {
			return want("LEVEL for DURATION with a duration above 0 such as DEBUG for 15m", v)
		}
		lv = strings.Join(f[:len(f)-2], " ")
	}
	level, err := levels.ParseLevel(lv)
	if err != nil {
		return want(levelWant+", optionally followed by for DURATION such as DEBUG for 15m", v)
	}
	l.Level, l.For = level, d
	return nil
}

func getLoggerLevel(l *Logger) string {
	if l.For > 0 {
		return l.Level.String() + " for " + formatDuration(l.For)
	}
	return l.Level.String()
}

// parseTo reads a forward's destination, of either type.
func parseTo(v string) (string, error) {
	if toType(v) == "" {
		return "", want("a syslog address ("+syslogWant+") or a webhook URL (http:// or https://)", v)
	}
	return v, nil
}

// setPriority reads FACILITY.SEVERITY.
func setPriority(f *Forward, v string) error {
	fac, sev, ok := parsePriority(v)
	if !ok {
		return want("FACILITY.SEVERITY with syslog names such as user.notice or local3.info", v)
	}
	f.Facility, f.Severity = fac, sev
	return nil
}

func getPriority(f *Forward) string { return formatPriority(f.Facility, f.Severity) }

// Wanted forms shared by several keys.
const (
	levelWant   = "a level (NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF or 0-50)"
	boolWant    = "yes or no (true/false, on/off)"
	streamsWant = "stream names separated by commas"
	syslogWant  = "udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH"
	webhookWant = "an http:// or https:// URL"
)

// want returns the usual value error: want WHAT, got "VALUE".
func want(what, v string) error {
	return fmt.Errorf("want %s, got %q", what, v)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// parseDuration is units.ParseDuration, refusing sums that overflow.
func parseDuration(v string) (time.Duration, bool) {
	d, err := units.ParseDuration(v)
	return d, err == nil && d >= 0
}

// formatDuration prints d as parseDuration reads it: "14d" for three days
// or more in whole days, else Go syntax without zero tails ("48h", "90s").
func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= 3*day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatSize prints n exactly, in the largest binary unit that divides it.
// (units.FormatSize rounds to one decimal, which would not read back.)
func formatSize(n int64) string {
	for _, u := range []struct {
		s string
		m int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.m == 0 {
			return strconv.FormatInt(n/u.m, 10) + u.s
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// formatRotation prints r as ramlog.ParseRotation reads it, with exact
// sizes (Rotation.String rounds them).
func formatRotation(r ramlog.Rotation) string {
	size, every := r.Size, r.Every
	if size == 0 {
		size = ramlog.DefaultSegment
	}
	if every == 0 {
		every = ramlog.Midnight
	}
	unit := strconv.Itoa(int(every/time.Minute)) + "m"
	if every == ramlog.Midnight {
		unit = "midnight"
	}
	switch r.Kind {
	case ramlog.RotateNone:
		return "none"
	case ramlog.RotateTime:
		return "time " + unit
	case ramlog.RotateBoth:
		return "both " + unit + "," + formatSize(size)
	}
	return "size " + formatSize(size)
}

// parseWhole reads a number of decimal digits from lo to hi.
func parseWhole(v string, lo, hi int) (int, bool) {
	if v == "" || len(v) > 9 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= lo && n <= hi
}

func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "yes", "true", "on":
		return true, true
	case "no", "false", "off":
		return false, true
	}
	return false, false
}

func formatBool(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// parseStreams reads "a, b, c" or "none" (no streams). The names must be
// valid stream names and distinct.
func parseStreams(v string) ([]string, bool) {
	if strings.EqualFold(v, "none") {
		return nil, true
	}
	var names []string
	for n := range strings.SplitSeq(v, ",") {
		n = strings.TrimSpace(n)
		if !validStream(n) {
			return nil, false
		}
		for _, m := range names {
			if m == n {
				return nil, false
			}
		}
		names = append(names, n)
	}
	return names, true
}

func formatStreams(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// validStream reports whether name can name a stream: a plain file name
// (as ramlog requires) that also survives the config syntax, so no
// white space and none of , ; # [ ]; and not "none", which means an empty
// list.
func validStream(name string) bool {
	if name == "" || name == "." || !fs.ValidPath(name) || strings.EqualFold(name, "none") {
		return false
	}
	for _, r := range name {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) || strings.ContainsRune(`/\,;#[]`, r) {
			return false
		}
	}
	return true
}

// validLogger reports whether a raw [logger.NAME] name is acceptable: it
// has a component, and no white space, control characters or brackets.
func validLogger(name string) bool {
	if strings.Trim(name, ".") == "" {
		return false
	}
	for _, r := range name {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) || r == '[' || r == ']' {
			return false
		}
	}
	return true
}

// validForward reports whether name is letters, digits, _ and -.
func validForward(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// toType returns "syslog" or "webhook" for the destination URLs of those
// types, and "" for anything else.
func toType(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User != nil || u.Opaque != "" {
		return ""
	}
	switch u.Scheme {
	case "udp", "tcp":
		if u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
			return ""
		}
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil || host == "" {
			return ""
		}
		if _, ok := parseWhole(port, 1, 65535); !ok {
			return ""
		}
		return "syslog"
	case "unix":
		if u.Host != "" || !strings.HasPrefix(u.Path, "/") || len(u.Path) < 2 ||
			u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
			return ""
		}
		return "syslog"
	case "http", "https":
		if u.Host == "" {
			return ""
		}
		return "http"
	}
	return ""
}

// errToType explains a destination that does not fit the forward's type.
func errToType(typ, v string) error {
	if httpType(typ) {
		return want(webhookWant+" for type "+typ, v)
	}
	return want(syslogWant+" for type syslog", v)
}

// Syslog facility and severity names (RFC 5424 §6.2.1), by number.
var (
	facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
		"uucp", "cron", "authpriv", "ftp", "", "", "", "",
		"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	severities = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
)

func parsePriority(v string) (facility, severity int, ok bool) {
	f, s, found := strings.Cut(strings.ToLower(v), ".")
	if !found {
		return 0, 0, false
	}
	facility = index(facilities, f)
	severity = index(severities, s)
	return facility, severity, facility >= 0 && severity >= 0
}

func index(names []string, name string) int {
	if name == "" {
		return -1
	}
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

func formatPriority(facility, severity int) string {
	f, s := strconv.Itoa(facility), strconv.Itoa(severity)
	if facility >= 0 && facility < len(facilities) && facilities[facility] != "" {
		f = facilities[facility]
	}
	if severity >= 0 && severity < len(severities) {
		s = severities[severity]
	}
	return f + "." + s
}
