package levels

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// Found is a set of what a Scanner can read back from a line.
type Found uint8

// What a line may say about its record.
const (
	FoundTime   Found = 1 << iota // %(asctime)s or %(created)f
	FoundLevel                    // %(levelname)s or %(levelno)d
	FoundLogger                   // %(name)s
	FoundToken                    // %(token)s, or token='X' in %(attrs)s
)

// LineInfo is what Scanner.Scan read from a line. Logger and Token are
// views of the line.
type LineInfo struct {
	Time   int64 // Unix ns; 0 when the line has no time
	Level  Level
	Logger []byte
	Token  []byte // from %(token)s; nil when it is "-"
	Found  Found  // what this line gave
}

// Scanner reads back, from the lines a pattern formats, their time,
// level, logger and token: the fields before the pattern's first
// free-text field (message, attrs, threadName) are read from the start of
// a line, those after its last one from the end; what lies between two
// free-text fields cannot be told apart and is not found. It is safe for
// concurrent use.
type Scanner struct {
	head, tail []op // the ops before the first free field, and after the last
	loc        *time.Location
	finds      Found
	tokenAttr  bool // the token is in %(attrs)s as token='X'
}

// NewScanner returns the Scanner of the lines pattern formats (empty:
// DefaultPattern), with %(asctime)s in loc (nil: time.Local).
func NewScanner(pattern string, loc *time.Location) (*Scanner, error) {
	f, err := NewFormatter(FormatterOptions{Pattern: pattern, Location: loc})
	if err != nil {
		return nil, err
	}
	return f.Scanner(), nil
}

// Scanner returns the Scanner of the lines f formats.
func (f *Formatter) Scanner() *Scanner {
	s := &Scanner{loc: f.loc, tokenAttr: f.tokenAttr}
	first, last := -1, -1
	for i, o := range f.ops {
		if o.f.free() {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		s.head = f.ops
	} else {
		s.head, s.tail = f.ops[:first], f.ops[last+1:]
	}
	for _, part := range [][]op{s.head, s.tail} {
		for _, o := range part {
			s.finds |= o.f.finds()
		}
	}
	if s.tokenAttr {
		s.finds |= FoundToken
	}
	return s
}

// Finds reports what s can read from a line.
func (s *Scanner) Finds() Found { return s.finds }

// TokenInAttrs reports whether the token is found as token='X' in the
// line's attrs rather than in a field of its own (LineInfo.Token).
func (s *Scanner) TokenInAttrs() bool { return s.tokenAttr }

// free reports whether the field's text may hold anything, spaces
// included, so that where it ends cannot be told.
func (f field) free() bool {
	return f == fMessage || f == fAttrs || f == fThreadName
}

func (f field) finds() Found {
	switch f {
	case fAsctime, fCreated:
		return FoundTime
	case fLevelname, fLevelno:
		return FoundLevel
	case fName:
		return FoundLogger
	case fToken:
		return FoundToken
	}
	return 0
}

// Scan reads line (without its newline) into li and reports whether the
// line has the pattern's shape where s reads it; li.Found says what it
// gave.
func (s *Scanner) Scan(line []byte, li *LineInfo) bool {
	*li = LineInfo{}
	rest := line
	for i := range s.head {
		var next *op
		if i+1 < len(s.head) {
			next = &s.head[i+1]
		}
		var ok bool
		if rest, ok = s.forward(rest, &s.head[i], next, li); !ok {
			return false
		}
	}
	for i := len(s.tail) - 1; i >= 0; i-- {
		var prev *op
		if i > 0 {
			prev = &s.tail[i-1]
		}
		var ok bool
		if rest, ok = s.backward(rest, &s.tail[i], prev, li); !ok {
			return false
		}
	}
	return true
}

// forward reads o from the start of rest (next is the op after it, if
// any) and returns what follows it.
func (s *Scanner) forward(rest []byte, o, next *op, li *LineInfo) ([]byte, bool) {
	if o.f == fLiteral {
		if !bytes.HasPrefix(rest, []byte(o.lit)) {
			return rest, false
		}
		return rest[len(o.lit):], true
	}
	if o.width > 0 {
		rest = bytes.TrimLeft(rest, " ")
	}
	var n int
	switch o.f {
	case fAsctime:
		n = asctimeLen(rest)
	case fLevelname:
		n = levelnameLen(rest)
	default:
		if o.f.numeric() {
			n = numberLen(rest)
			break
		}
		n = len(rest)
		if next != nil && next.f == fLiteral {
			if i := bytes.Index(rest, []byte(next.lit)); i >= 0 {
				n = i
			}
		} else if i := bytes.IndexByte(rest, ' '); i >= 0 {
			n = i
		}
		if o.width < 0 {
			n = len(bytes.TrimRight(rest[:n], " "))
		}
	}
	if n <= 0 || !s.keep(rest[:n], o, li) {
		return rest, false
	}
	text := rest[:n]
	rest = rest[n:]
	if o.width < 0 {
		rest = skipPad(rest, -o.width-utf8.RuneCount(text))
	}
	return rest, true
}

// backward reads o from the end of rest (prev is the op before it, if
// any) and returns what precedes it.
func (s *Scanner) backward(rest []byte, o, prev *op, li *LineInfo) ([]byte, bool) {
	if o.f == fLiteral {
		if !bytes.HasSuffix(rest, []byte(o.lit)) {
			return rest, false
		}
		return rest[:len(rest)-len(o.lit)], true
	}
	if o.width < 0 {
		rest = bytes.TrimRight(rest, " ")
	}
	var n int
	switch o.f {
	case fAsctime:
		n = asctimeLenBack(rest)
	case fLevelname:
		n = levelnameLenBack(rest)
	default:
		if o.f.numeric() {
			n = numberLenBack(rest)
			break
		}
		start := 0
		if prev != nil && prev.f == fLiteral {
			if i := bytes.LastIndex(rest, []byte(prev.lit)); i >= 0 {
				start = i + len(prev.lit)
			}
		} else if i := bytes.LastIndexByte(rest, ' '); i >= 0 {
			start = i + 1
		}
		if o.width > 0 {
			start = len(rest) - len(bytes.TrimLeft(rest[start:], " "))
		}
		n = len(rest) - start
	}
	if n <= 0 || !s.keep(rest[len(rest)-n:], o, li) {
		return rest, false
	}
	text := rest[len(rest)-n:]
	rest = rest[:len(rest)-n]
	if o.width > 0 {
		for pad := o.width - utf8.RuneCount(text); pad > 0 && len(rest) > 0 && rest[len(rest)-1] == ' '; pad-- {
			rest = rest[:len(rest)-1]
		}
	}
	return rest, true
}

// keep notes in li what text, the text of o, says, and reports whether
// it is what o renders.
func (s *Scanner) keep(text []byte, o *op, li *LineInfo) bool {
	dash := len(text) == 1 && text[0] == '-'
	switch o.f {
	case fAsctime:
		if dash {
			return true
		}
		t, ok := parseAsctime(text, s.loc)
		if ok {
			li.Time, li.Found = t, li.Found|FoundTime
		}
		return ok
	case fCreated:
		if dash {
			return true
		}
		ns, ok := parseCreated(text)
		if !ok {
			return false
		}
		if li.Found&FoundTime == 0 {
			li.Time, li.Found = ns, li.Found|FoundTime
		}
	case fLevelname:
		lv, ok := levelFromText(text)
		if !ok {
			return false
		}
		li.Level, li.Found = lv, li.Found|FoundLevel
	case fLevelno:
		n, err := strconv.Atoi(string(text))
		if err != nil || n < 0 || n > maxNumeric {
			return false
		}
		li.Level, li.Found = Level(n), li.Found|FoundLevel
	case fName:
		li.Logger, li.Found = text, li.Found|FoundLogger
	case fToken:
		if !dash {
			li.Token = text
		}
		li.Found |= FoundToken
	}
	return true
}

// skipPad drops up to n spaces from the start of b.
func skipPad(b []byte, n int) []byte {
	for ; n > 0 && len(b) > 0 && b[0] == ' '; n-- {
		b = b[1:]
	}
	return b
}

// asctimeShape is what %(asctime)s renders: d stands for a digit.
const asctimeShape = "dddd-dd-dd dd:dd:dd,ddd"

func isAsctime(b []byte) bool {
	if len(b) != len(asctimeShape) {
		return false
	}
	for i := range len(asctimeShape) {
		c, want := b[i], asctimeShape[i]
		if want == 'd' && (c < '0' || c > '9') || want != 'd' && c != want {
			return false
		}
	}
	return true
}

// asctimeLen is the length of the %(asctime)s at the start of b: the
// shape, or "-"; 0 when there is none.
func asctimeLen(b []byte) int {
	switch {
	case len(b) >= len(asctimeShape) && isAsctime(b[:len(asctimeShape)]):
		return len(asctimeShape)
	case len(b) > 0 && b[0] == '-':
		return 1
	}
	return 0
}

func asctimeLenBack(b []byte) int {
	switch {
	case len(b) >= len(asctimeShape) && isAsctime(b[len(b)-len(asctimeShape):]):
		return len(asctimeShape)
	case len(b) > 0 && b[len(b)-1] == '-':
		return 1
	}
	return 0
}

// parseAsctime reads "2026-11-21 23:37:17,123" in loc as Unix ns.
func parseAsctime(b []byte, loc *time.Location) (int64, bool) {
	if !isAsctime(b) {
		return 0, false
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range b[from:to] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	mo, d, h, mi, sec := num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return 0, false
	}
	t := time.Date(num(0, 4), time.Month(mo), d, h, mi, sec, num(20, 23)*1e6, loc)
	return t.UnixNano(), true
}

// parseCreated reads what %(created)f writes, [-]seconds[.fraction], as
// Unix ns, exactly.
func parseCreated(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	intPart, frac, _ := bytes.Cut(b, []byte("."))
	if len(intPart) == 0 || len(intPart) > 10 || len(frac) > 9 {
		return 0, false
	}
	var sec, ns int64
	for _, c := range intPart {
		if c < '0' || c > '9' {
			return 0, false
		}
		sec = sec*10 + int64(c-'0')
	}
	for i := range 9 {
		ns *= 10
		if i < len(frac) {
			if c := frac[i]; c >= '0' && c <= '9' {
				ns += int64(c - '0')
			} else {
				return 0, false
			}
		}
	}
	t := sec*1e9 + ns
	if neg {
		t = -t
	}
	return t, true
}

// numberLen is the length of the number at the start of b ([-]d[.d]),
// or of "-".
func numberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := 0
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '.') {
		i++
		digits++
	}
	if digits == 0 && i == 1 {
		return 1 // "-": unknown
	}
	return i
}

// numberLenBack is the length of the number at the end of b (d[.d]), or
// of "-".
func numberLenBack(b []byte) int {
	i := len(b)
	for i > 0 && (b[i-1] >= '0' && b[i-1] <= '9' || b[i-1] == '.') {
		i--
	}
	if i == len(b) && i > 0 && b[i-1] == '-' {
		return 1
	}
	return len(b) - i
}

// levelnameLen is the length of the level name at the start of b: capital
// letters, or "Level N".
func levelnameLen(b []byte) int {
	if bytes.HasPrefix(b, []byte("Level ")) {
		i := len("Level ")
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	i := 0
	for i < len(b) && b[i] >= 'A' && b[i] <= 'Z' {
		i++
	}
	return i
}

func levelnameLenBack(b []byte) int {
	i := len(b)
	for i > 0 && b[i-1] >= '0' && b[i-1] <= '9' {
		i--
	}
	if i < len(b) && bytes.HasSuffix(b[:i], []byte("Level ")) {
		return len(b) - i + len("Level ")
	}
	i = len(b)
	for i > 0 && b[i-1] >= 'A' && b[i-1] <= 'Z' {
		i--
	}
	return len(b) - i
}

// levelFromText reads what Level.AppendText writes.
func levelFromText(b []byte) (Level, bool) {
	for _, lv := range []Level{DEBUG, INFO, WARNING, ERROR, CRITICAL, NOTSET} {
		if name, _ := lv.name(); string(b) == name {
			return lv, true
		}
	}
	num, ok := bytes.CutPrefix(b, []byte("Level "))
	if !ok || len(num) == 0 || len(num) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(string(num))
	if err != nil || n > maxNumeric {
		return 0, false
	}
	return Level(n), true
}

// TokenAttr returns the text by which %(attrs)s shows the token tok,
// token='tok', escaped as attrs are.
func TokenAttr(tok string) []byte { return appendTokenAttr(nil, tok) }
