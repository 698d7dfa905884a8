package levels

import (
	"fmt"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// DefaultPattern is the pattern of a stream that names none.
const DefaultPattern = "%(asctime)s %(levelname)s %(name)s %(message)s %(attrs)s"

// DefaultMaxLine is the longest line, in bytes without its newline, that a
// Formatter writes when FormatterOptions.MaxLine is zero.
const DefaultMaxLine = 16 << 10

// minMaxLine leaves room for the truncation marker.
const minMaxLine = 64

// FormatterOptions configure a Formatter. The zero value means the defaults.
type FormatterOptions struct {
	// Pattern uses Python logging's %(name)s directives; see NewFormatter.
	// Empty means DefaultPattern.
	Pattern string
	// MaxLine caps a line's length in bytes, newline excluded; a longer
	// line is cut and ends with a "…[N bytes truncated]" marker. Zero
	// means DefaultMaxLine; the least accepted is 64.
	MaxLine int
	// Location is the time zone of %(asctime)s; nil means time.Local.
	Location *time.Location
}

// Formatter turns a Record into one line of bytes. It is safe for
// concurrent use and allocates nothing for the directives a line usually
// has (the caller fields resolve a stack frame, which allocates).
type Formatter struct {
	pattern    string
	ops        []op
	maxLine    int
	loc        *time.Location
	needCaller bool
	needCtx    bool
	tokenAttr  bool // %(attrs)s shows the token: the pattern has no %(token)s
	pid        []byte
	start      time.Time
	json       bool // the json preset

	asc atomic.Pointer[ascCache]
}

// ascCache holds the text of the current second for %(asctime)s.
type ascCache struct {
	sec  int64
	text [ascLen]byte // "2006-01-02 15:04:05"
}

const ascLen = len("2006-01-02 15:04:05")

type field uint8

const (
	fLiteral field = iota
	fAsctime
	fCreated
	fMsecs
	fRelative
	fLevelname
	fLevelno
	fName
	fMessage
	fModule
	fFilename
	fPathname
	fLineno
	fFuncName
	fProcess
	fThreadName
	fToken
	fAttrs
)

var fields = map[string]field{
	"asctime":         fAsctime,
	"created":         fCreated,
	"msecs":           fMsecs,
	"relativeCreated": fRelative,
	"levelname":       fLevelname,
	"levelno":         fLevelno,
	"name":            fName,
	"message":         fMessage,
	"module":          fModule,
	"filename":        fFilename,
	"pathname":        fPathname,
	"lineno":          fLineno,
	"funcName":        fFuncName,
	"process":         fProcess,
	"threadName":      fThreadName,
	"token":           fToken,
	"attrs":           fAttrs,
}

func (f field) numeric() bool {
	switch f {
	case fCreated, fMsecs, fRelative, fLevelno, fLineno, fProcess:
		return true
	}
	return false
}

// timed reports whether the field renders the record's time, so that two
// lines that differ only in such fields count as repeats (see Dedup).
func (f field) timed() bool {
	switch f {
	case fAsctime, fCreated, fMsecs, fRelative:
		return true
	}
	return false
}

func (f field) caller() bool {
	switch f {
	case fModule, fFilename, fPathname, fLineno, fFuncName:
		return true
	}
	return false
}

type op struct {
	f     field
	lit   string // fLiteral
	width int    // minimum width in runes; negative pads on the right
	prec  int    // digits after the point for %f; -1 when not given
	conv  byte   // 's', 'd', 'f' or 'r'
	trim  bool   // fAttrs after a space: drop the space when no attrs
}

// NewFormatter compiles o.Pattern. Directives are %(field)[-][width][.prec]conv
// with conv one of s, r, d, f, and %% for a percent sign. Fields: asctime,
// created, msecs, relativeCreated, levelname, levelno, name, message,
// module, filename, pathname, lineno, funcName, process, threadName, token,
// attrs. The pattern may instead name a preset, in any case: JSON
// ("json"), Smarty ("smarty") or Python ("python"). An error matches ErrFormat; a
// pattern's is a *FormatError.
func NewFormatter(o FormatterOptions) (*Formatter, error) {
	p := o.Pattern
	if p == "" {
		p = DefaultPattern
	}
	f := &Formatter{pattern: p, maxLine: o.MaxLine, loc: o.Location, start: time.Now()}
	switch {
	case f.maxLine == 0:
		f.maxLine = DefaultMaxLine
	case f.maxLine < minMaxLine:
		return nil, fmt.Errorf("%w: max_line %d is below %d", ErrFormat, o.MaxLine, minMaxLine)
	}
	if f.loc == nil {
		f.loc = time.Local
	}
	f.pid = strconv.AppendInt(nil, int64(os.Getpid()), 10)
	switch strings.ToLower(p) {
	case JSON:
		f.json, f.needCtx = true, true
		return f, nil
	case Smarty:
		p = SmartyPattern
	case Python:
		p = PythonPattern
	}
	ops, err := compile(p)
	if err != nil {
		return nil, err
	}
	f.ops = ops
	hasToken := false
	for _, o := range ops {
		f.needCaller = f.needCaller || o.f.caller()
		f.needCtx = f.needCtx || o.f == fToken || o.f == fThreadName || o.f == fAttrs
		hasToken = hasToken || o.f == fToken
	}
	for _, o := range ops {
		f.tokenAttr = f.tokenAttr || o.f == fAttrs && !hasToken
	}
	return f, nil
}

// MustFormatter is NewFormatter for patterns known to be valid; it panics
// on an error.
func MustFormatter(o FormatterOptions) *Formatter {
	f, err := NewFormatter(o)
	if err != nil {
		panic(err)
	}
	return f
}

func compile(p string) ([]op, error) {
	var ops []op
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			ops = append(ops, op{f: fLiteral, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		c := p[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return nil, &FormatError{Offset: i, Reason: fmt.Sprintf("control byte %#02x (only tab may appear raw)", c)}
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(p[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, &FormatError{Offset: i, Reason: "invalid UTF-8"}
			}
			lit.WriteString(p[i : i+size])
			i += size
			continue
		}
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(p) && p[i+1] == '%' {
			lit.WriteByte('%')
			i += 2
			continue
		}
		if i+1 >= len(p) || p[i+1] != '(' {
			return nil, &FormatError{Offset: i, Reason: fmt.Sprintf("want %%(field)s or %%%%, got %q", clip(p[i:]))}
		}
		end := strings.IndexByte(p[i+2:], ')')
		if end < 0 {
			return nil, &FormatError{Offset: i, Reason: fmt.Sprintf("unclosed %q", clip(p[i:]))}
		}
		name := p[i+2 : i+2+end]
		fl, ok := fields[name]
		if !ok {
			return nil, &FormatError{Offset: i, Reason: fmt.Sprintf("unknown field %q", name)}
		}
		o := op{f: fl, prec: -1}
		j := i + 2 + end + 1
		left := false
		if j < len(p) && p[j] == '-' {
			left = true
			j++
		}
		w := 0
		for j < len(p) && p[j] >= '0' && p[j] <= '9' && w < 1000 {
			w = w*10 + int(p[j]-'0')
			j++
		}
		if left {
			w = -w
		}
		o.width = w
		if j < len(p) && p[j] == '.' {
			j++
			o.prec = 0
			for j < len(p) && p[j] >= '0' && p[j] <= '9' && o.prec < 10 {
				o.prec = o.prec*10 + int(p[j]-'0')
				j++
			}
		}
		if j >= len(p) {
			return nil, &FormatError{Offset: i, Reason: fmt.Sprintf("%%(%s) needs a conversion (s, d, f or r)", name)}
		}
		o.conv = p[j]
		switch {
		case o.conv == 's' || o.conv == 'r':
		case (o.conv == 'd' || o.conv == 'f') && fl.numeric():
		default:
			return nil, &FormatError{Offset: i, Reason: fmt.Sprintf("conversion %q does not fit %%(%s)", o.conv, name)}
		}
		if fl == fAttrs && lit.Len() > 0 && strings.HasSuffix(lit.String(), " ") {
			o.trim = true
		}
		flush()
		ops = append(ops, o)
		i = j + 1
	}
	flush()
	return ops, nil
}

func clip(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// Pattern returns the pattern f was compiled from.
func (f *Formatter) Pattern() string { return f.pattern }

// NeedsCaller reports whether f renders a caller field, so that the logger
// captures the program counter only when it is used.
func (f *Formatter) NeedsCaller() bool { return f.needCaller }

// NeedsContext reports whether f renders %(token)s or %(threadName)s, or
// %(attrs)s, which shows the token when the pattern has no %(token)s.
func (f *Formatter) NeedsContext() bool { return f.needCtx }

// Append appends r as one line, newline included, to dst and returns the
// extended buffer. The line never holds a raw control byte or invalid UTF-8
// and is at most MaxLine bytes before its newline.
func (f *Formatter) Append(dst []byte, r *Record) []byte {
	return f.appendLine(dst, r, nil)
}

// appendLine is Append that also notes in st, when it is not nil, where
// the line's time fields are.
func (f *Formatter) appendLine(dst []byte, r *Record, st *stamps) []byte {
	if f.json {
		return f.appendJSON(dst, r, st)
	}
	start := len(dst)
	var fr *runtime.Frame // resolved on first use
	var own runtime.Frame // Record.Source as a frame
	for i := range f.ops {
		o := &f.ops[i]
		fs := len(dst)
		// The usual directives are handled here, the rest in appendField.
		switch o.f {
		case fLiteral:
			dst = append(dst, o.lit...)
			continue
		case fAsctime:
			if r.Time.IsZero() {
				dst = append(dst, '-')
			} else {
				dst = f.appendAsctime(dst, r.Time)
			}
		case fLevelname:
			dst, _ = r.Level.AppendText(dst)
		case fMessage:
			dst = appendText(dst, r.Message, false)
		case fAttrs:
			if f.tokenAttr && r.Token != "" {
				dst = appendTokenAttr(dst, r.Token)
				if len(r.Bound) > 0 {
					dst = append(dst, ' ')
				}
			}
			dst = append(dst, r.Bound...)
			dst = appendAttrs(dst, fs, r.Group, r.Attrs)
			if o.trim && len(dst) == fs {
				dst = dst[:len(dst)-1]
			}
		default:
			if fr == nil && o.f.caller() {
				if fr = frame(r.PC); r.Source != "" {
					own = runtime.Frame{File: r.Source, Function: r.Source, Line: r.SourceLine}
					fr = &own
				}
			}
			dst = f.appendField(dst, o, r, fr)
		}
		if o.width != 0 {
			dst = pad(dst, fs, o.width)
		}
		if st != nil && o.f.timed() {
			st.add(fs-start, len(dst)-start)
		}
	}
	if len(dst)-start > f.maxLine {
		dst = truncate(dst, start+f.maxLine)
	}
	return append(dst, '\n')
}

// appendField renders the less usual directives; fr is the caller's frame
// when o needs one.
func (f *Formatter) appendField(dst []byte, o *op, r *Record, fr *runtime.Frame) []byte {
	switch o.f {
	case fCreated, fMsecs, fRelative:
		if r.Time.IsZero() {
			return append(dst, '-')
		}
	}
	switch o.f {
	case fCreated:
		if o.conv == 'd' {
			return strconv.AppendInt(dst, r.Time.Unix(), 10)
		}
		return appendSeconds(dst, r.Time.Unix(), r.Time.Nanosecond(), o.prec)
	case fMsecs:
		return strconv.AppendInt(dst, int64(r.Time.Nanosecond()/1e6), 10)
	case fRelative:
		return strconv.AppendInt(dst, r.Time.Sub(f.start).Milliseconds(), 10)
	case fLevelno:
		return strconv.AppendInt(dst, int64(r.Level), 10)
	case fName:
		if r.nameText != "" {
			return append(dst, r.nameText...)
		}
		if r.Logger == "" {
			return append(dst, "root"...)
		}
		return appendText(dst, r.Logger, false)
	case fModule:
		return appendText(dst, strings.TrimSuffix(path.Base(fr.File), ".go"), false)
	case fFilename:
		return appendText(dst, path.Base(fr.File), false)
	case fPathname:
		return appendText(dst, fr.File, false)
	case fLineno:
		return strconv.AppendInt(dst, int64(fr.Line), 10)
	case fFuncName:
		return appendText(dst, funcName(fr.Function), false)
	case fProcess:
		return append(dst, f.pid...)
	case fThreadName:
		return orDash(dst, r.Task)
	case fToken:
		return orDash(dst, r.Token)
	}
	return dst
}

func orDash(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	return appendText(dst, s, false)
}

// appendAsctime writes Python's default asctime, "2026-11-21 23:37:17,123",
// from a per-second cache so that a line costs a copy, not a time format.
func (f *Formatter) appendAsctime(dst []byte, t time.Time) []byte {
	sec := t.Unix()
	ms := t.Nanosecond() / 1e6
	c := f.asc.Load()
	if c == nil || c.sec != sec {
		var tmp [32]byte
		b := t.In(f.loc).AppendFormat(tmp[:0], "2006-01-02 15:04:05")
		if len(b) != ascLen {
			// A year outside 0-9999 does not fit the cache.
			dst = append(dst, b...)
			return append(dst, ',', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
		}
		c = &ascCache{sec: sec}
		copy(c.text[:], b)
		f.asc.Store(c)
	}
	return append(append(dst, c.text[:]...), ',', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// appendSeconds writes sec.nsec with prec decimals (6 when prec < 0).
func appendSeconds(dst []byte, sec int64, nsec int, prec int) []byte {
	if prec < 0 {
		prec = 6
	}
	prec = min(prec, 9)
	if sec < 0 && nsec > 0 {
		sec, nsec = sec+1, 1e9-nsec // -1.25 is -2 s + 750 ms
		if sec == 0 {
			dst = append(dst, '-')
		}
	}
	dst = strconv.AppendInt(dst, sec, 10)
	if prec == 0 {
		return dst
	}
	for i := prec; i < 9; i++ {
		nsec /= 10
	}
	return appendDigits(append(dst, '.'), uint32(nsec), prec)
}

// appendTokenAttr renders a record's correlation token as the first of
// its attrs, token='X', for patterns without %(token)s: so that the
// default pattern shows which request a line belongs to.
func appendTokenAttr(dst []byte, tok string) []byte {
	dst = append(dst, "token='"...)
	return append(appendText(dst, tok, true), '\'')
}

// frames caches resolved call sites: a program has few, and resolving
// one allocates.
var (
	frames     sync.Map // uintptr → *runtime.Frame
	frameCount atomic.Int32
	noFrame    = &runtime.Frame{File: "?", Function: "?"}
)

// maxFrames bounds the cache; sites beyond it are resolved each time.
const maxFrames = 8192

// frame returns the frame of pc, shared: callers must not modify it.
func frame(pc uintptr) *runtime.Frame {
	if pc == 0 {
		return noFrame
	}
	if fr, ok := frames.Load(pc); ok {
		return fr.(*runtime.Frame)
	}
	fr, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	if fr.File == "" {
		fr.File = "?"
	}
	fr.Func = nil // not used; keeps the cache small
	if frameCount.Load() < maxFrames {
		if v, loaded := frames.LoadOrStore(pc, &fr); loaded {
			return v.(*runtime.Frame)
		}
		frameCount.Add(1)
	}
	return &fr
}

// funcName shortens "example.com/pkg.(*T).M" to "(*T).M".
func funcName(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	if i := strings.IndexByte(fn, '.'); i >= 0 {
		fn = fn[i+1:]
	}
	return fn
}

// pad pads the field that starts at dst[from] to |width| runes.
func pad(dst []byte, from, width int) []byte {
	left := width < 0
	if left {
		width = -width
	}
	n := width - utf8.RuneCount(dst[from:])
	if n <= 0 {
		return dst
	}
	for range n {
		dst = append(dst, ' ')
	}
	if !left {
		copy(dst[from+n:], dst[from:len(dst)-n])
		for i := from; i < from+n; i++ {
			dst[i] = ' '
		}
	}
	return dst
}

// truncate cuts the line at a rune boundary so that it and a
// "…[N bytes truncated]" marker end at or before limit.
func truncate(dst []byte, limit int) []byte {
	var mark [40]byte
	// The marker's room is reserved for the widest count there can be.
	room := len(appendMark(mark[:0], len(dst)))
	cut := limit - room
	for cut > 0 && dst[cut]&0xC0 == 0x80 {
		cut--
	}
	m := appendMark(mark[:0], len(dst)-cut)
	return append(dst[:cut], m...)
}

func appendMark(dst []byte, n int) []byte {
	dst = append(dst, "…["...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, " bytes truncated]"...)
}
