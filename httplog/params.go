package httplog

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gwlog/gwlog/internal/units"
)

// ParseTime parses a time as the /events and /series parameters and the
// gwlog CLI flags take it:
//
//	2026-11-21T10:00:00Z          RFC 3339, fractional seconds allowed
//	2026-11-21                    midnight UTC of a date
//	-1h, -90m, -7d, now           relative to now (Go durations plus d)
//	1795255200, 1795255200.5      Unix seconds
//
// The result is in UTC, and within the years 1678 to 2262 that
// nanoseconds since 1970 can count (records carry such times): a later
// time such as 9999-12-31 means "no end", as it would to a reader, and is
// taken as the last such instant.
func ParseTime(s string, now time.Time) (time.Time, error) {
	t, err := parseTime(s, now)
	return clampTime(t), err
}

var (
	firstTime = time.Unix(0, math.MinInt64).UTC()
	lastTime  = time.Unix(0, math.MaxInt64).UTC()
)

// clampTime brings t into the range of UnixNano; zero stays zero.
func clampTime(t time.Time) time.Time {
	switch {
	case t.IsZero():
		return t
	case t.Before(firstTime):
		return firstTime
	case t.After(lastTime):
		return lastTime
	}
	return t
}

func parseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "now":
		return now.UTC(), nil
	case strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+"):
		d, err := units.ParseDuration(s[1:])
		if err != nil {
			break
		}
		if s[0] == '-' {
			d = -d
		}
		return now.Add(d).UTC(), nil
	case s != "" && strings.Trim(s, "0123456789.") == "":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f > math.MaxInt64/1e9 {
			break
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	default:
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), nil
		}
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want RFC 3339 (2026-11-21T10:00:00Z), a date (2026-11-21), a time back from now (-1h, -7d, now) or Unix seconds, got %q", s)
}

// params reads a request's query parameters: each known at most once,
// except those named repeatable; unknown ones are errors, so that a
// misspelt filter does not silently select everything.
type params struct {
	q   url.Values
	err error
}

// newParams checks q's names against known.
func newParams(q url.Values, known, repeatable []string) *params {
	p := &params{q: q}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch {
		case !slices.Contains(known, k) && !slices.Contains(repeatable, k):
			all := append(slices.Clone(known), repeatable...)
			p.fail("%s: unknown parameter (want %s)", k, strings.Join(all, ", "))
		case len(q[k]) > 1 && !slices.Contains(repeatable, k):
			p.fail("%s: given %d times, want at most one", k, len(q[k]))
		}
	}
	return p
}

// MaxParams bounds the number of query parameters a request may have.
const MaxParams = 100

// query parses r's query string with parseQuery.
func query(r *http.Request) (url.Values, error) { return parseQuery(r.URL.RawQuery) }

// parseQuery parses a raw query string: one that does not parse (a bad
// escape such as %zz, a semicolon) or has more than MaxParams
// parameters is an error, where r.URL.Query() would silently leave
// parameters out, and with them the filters they set.
func parseQuery(raw string) (url.Values, error) {
	if n := strings.Count(raw, "&") + 1; n > MaxParams {
		return nil, fmt.Errorf("query: %d parameters, more than %d", n, MaxParams)
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return q, nil
}

// noParams answers 400 naming the first query parameter r has, or why
// its query does not parse, and returns false, for an endpoint that
// takes none.
func noParams(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	q, err := query(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return false
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		writeError(w, http.StatusBadRequest, k+": unknown parameter ("+endpoint+" takes none)")
		return false
	}
	return true
}

// fail records the first problem.
func (p *params) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

func (p *params) str(name string) string { return p.q.Get(name) }

// time parses a time parameter; absent gives def.
func (p *params) time(name string, now, def time.Time) time.Time {
	v := p.q.Get(name)
	if v == "" {
		return def
	}
	t, err := ParseTime(v, now)
	if err != nil {
		p.fail("%s: %v", name, err)
	}
	return t
}

// duration parses a positive duration parameter (Go syntax plus d).
func (p *params) duration(name string) time.Duration {
	v := p.q.Get(name)
	if v == "" {
		p.fail("%s: required (a duration such as 5m, 1h or 1d)", name)
		return 0
	}
	d, err := units.ParseDuration(v)
	if err == nil && d <= 0 {
		err = fmt.Errorf("%q is not positive", v)
	}
	if err != nil {
		p.fail("%s: %v", name, err)
	}
	return d
}

// count parses a whole number parameter in [0, most]; absent gives 0.
func (p *params) count(name string, most int) int {
	v := p.q.Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > most {
		p.fail("%s: want a whole number from 0 to %d, got %q", name, most, v)
	}
	return n
}

// flag parses a 1/0 (or true/false) parameter; absent is false.
func (p *params) flag(name string) bool {
	switch v := p.q.Get(name); v {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	default:
		p.fail("%s: want 1 or 0, got %q", name, v)
		return false
	}
}

// order checks that since is before until when both are set.
func (p *params) order(since, until time.Time) {
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		p.fail("since: %s is not before until %s", since.Format(time.RFC3339Nano), until.Format(time.RFC3339Nano))
	}
}
