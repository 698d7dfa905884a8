package httplog

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gwlog/gwlog/eventlog"
)

// AppendEventJSON appends ev as one JSON object, without a newline, to
// dst and returns the extended slice:
//
//	{"seq":42,"time":"2026-11-21T10:00:00.123Z","type":"webbrick/CT",
//	 "source":"wb/100/CT/1","token":"","attrs":{"val":21.5,"unit":"C"}}
//
// The time is RFC 3339 in UTC with as many fractional digits as it needs;
// attrs keep their order. Ints and floats are JSON numbers (a float that
// is not finite is null), strings are JSON strings with invalid UTF-8
// replaced by U+FFFD, bools are true and false, invalid values null.
func AppendEventJSON(dst []byte, ev eventlog.Event) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, ev.Seq, 10)
	dst = append(dst, `,"time":"`...)
	dst = time.Unix(0, ev.Time).UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","type":`...)
	dst = appendJSONString(dst, ev.Type)
	dst = append(dst, `,"source":`...)
	dst = appendJSONString(dst, ev.Source)
	dst = append(dst, `,"token":`...)
	dst = appendJSONString(dst, ev.Token)
	dst = append(dst, `,"attrs":{`...)
	for i, a := range ev.Attrs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, a.Key)
		dst = append(dst, ':')
		dst = appendJSONValue(dst, a.Value)
	}
	return append(dst, "}}"...)
}

// appendJSONValue appends v as a JSON value.
func appendJSONValue(dst []byte, v eventlog.Value) []byte {
	switch v.Kind() {
	case eventlog.KindInt:
		return strconv.AppendInt(dst, v.AsInt(), 10)
	case eventlog.KindFloat:
		return appendJSONFloat(dst, v.AsFloat())
	case eventlog.KindString:
		return appendJSONString(dst, v.AsString())
	case eventlog.KindBool:
		return strconv.AppendBool(dst, v.AsBool())
	}
	return append(dst, "null"...)
}

// appendJSONFloat appends f as a JSON number, or null when it is not
// finite.
func appendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

const hex = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Control characters are
// escaped, invalid UTF-8 becomes U+FFFD, and U+2028 and U+2029 are
// escaped so that the line is also safe to embed in JavaScript.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
