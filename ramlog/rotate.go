package ramlog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gwlog/gwlog/internal/units"
)

// RotateKind says what starts a new segment.
type RotateKind uint8

const (
	// RotateSize starts a new segment when the open one would pass Size.
	RotateSize RotateKind = iota
	// RotateTime starts a new segment at each wall-clock period of Every.
	RotateTime
	// RotateBoth rotates at each period and within one at Size.
	RotateBoth
	// RotateNone never rotates: the stream is one file whose oldest lines
	// give way.
	RotateNone
)

// DefaultSegment is the size rotation of a zero Rotation.
const DefaultSegment = 1 << 20

// Midnight is the longest time unit: periods of a day, starting at local
// midnight.
const Midnight = 24 * time.Hour

// Rotation is when a stream starts a new segment. The zero value rotates at
// DefaultSegment bytes.
type Rotation struct {
	Kind RotateKind
	// Size is the largest segment, for RotateSize and RotateBoth; zero
	// means DefaultSegment.
	Size int64
	// Every is the period, for RotateTime and RotateBoth: whole minutes,
	// at most Midnight; zero means Midnight. Periods align to the wall
	// clock: 10m rolls at :00, :10, …, counted from local midnight.
	Every time.Duration
}

// ParseRotation parses "size N", "time UNIT", "both UNIT,N" or "none".
// UNIT is "midnight", a Go duration of whole minutes ("10m", "1h"), or a
// number of minutes; N is a size such as "1MiB".
func ParseRotation(s string) (Rotation, error) {
	bad := func(why string) (Rotation, error) {
		return Rotation{}, &RotationError{Spec: s, Reason: why}
	}
	kind, arg, _ := strings.Cut(strings.TrimSpace(s), " ")
	arg = strings.TrimSpace(arg)
	switch strings.ToLower(kind) {
	case "none":
		if arg != "" {
			return bad("")
		}
		return Rotation{Kind: RotateNone}, nil
	case "size":
		n, err := units.ParseSize(arg)
		if err != nil || n == 0 {
			return bad("the size must be a positive size such as 1MiB")
		}
		return Rotation{Kind: RotateSize, Size: n}, nil
	case "time":
		d, err := parseUnit(arg)
		if err != nil {
			return bad(err.Error())
		}
		return Rotation{Kind: RotateTime, Every: d}, nil
	case "both":
		u, sz, ok := strings.Cut(arg, ",")
		if !ok {
			return bad("")
		}
		d, err := parseUnit(strings.TrimSpace(u))
		if err != nil {
			return bad(err.Error())
		}
		n, err := units.ParseSize(sz)
		if err != nil || n == 0 {
			return bad("the size must be a positive size such as 1MiB")
		}
		return Rotation{Kind: RotateBoth, Every: d, Size: n}, nil
	}
	return bad("")
}

func parseUnit(s string) (time.Duration, error) {
	var d time.Duration
	switch strings.ToLower(s) {
	case "midnight", "daily":
		return Midnight, nil
	case "hourly":
		return time.Hour, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > int(Midnight/time.Minute) {
			return 0, fmt.Errorf("the unit must be whole minutes from 1m to 1440m (midnight)")
		}
		d = time.Duration(n) * time.Minute
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("the unit must be midnight, minutes or a duration such as 10m")
	}
	if d < time.Minute || d > Midnight || d%time.Minute != 0 {
		return 0, fmt.Errorf("the unit must be whole minutes from 1m to 1440m (midnight)")
	}
	return d, nil
}

// String returns the spec ParseRotation reads back.
func (r Rotation) String() string {
	r = r.withDefaults()
	switch r.Kind {
	case RotateNone:
		return "none"
	case RotateTime:
		return "time " + unitString(r.Every)
	case RotateBoth:
		return "both " + unitString(r.Every) + "," + units.FormatSize(r.Size)
	}
	return "size " + units.FormatSize(r.Size)
}

func unitString(d time.Duration) string {
	if d == Midnight {
		return "midnight"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}

func (r Rotation) withDefaults() Rotation {
	if r.Size == 0 {
		r.Size = DefaultSegment
	}
	if r.Every == 0 {
		r.Every = Midnight
	}
	return r
}

func (r Rotation) validate() error {
	if r.Kind > RotateNone {
		return fmt.Errorf("%w: unknown kind %d", ErrRotate, r.Kind)
	}
	if r.Size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrRotate, r.Size)
	}
	if r.Every < 0 || r.Every > Midnight || r.Every%time.Minute != 0 {
		return fmt.Errorf("%w: period %s is not whole minutes up to 1440m", ErrRotate, r.Every)
	}
	return nil
}

// Sized reports whether r rotates by size (RotateSize, RotateBoth).
func (r Rotation) Sized() bool { return r.Kind == RotateSize || r.Kind == RotateBoth }

// timed reports whether r rotates by the clock.
func (r Rotation) timed() bool { return r.Kind == RotateTime || r.Kind == RotateBoth }

// period returns the wall-clock period that holds t: its start and end.
func (r Rotation) period(t time.Time, loc *time.Location) (start, end time.Time) {
	lt := t.In(loc)
	y, m, d := lt.Date()
	unit := int(r.Every / time.Minute)
	k := (lt.Hour()*60 + lt.Minute()) / unit * unit
	start = time.Date(y, m, d, 0, k, 0, 0, loc)
	end = time.Date(y, m, d, 0, k+unit, 0, 0, loc)
	if next := time.Date(y, m, d+1, 0, 0, 0, 0, loc); end.After(next) {
		end = next // a unit that does not divide the day ends at midnight
	}
	return start, end
}

// suffix names a period as Python's TimedRotatingFileHandler does:
// 2026-11-21 for days, 2026-11-21_10 for hours, 2026-11-21_10-10 else.
func (r Rotation) suffix(start time.Time) string {
	switch {
	case r.Every%Midnight == 0:
		return start.Format("2006-01-02")
	case r.Every%time.Hour == 0:
		return start.Format("2006-01-02_15")
	}
	return start.Format("2006-01-02_15-04")
}
