// Package units parses and prints the sizes and durations of gwlog's
// configuration: sizes in B, KiB, MiB, GiB (KB, MB, GB mean the same
// 1024-based units), durations in Go syntax plus d for days.
package units

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrSize is returned for a malformed or out-of-range size.
var ErrSize = errors.New("invalid size")

// ErrDuration is returned for a malformed or out-of-range duration.
var ErrDuration = errors.New("invalid duration")

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
	{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
	{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10},
	{"B", 1},
}

// ParseSize parses "1MiB", "512 KiB", "4096" (bytes) or "1.5GiB". The
// result is a whole, non-negative number of bytes below 2^62.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			mult = u.mult
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	if t == "" {
		return 0, fmt.Errorf("%w: %q (want a number and B, KiB, MiB or GiB)", ErrSize, s)
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n < 0 || n > math.MaxInt64/mult || n*mult >= 1<<62 {
			return 0, fmt.Errorf("%w: %q is out of range", ErrSize, s)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%w: %q (want a number and B, KiB, MiB or GiB)", ErrSize, s)
	}
	v := f * float64(mult)
	if v < 0 || v >= 1<<62 {
		return 0, fmt.Errorf("%w: %q is out of range", ErrSize, s)
	}
	return int64(v), nil
}

// FormatSize prints n in the largest binary unit that keeps it readable:
// "1MiB", "1.5GiB", "700B".
func FormatSize(n int64) string {
	neg := ""
	if n < 0 {
		neg, n = "-", -n
	}
	for _, u := range []struct {
		s string
		m int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.m {
			if n%u.m == 0 {
				return neg + strconv.FormatInt(n/u.m, 10) + u.s
			}
			return neg + strconv.FormatFloat(float64(n)/float64(u.m), 'f', 1, 64) + u.s
		}
	}
	return neg + strconv.FormatInt(n, 10) + "B"
}

// ParseDuration parses Go durations plus a d (24h) unit: "48h", "14d",
// "1d12h", "30s". The result is not negative.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	var days int64
	if i := strings.IndexByte(t, 'd'); i >= 0 {
		n, err := strconv.ParseInt(t[:i], 10, 64)
		if err != nil || n < 0 || n > 100000 {
			return 0, fmt.Errorf("%w: %q (want Go syntax such as 30s, 48h, or days such as 14d)", ErrDuration, s)
		}
		days, t = n, t[i+1:]
	}
	var d time.Duration
	if t != "" {
		var err error
		d, err = time.ParseDuration(t)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%w: %q (want Go syntax such as 30s, 48h, or days such as 14d)", ErrDuration, s)
		}
	} else if days == 0 && strings.TrimSpace(s) != "0d" {
		return 0, fmt.Errorf("%w: %q (want Go syntax such as 30s, 48h, or days such as 14d)", ErrDuration, s)
	}
	return d + time.Duration(days)*24*time.Hour, nil
}
