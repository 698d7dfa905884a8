package httplog

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gwlog/gwlog/levels"
)

// The named access formats (Apache's, and W3C extended).
const (
	Combined = `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`
	Common   = `%h %l %u %t "%r" %>s %b`
	// W3C is W3C extended log format, its fields in W3CFields.
	W3C = "w3c"
)

// W3CFields are the fields of the W3C format, as its "#Fields:" line
// names them.
const W3CFields = "date time c-ip cs-method cs-uri-stem cs-uri-query sc-status sc-bytes time-taken cs(User-Agent) cs(Referer) x-request-id"

// ErrAccessFormat is returned for an invalid custom access format.
var ErrAccessFormat = errors.New("httplog: invalid access format")

// exchange is what an access line is made of.
type exchange struct {
	r      *http.Request
	status int
	bytes  int64
	start  time.Time
	took   time.Duration
	header http.Header // the response's
	id     string      // X-Request-ID
}

// accessFormat renders exchanges; it is compiled once.
type accessFormat struct {
	w3c bool
	ops []accessOp
}

type accessOp struct {
	code     byte   // 'h', 'r', … ; 0 for a literal
	lit      string // the literal, or the header name of %{…}i / %{…}o
	statuses []int  // the condition's statuses
	negate   bool   // %!…: the condition holds when the status is not listed
	final    bool   // %>s
}

// IsAccessFormat reports whether a stream's format names an access
// format rather than a levels pattern: "combined", "common" or "w3c" (in
// any case), or an Apache-style pattern that is not a levels pattern (one
// with %h, %>s, %{Header}i … and no %(name)s directive). A stream with an
// access format writes the access middleware's line as it is.
func IsAccessFormat(format string) bool {
	switch strings.ToLower(format) {
	case "combined", "common", W3C:
		return true
	}
	if _, err := levels.NewFormatter(levels.FormatterOptions{Pattern: format}); err == nil {
		return false
	}
	f, err := compileAccess(format)
	return err == nil && slices.ContainsFunc(f.ops, func(op accessOp) bool { return op.code != 0 })
}

// CheckAccessFormat returns nil for an access format Middleware accepts,
// else an error wrapping ErrAccessFormat that gives the offset at fault.
func CheckAccessFormat(format string) error {
	_, err := compileAccess(format)
	return err
}

// compileAccess reads a named format ("combined", "common", "w3c") or an
// Apache-style custom one.
func compileAccess(format string) (*accessFormat, error) {
	switch strings.ToLower(format) {
	case "", "combined":
		format = Combined
	case "common":
		format = Common
	case W3C:
		return &accessFormat{w3c: true}, nil
	}
	f := &accessFormat{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.ops = append(f.ops, accessOp{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			lit.WriteByte(c)
			continue
		}
		start := i
		i++
		if i < len(format) && format[i] == '%' {
			lit.WriteByte('%')
			continue
		}
		var op accessOp
		// A condition: %400,501{…}i or %!200,304{…}i.
		if i < len(format) && format[i] == '!' {
			op.negate = true
			i++
		}
		for i < len(format) && (format[i] >= '0' && format[i] <= '9' || format[i] == ',') {
			j := i
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
			if i > j {
				n, _ := strconv.Atoi(format[j:i])
				if n < 100 || n > 599 {
					return nil, fmt.Errorf("%w: offset %d: status %d is not 100-599", ErrAccessFormat, start, n)
				}
				op.statuses = append(op.statuses, n)
			}
			if i < len(format) && format[i] == ',' {
				i++
			}
		}
		if op.negate && len(op.statuses) == 0 {
			return nil, fmt.Errorf("%w: offset %d: %%! needs statuses", ErrAccessFormat, start)
		}
		if i < len(format) && format[i] == '{' {
			end := strings.IndexByte(format[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("%w: offset %d: unclosed {", ErrAccessFormat, start)
			}
			op.lit = format[i+1 : i+end]
			i += end + 1
		}
		if i < len(format) && format[i] == '>' {
			op.final = true
			i++
		}
		if i >= len(format) {
			return nil, fmt.Errorf("%w: offset %d: %q ends early", ErrAccessFormat, start, format[start:])
		}
		op.code = format[i]
		switch op.code {
		case 'i', 'o':
			if op.lit == "" {
				return nil, fmt.Errorf("%w: offset %d: %%%c needs {Header}", ErrAccessFormat, start, op.code)
			}
		case 'h', 'a', 'l', 'u', 't', 'r', 's', 'b', 'B', 'D', 'T', 'm', 'U', 'q', 'H', 'v', 'p':
			if op.lit != "" {
				return nil, fmt.Errorf("%w: offset %d: %%%c takes no {…}", ErrAccessFormat, start, op.code)
			}
		default:
			return nil, fmt.Errorf("%w: offset %d: unknown code %%%c", ErrAccessFormat, start, op.code)
		}
		flush()
		f.ops = append(f.ops, op)
	}
	flush()
	return f, nil
}

// appendLine renders x.
func (f *accessFormat) appendLine(dst []byte, x *exchange) []byte {
	if f.w3c {
		return appendW3C(dst, x)
	}
	for i := range f.ops {
		op := &f.ops[i]
		if op.code == 0 {
			dst = append(dst, op.lit...)
			continue
		}
		if len(op.statuses) > 0 && slices.Contains(op.statuses, x.status) == op.negate {
			dst = append(dst, '-')
			continue
		}
		dst = op.appendValue(dst, x)
	}
	return dst
}

func (op *accessOp) appendValue(dst []byte, x *exchange) []byte {
	r := x.r
	switch op.code {
	case 'h', 'a':
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		return orDash(dst, host)
	case 'l':
		return append(dst, '-')
	case 'u':
		if u, _, ok := r.BasicAuth(); ok {
			return orDash(dst, u)
		}
		return append(dst, '-')
	case 't':
		return x.start.AppendFormat(append(dst, '['), "02/Jan/2006:15:04:05 -0700]")
	case 'r':
		dst = appendEscaped(dst, r.Method)
		dst = append(dst, ' ')
		dst = appendEscaped(dst, r.URL.RequestURI())
		dst = append(dst, ' ')
		return appendEscaped(dst, r.Proto)
	case 's':
		return strconv.AppendInt(dst, int64(x.status), 10)
	case 'b':
		if x.bytes == 0 {
			return append(dst, '-')
		}
		return strconv.AppendInt(dst, x.bytes, 10)
	case 'B':
		return strconv.AppendInt(dst, x.bytes, 10)
	case 'D':
		return strconv.AppendInt(dst, x.took.Microseconds(), 10)
	case 'T':
		return strconv.AppendInt(dst, int64(x.took/time.Second), 10)
	case 'm':
		return appendEscaped(dst, r.Method)
	case 'U':
		return orDash(dst, r.URL.Path)
	case 'q':
		if r.URL.RawQuery == "" {
			return dst
		}
		return appendEscaped(append(dst, '?'), r.URL.RawQuery)
	case 'H':
		return appendEscaped(dst, r.Proto)
	case 'v':
		return orDash(dst, r.Host)
	case 'p':
		if _, port, err := net.SplitHostPort(r.Host); err == nil {
			return append(dst, port...)
		}
		return append(dst, '-')
	case 'i':
		if strings.EqualFold(op.lit, "X-Request-ID") {
			return orDash(dst, x.id)
		}
		return orDash(dst, r.Header.Get(op.lit))
	case 'o':
		return orDash(dst, x.header.Get(op.lit))
	}
	return dst
}

// appendW3C writes the W3CFields of x, space separated, "-" for missing;
// values with spaces have them as "+", as IIS does.
func appendW3C(dst []byte, x *exchange) []byte {
	t := x.start.UTC()
	dst = t.AppendFormat(dst, "2006-01-02 15:04:05 ")
	host, _, err := net.SplitHostPort(x.r.RemoteAddr)
	if err != nil {
		host = x.r.RemoteAddr
	}
	for i, v := range []string{host, x.r.Method, x.r.URL.Path, x.r.URL.RawQuery} {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = w3cValue(dst, v)
	}
	dst = strconv.AppendInt(append(dst, ' '), int64(x.status), 10)
	dst = strconv.AppendInt(append(dst, ' '), x.bytes, 10)
	dst = strconv.AppendInt(append(dst, ' '), x.took.Milliseconds(), 10)
	for _, v := range []string{x.r.Header.Get("User-Agent"), x.r.Header.Get("Referer"), x.id} {
		dst = w3cValue(append(dst, ' '), v)
	}
	return dst
}

func w3cValue(dst []byte, v string) []byte {
	if v == "" {
		return append(dst, '-')
	}
	start := len(dst)
	dst = appendEscaped(dst, v)
	for i := start; i < len(dst); i++ {
		if dst[i] == ' ' {
			dst[i] = '+'
		}
	}
	return dst
}

func orDash(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	return appendEscaped(dst, s)
}

// appendEscaped writes s as Apache does: " and \ escaped with a
// backslash, control bytes as \xhh, so that fields cannot be confused and
// the line stays one line.
func appendEscaped(dst []byte, s string) []byte {
	const digits = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'x', digits[c>>4], digits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
