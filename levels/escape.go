package levels

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"
)

// plain and quoted mark the bytes that may be copied as they are: printable
// ASCII and space; quoted text also escapes ' and \. Bytes from 0x80 up
// start UTF-8 sequences and are checked one rune at a time.
var plain, quoted = func() (p, q [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		p[c], q[c] = true, c != '\'' && c != '\\'
	}
	return p, q
}()

const hexDigits = "0123456789abcdef"

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// cleanWord reports whether the 8 bytes of s at i may all be copied as
// they are, testing them at once: none below 0x20, none from 0x7f up, and
// in quotes no ' or \.
func cleanWord(s string, i int, inQuotes bool) bool {
	x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
	bad := x & highs                    // 0x80 and up
	bad |= (x - 0x20*ones) & ^x & highs // below 0x20
	bad |= zeroByte(x ^ 0x7f*ones)      // DEL
	if inQuotes {
		bad |= zeroByte(x^'\''*ones) | zeroByte(x^'\\'*ones)
	}
	return bad == 0
}

// zeroByte has a high bit set where x has a zero byte (and maybe beyond
// the first, which is enough to say "some").
func zeroByte(x uint64) uint64 { return (x - ones) & ^x & highs }

// appendText appends s so that it cannot break a line: control bytes become
// \n, \r, \t or \xNN; invalid UTF-8 becomes U+FFFD; C1 controls and the
// Unicode line separators (U+0085, U+2028, U+2029) become \uNNNN. With
// inQuotes set, ' and \ are escaped too, so that a value reads back
// unambiguously.
func appendText(dst []byte, s string, inQuotes bool) []byte {
	ok := &plain
	if inQuotes {
		ok = &quoted
	}
	// Most text needs no escape: it is checked, then copied whole.
	i := 0
	for i+8 <= len(s) && cleanWord(s, i, inQuotes) {
		i += 8
	}
	for i < len(s) && ok[s[i]] {
		i++
	}
	if i == len(s) {
		return append(dst, s...)
	}
	return appendEscaped(dst, s, i, inQuotes)
}

// appendEscaped is appendText for s whose bytes before i need no escape
// and whose byte at i may.
func appendEscaped(dst []byte, s string, i int, inQuotes bool) []byte {
	ok := &plain
	if inQuotes {
		ok = &quoted
	}
	start := 0
	for i < len(s) {
		for i+8 <= len(s) && cleanWord(s, i, inQuotes) {
			i += 8
		}
		for i < len(s) && ok[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\'', '\\':
				dst = append(dst, '\\', c)
			default:
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
		case r < 0xa0 || r == 0x2028 || r == 0x2029:
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// AppendAttrs appends attrs as space-separated key='value' pairs, each key
// prefixed by group ("G.H."). Groups flatten into dotted keys; empty attrs
// and empty groups are left out; LogValuers are resolved.
func AppendAttrs(dst []byte, group string, attrs []slog.Attr) []byte {
	return appendAttrs(dst, len(dst), group, attrs)
}

// appendAttrs is AppendAttrs for a field that started at dst[base]: pairs
// after the field's first are separated by a space.
func appendAttrs(dst []byte, base int, group string, attrs []slog.Attr) []byte {
	for i := range attrs {
		dst = appendAttr(dst, base, group, &attrs[i])
	}
	return dst
}

// appendAttr renders one attr. It works out the value's kind once: each
// slog accessor checks it again, so the common kinds stay cheap only when
// nothing else does.
func appendAttr(dst []byte, base int, group string, a *slog.Attr) []byte {
	v := a.Value
	k := v.Kind()
	if k == slog.KindLogValuer {
		v = v.Resolve()
		k = v.Kind()
	}
	switch k {
	case slog.KindGroup:
		g := v.Group()
		if len(g) == 0 {
			return dst
		}
		if a.Key == "" {
			return appendAttrs(dst, base, group, g)
		}
		// A group's prefix is built on the stack when it is short.
		var buf [64]byte
		p := append(append(append(buf[:0], group...), a.Key...), '.')
		return appendAttrs(dst, base, string(p), g)
	case slog.KindAny:
		if a.Key == "" && v.Any() == nil {
			return dst // the empty Attr
		}
	}
	if len(dst) > base {
		dst = append(dst, ' ')
	}
	if group != "" {
		dst = appendText(dst, group, false)
	}
	dst = appendText(dst, a.Key, false)
	dst = append(dst, '=', '\'')
	switch k {
	case slog.KindString:
		dst = appendText(dst, v.String(), true)
	case slog.KindInt64:
		dst = appendInt(dst, v.Int64())
	case slog.KindUint64:
		dst = appendUint(dst, v.Uint64())
	case slog.KindFloat64:
		dst = appendFloat(dst, v.Float64())
	case slog.KindBool:
		dst = strconv.AppendBool(dst, v.Bool())
	case slog.KindDuration:
		dst = appendText(dst, v.Duration().String(), true)
	case slog.KindTime:
		dst = v.Time().AppendFormat(dst, time.RFC3339Nano)
	default:
		dst = appendText(dst, anyString(v.Any()), true)
	}
	return append(dst, '\'')
}

// anyString renders a value of kind Any. A String or Error method that
// panics (a nil pointer, typically) is reported in the line rather than
// taking the caller down, as fmt does.
func anyString(x any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("!PANIC(%v)", r)
		}
	}()
	switch x := x.(type) {
	case nil:
		return "<nil>"
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	case []byte:
		return string(x)
	}
	return fmt.Sprint(x)
}
