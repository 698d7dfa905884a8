package levels

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
)

// Level is a record's importance, with Python logging's numeric values so
// that configs and numbers carried over from Python read the same.
type Level int32

// The standard levels. NOTSET on a logger means "inherit from the parent";
// OFF on a logger or stream lets nothing through.
const (
	NOTSET   Level = 0
	DEBUG    Level = 10
	INFO     Level = 20
	WARNING  Level = 30
	ERROR    Level = 40
	CRITICAL Level = 50
	OFF      Level = math.MaxInt32
)

// maxNumeric is the largest numeric level ParseLevel accepts.
const maxNumeric = 50

// ParseLevel parses a level name (case-insensitive; WARN and FATAL are
// accepted as in Python) or a Python numeric value from 0 to 50, bare or as
// "Level 15".
func ParseLevel(s string) (Level, error) {
	t := strings.TrimSpace(s)
	switch strings.ToUpper(t) {
	case "NOTSET":
		return NOTSET, nil
	case "DEBUG":
		return DEBUG, nil
	case "INFO":
		return INFO, nil
	case "WARNING", "WARN":
		return WARNING, nil
	case "ERROR":
		return ERROR, nil
	case "CRITICAL", "FATAL":
		return CRITICAL, nil
	case "OFF":
		return OFF, nil
	}
	num := t
	if len(t) > 6 && strings.EqualFold(t[:6], "level ") {
		num = t[6:] // Python's name for a level between the named ones
	}
	if n, err := strconv.Atoi(num); err == nil && n >= 0 && n <= maxNumeric {
		return Level(n), nil
	}
	return 0, fmt.Errorf("%w: %q (want NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF or 0-50)", ErrLevel, s)
}

// AppendText implements encoding.TextAppender: the level's name, or
// "Level N", appended without allocating.
func (l Level) AppendText(b []byte) ([]byte, error) {
	if s, ok := l.name(); ok {
		return append(b, s...), nil
	}
	return strconv.AppendInt(append(b, "Level "...), int64(l), 10), nil
}

// String returns the level's name, or "Level N" for a level between the
// named ones, as Python does.
func (l Level) String() string {
	if s, ok := l.name(); ok {
		return s
	}
	return "Level " + strconv.Itoa(int(l))
}

func (l Level) name() (string, bool) {
	switch l {
	case NOTSET:
		return "NOTSET", true
	case DEBUG:
		return "DEBUG", true
	case INFO:
		return "INFO", true
	case WARNING:
		return "WARNING", true
	case ERROR:
		return "ERROR", true
	case CRITICAL:
		return "CRITICAL", true
	case OFF:
		return "OFF", true
	}
	return "", false
}

// MarshalText implements encoding.TextMarshaler.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseLevel.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Level implements slog.Leveler.
func (l Level) Level() slog.Level { return l.Slog() }

// Slog maps l onto slog's scale: DEBUG is slog.LevelDebug, INFO
// slog.LevelInfo, WARNING slog.LevelWarn, ERROR slog.LevelError and
// CRITICAL slog.LevelError+4; levels between scale linearly.
func (l Level) Slog() slog.Level {
	if l >= OFF {
		return slog.Level(math.MaxInt32)
	}
	return slog.Level((int64(l) - int64(INFO)) * 4 / 10) // int64: int is 32 bits on arm
}

// FromSlog maps an slog level onto gwlog's scale, the inverse of Slog for
// slog's named levels. The result is at least 1, so a record is never
// NOTSET.
func FromSlog(l slog.Level) Level {
	const bound = maxNumeric * 100
	l64 := min(max(int64(l), -bound), bound) // int64: int is 32 bits on arm
	v := int64(INFO) + l64*10/4
	switch {
	case v < 1:
		return 1
	case v > maxNumeric*100:
		return maxNumeric * 100
	}
	return Level(v)
}

// Severity returns the syslog severity (RFC 5424 §6.2.1) for l:
// 7 debug, 6 info, 4 warning, 3 err, 2 crit.
func (l Level) Severity() int {
	switch {
	case l < INFO:
		return 7
	case l < WARNING:
		return 6
	case l < ERROR:
		return 4
	case l < CRITICAL:
		return 3
	}
	return 2
}
