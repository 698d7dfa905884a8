package cfg

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gwlog/gwlog/levels"
)

// file is one parsed source: its sections, each once, in order of first
// appearance, holding only the entries that passed validation.
type file struct {
	name     string
	src      int // index among the sources; -1 for a profile
	sections []*fileSection
	byID     map[string]*fileSection
}

// fileSection is one section of one file; repeated headers are merged.
type fileSection struct {
	id      string // "runtime", "stream.debug", "logger.root", "forward.central"
	kind    string // kindRuntime, …
	name    string // "" for runtime; canonical for loggers ("root" for the root)
	line    int    // of the first header
	entries []entry
	invalid []string // keys whose value was rejected
}

// value returns the last value of key in section id.
func (f *file) value(id, key string) (string, bool) {
	v, ok := "", false
	if s := f.byID[id]; s != nil {
		for _, e := range s.entries {
			if e.key == key {
				v, ok = e.value, true
			}
		}
	}
	return v, ok
}

// entry is one key = value line.
type entry struct {
	key, value string // key lower-case; value trimmed, comment removed
	line       int
}

// parseFile reads one source. It returns the valid part of the file and
// every problem found, each as an *Error.
func parseFile(name string, src int, data []byte) (*file, []*Error) {
	f := &file{name: name, src: src, byID: map[string]*fileSection{}}
	var errs []*Error
	fail := func(line int, section, key string, sentinel error, format string, args ...any) {
		errs = append(errs, &Error{File: name, Line: line, Section: section, Key: key,
			Msg: fmt.Sprintf(format, args...), Err: sentinel, src: src})
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // a byte-order mark from a Windows editor

	var cur *fileSection // nil before the first header and after a bad one
	skip := false        // inside a bad section: its keys are not checked
	seen := map[string]int{}
	for n, line := range strings.Split(string(data), "\n") {
		n++
		line = strings.TrimSuffix(line, "\r")
		if msg := badText(line); msg != "" {
			fail(n, "", "", ErrSyntax, "%s", msg)
			if strings.HasPrefix(strings.TrimSpace(line), "[") {
				cur, skip = nil, true
			}
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		if t[0] == '[' {
			t = strings.TrimSpace(t[:commentAt(t, false)])
			cur, skip = nil, true
			if len(t) < 2 || t[len(t)-1] != ']' {
				fail(n, "", "", ErrSyntax, "want [section], key = value or a comment, got %q", t)
				continue
			}
			s, e := parseHeader(t[1 : len(t)-1])
			if e != nil {
				e.File, e.Line, e.src = name, n, src
				errs = append(errs, e)
				continue
			}
			cur, skip = f.byID[s.id], false
			if cur == nil {
				s.line = n
				cur = s
				f.byID[s.id] = s
				f.sections = append(f.sections, s)
			}
			continue
		}
		eq := strings.IndexByte(t, '=')
		if eq < 0 {
			fail(n, "", "", ErrSyntax, "want [section], key = value or a comment, got %q", t)
			continue
		}
		key := strings.ToLower(strings.TrimSpace(t[:eq]))
		v := t[eq+1:]
		v = strings.TrimSpace(v[:commentAt(v, true)])
		if key == "" {
			fail(n, "", "", ErrSyntax, "want key = value, got %q", t)
			continue
		}
		if skip {
			continue
		}
		if cur == nil {
			fail(n, "", key, ErrSyntax, "key before any [section] header")
			continue
		}
		k := kinds[cur.kind]
		known, err := k.check(key, v)
		if !known {
			fail(n, cur.id, key, ErrUnknown, "unknown key; want %s", k.names())
			continue
		}
		if first, ok := seen[cur.id+"/"+key]; ok {
			fail(n, cur.id, key, ErrDuplicate, "duplicate key (first set on line %d)", first)
			continue
		}
		seen[cur.id+"/"+key] = n
		if v != "" && err != nil {
			fail(n, cur.id, key, ErrValue, "%s", err.Error())
			cur.invalid = append(cur.invalid, key)
			continue
		}
		cur.entries = append(cur.entries, entry{key: key, value: v, line: n})
	}
	return f, errs
}

// badText describes a line that holds invalid UTF-8 or a control character
// other than tab, or returns "".
func badText(line string) string {
	for i, r := range line {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(line[i:], "\uFFFD"):
			return "invalid UTF-8 at byte " + strconv.Itoa(i)
		case r != '\t' && unicode.IsControl(r):
			return fmt.Sprintf("control character %U at byte %d", r, i)
		}
	}
	return ""
}

// commentAt returns where an inline comment starts in s, or len(s): at a
// # or ; preceded by white space or, when atStart, at the start of s.
func commentAt(s string, atStart bool) int {
	prev := utf8.RuneError
	if atStart {
		prev = ' '
	}
	for i, r := range s {
		if (r == '#' || r == ';') && unicode.IsSpace(prev) {
			return i
		}
		prev = r
	}
	return len(s)
}

// parseHeader reads the inside of a [section] header. Errors lack File and
// Line, which the caller fills in.
func parseHeader(in string) (*fileSection, *Error) {
	in = strings.TrimSpace(in)
	kindName, name, dotted := strings.Cut(in, ".")
	k := strings.ToLower(kindName)
	bad := func(sentinel error, format string, args ...any) (*fileSection, *Error) {
		return nil, &Error{Section: in, Msg: fmt.Sprintf(format, args...), Err: sentinel}
	}
	switch k {
	case kindRuntime:
		if dotted {
			return bad(ErrSyntax, "want [runtime] without a name")
		}
		return &fileSection{id: k, kind: k}, nil
	case kindStream:
		if !validStream(name) {
			return bad(ErrSyntax, "want [stream.NAME] with NAME a plain file name, without white space or any of / \\ , ; # [ ], and not none; got %q", name)
		}
	case kindLogger:
		if !validLogger(name) {
			return bad(ErrSyntax, "want [logger.NAME] with NAME a dotted logger name without white space or brackets, or root; got %q", name)
		}
		name = levels.Canonical(name)
		if name == "" {
			name = "root"
		}
	case kindForward:
		if !validForward(name) {
			return bad(ErrSyntax, "want [forward.NAME] with NAME of letters, digits, _ and -; got %q", name)
		}
	default:
		return bad(ErrUnknown, "unknown section; want [runtime], [stream.NAME], [logger.NAME] or [forward.NAME]")
	}
	return &fileSection{id: k + "." + name, kind: k, name: name}, nil
}
