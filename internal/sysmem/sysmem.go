// Package sysmem reads how much memory the machine has, so that defaults
// can be sized from it as journald sizes its own.
package sysmem

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/gwlog/gwlog/internal/units"
)

// ErrNoMemTotal is returned when /proc/meminfo has no MemTotal line.
var ErrNoMemTotal = errors.New("sysmem: no MemTotal line")

// Total returns the machine's memory in bytes (MemTotal of
// /proc/meminfo), or an error where it cannot be read (not Linux).
func Total() (int64, error) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("sysmem: %w", err)
	}
	return ParseMemTotal(data)
}

// ParseMemTotal returns MemTotal of meminfo, the text of /proc/meminfo
// ("MemTotal:       16318480 kB"), in bytes.
func ParseMemTotal(meminfo []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for n := 1; sc.Scan(); n++ {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("MemTotal:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, fmt.Errorf("sysmem: /proc/meminfo:%d: want \"MemTotal: N kB\", got %q", n, sc.Text())
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || kb <= 0 || kb > 1<<53 {
			return 0, fmt.Errorf("sysmem: /proc/meminfo:%d: want a positive number of kB, got %q", n, f[0])
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("sysmem: /proc/meminfo: %w", err)
	}
	return 0, ErrNoMemTotal
}

// DefaultCap returns the RAM cap to use when none is set: profile, but
// never more than a quarter of the machine's memory (and at least 1 MiB),
// as journald sizes its defaults from what the machine has; and why, in
// words for a start line.
func DefaultCap(profile int64) (int64, string) {
	total, err := Total()
	switch {
	case err != nil:
		return profile, "the default; the machine's memory is unknown"
	case total/4 < profile:
		return max(total/4, 1<<20), "a quarter of MemTotal " + units.FormatSize(total) + ", under the default " + units.FormatSize(profile)
	}
	return profile, "the default; a quarter of MemTotal " + units.FormatSize(total) + " is more"
}
