package ramlog

import (
	"bytes"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendClean appends p to dst so that it is one line of valid UTF-8: CR,
// LF and the other control bytes but tab become \r, \n or \xNN, and
// invalid UTF-8 becomes U+FFFD.
func AppendClean(dst, p []byte) []byte {
	for len(p) > 0 {
		c := p[0]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(p)
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, "\ufffd"...)
			} else {
				dst = append(dst, p[:size]...)
			}
			p = p[size:]
			continue
		}
		switch {
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case (c < 0x20 && c != '\t') || c == 0x7f:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
		p = p[1:]
	}
	return dst
}

// clean reports whether p needs no AppendClean.
func clean(p []byte) bool {
	for _, c := range p {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(p)
}

// breaks reports whether p, a line without its newline, holds a line
// break: the one thing a line from levels never does, checked on every
// write because it is cheap.
func breaks(p []byte) bool {
	return bytes.IndexByte(p, '\n') >= 0 || bytes.IndexByte(p, '\r') >= 0
}
