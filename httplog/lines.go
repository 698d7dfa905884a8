package httplog

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// FormatSource is a Source that tells the formatter of a stream's lines,
// so that line filters can read the lines' level, logger, time and token:
// gwlog.Runtime satisfies it. Without it, lines are read as
// levels.DefaultPattern writes them, in local time.
type FormatSource interface {
	StreamFormatter(name string) *levels.Formatter
}

// The line filters of GET /streams/{name} (and gwlog tail's flags).
var lineParams = []string{"level", "logger", "since", "until", "grep", "token"}

// MaxGrep bounds the length of a grep expression. Go's regular
// expressions run in time linear in the text, whatever the expression.
const MaxGrep = 1000

// LineFilter selects a stream's lines, as journalctl -p/-S/-U/-g does.
// The zero value selects every line.
type LineFilter struct {
	Level        levels.Level   // lines at Level or above; 0: any
	Logger       string         // lines of this logger and its descendants
	Since, Until time.Time      // lines from Since, before Until
	Grep         *regexp.Regexp // lines that match it
	Token        string         // lines of one request (its X-Request-ID)
}

// ParseLineFilter reads a LineFilter from GET /streams/{name}'s
// parameters level, logger, since, until, grep and token; q's other
// parameters are left to the caller. Times relative to now (-2s) are
// taken from now. The gwlog CLI reads a store on disk with it.
func ParseLineFilter(q url.Values, now time.Time) (LineFilter, error) {
	only := url.Values{}
	for _, k := range lineParams {
		if v, ok := q[k]; ok {
			only[k] = v
		}
	}
	p := newParams(only, lineParams, nil)
	var f LineFilter
	if v := p.str("level"); v != "" {
		lv, err := levels.ParseLevel(v)
		if err != nil || lv >= levels.OFF {
			p.fail("level: want DEBUG, INFO, WARNING, ERROR, CRITICAL or 1-50, got %q", v)
		}
		f.Level = lv
	}
	f.Logger = strings.TrimSpace(p.str("logger"))
	f.Since = p.time("since", now, time.Time{})
	f.Until = p.time("until", now, time.Time{})
	p.order(f.Since, f.Until)
	if v := p.str("grep"); v != "" {
		if len(v) > MaxGrep {
			p.fail("grep: %d bytes, more than %d", len(v), MaxGrep)
		} else if re, err := regexp.Compile(v); err != nil {
			p.fail("grep: %v", err)
		} else {
			f.Grep = re
		}
	}
	f.Token = p.str("token")
	return f, p.err
}

// Empty reports whether f selects every line.
func (f *LineFilter) Empty() bool {
	return f.Level == 0 && f.Logger == "" && f.Since.IsZero() && f.Until.IsZero() && f.Grep == nil && f.Token == ""
}

// Match returns the ramlog.Match of f for the lines sc reads; it is an
// error, naming the parameter, when f filters on what sc cannot find in
// them (a level in lines formatted "%(message)s"). The lines readers
// write about lines lost ("… N lines dropped") are lines like the others:
// only grep may select them. The Match is for one reader at a time.
func (f *LineFilter) Match(sc *levels.Scanner, pattern string) (ramlog.Match, error) {
	var need levels.Found
	for _, c := range []struct {
		on    bool
		found levels.Found
		name  string
	}{
		{f.Level != 0, levels.FoundLevel, "level"},
		{f.Logger != "", levels.FoundLogger, "logger"},
		{!f.Since.IsZero(), levels.FoundTime, "since"},
		{!f.Until.IsZero(), levels.FoundTime, "until"},
		{f.Token != "", levels.FoundToken, "token"},
	} {
		if !c.on {
			continue
		}
		if sc.Finds()&c.found == 0 {
			return ramlog.Match{}, fmt.Errorf("%s: the stream's lines do not show it (format %q)", c.name, pattern)
		}
		need |= c.found
	}
	m := ramlog.Match{}
	if !f.Since.IsZero() {
		m.Since = f.Since.UnixNano()
	}
	if !f.Until.IsZero() {
		m.Until = f.Until.UnixNano()
	}
	var needle []byte
	if f.Token != "" && sc.TokenInAttrs() {
		needle = levels.TokenAttr(f.Token)
		need &^= levels.FoundToken
	}
	var li levels.LineInfo
	m.Line = func(line []byte) bool {
		switch {
		case f.Grep != nil && !f.Grep.Match(line),
			needle != nil && !bytes.Contains(line, needle):
			return false
		case need == 0:
			return true
		case !sc.Scan(line, &li) || li.Found&need != need:
			return false
		}
		return f.keeps(&li, m.Since, m.Until)
	}
	return m, nil
}

// keeps reports whether the fields read from a line pass f.
func (f *LineFilter) keeps(li *levels.LineInfo, since, until int64) bool {
	switch {
	case f.Level != 0 && li.Level < f.Level,
		since != 0 && li.Time < since,
		until != 0 && li.Time >= until,
		f.Token != "" && li.Found&levels.FoundToken != 0 && string(li.Token) != f.Token:
		return false
	case f.Logger != "":
		name := string(li.Logger)
		return name == f.Logger || strings.HasPrefix(name, f.Logger) && name[len(f.Logger)] == '.'
	}
	return true
}

// streamMatch returns the Match of f for the named stream of src.
func streamMatch(src Source, name string, f *LineFilter) (ramlog.Match, error) {
	var fm *levels.Formatter
	if fs, ok := src.(FormatSource); ok {
		fm = fs.StreamFormatter(name)
	}
	if fm == nil {
		fm = defaultFormatter
	}
	return f.Match(fm.Scanner(), fm.Pattern())
}

// defaultFormatter is the formatter of a stream whose own is not known.
var defaultFormatter = levels.MustFormatter(levels.FormatterOptions{})

// followFiltered follows s with the lines m selects, after the last n of
// those held: reading these is a filtered read of the whole history,
// which runs within heavy until it is done.
func followFiltered(w http.ResponseWriter, r *http.Request, s *ramlog.Stream, n int, m ramlog.Match, heavy *gate) {
	release := func() {}
	if n > 0 {
		if !heavy.enter(w, r, "read-backs") {
			return
		}
		held := true
		release = func() {
			if held {
				held = false
				heavy.leave()
			}
		}
		defer release()
	}
	mark := s.Mark()
	ctx := r.Context()
	follow(w, r, func(yield func([]byte) bool) {
		if n > 0 {
			_, err := s.WriteMatchingBefore(ctx, yieldWriter(yield), n, m, mark)
			release()
			if err != nil {
				return
			}
		}
		for run := range s.FollowMatchingFrom(ctx, mark, m) {
			if !yield(run) {
				return
			}
		}
	})
}

// yieldWriter hands what is written to the function, until it returns
// false.
type yieldWriter func([]byte) bool

func (y yieldWriter) Write(p []byte) (int, error) {
	if !y(p) {
		return 0, errGone
	}
	return len(p), nil
}

// errGone stops a read whose client went away.
var errGone = errors.New("httplog: the client is gone")
