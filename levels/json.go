package levels

import (
	"log/slog"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// The presets NewFormatter takes by name in place of a pattern.
const (
	// JSON renders one JSON object per line: "time" (RFC 3339 with
	// milliseconds, in the formatter's Location; left out when unknown),
	// "level", "logger", "msg", then "token" and "task" when the context
	// has them, then the attrs as fields, groups flattened into dotted
	// keys ("G.k"). Strings are escaped as encoding/json escapes them (and
	// DEL and C1 controls as \u00XX, so that no control byte or line
	// break is left in the line); numbers and
	// booleans are JSON numbers and booleans, a NaN or infinite float a
	// string, a duration its nanoseconds, a time RFC 3339. A line over
	// MaxLine is cut inside a string or between fields and ends with
	// "truncated": the bytes left out, so that it is still valid JSON.
	JSON = "json"
	// Smarty is SmartyPattern's name: module:line function[pid.task]
	// event k='v'.
	Smarty = "smarty"
	// Python is PythonPattern's name, Python logging's default format.
	Python = "python"
)

// SmartyPattern is the smarty preset.
const SmartyPattern = "%(module)s:%(lineno)d %(funcName)s[%(process)d.%(threadName)s] %(message)s %(attrs)s"

// PythonPattern is the python preset: logging.BASIC_FORMAT.
const PythonPattern = "%(levelname)s:%(name)s:%(message)s"

// jsonOK marks the bytes copied as they are into a JSON string: printable
// ASCII but for " \ < > & (encoding/json escapes the last three too).
var jsonOK = func() (ok [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		ok[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return ok
}()

// appendJSONString appends s as a JSON string, quotes included, escaped
// as encoding/json escapes it, and DEL and the C1 controls (U+0080 to
// U+009F) as \u00XX too.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONText(dst, s)
	return append(dst, '"')
}

// appendJSONText is appendJSONString without the quotes.
func appendJSONText(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if jsonOK[c] {
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
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
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

// appendJSON renders r as one JSON object and its newline; st, when not
// nil, learns where the time field is.
func (f *Formatter) appendJSON(dst []byte, r *Record, st *stamps) []byte {
	start := len(dst)
	dst = append(dst, '{')
	if !r.Time.IsZero() {
		dst = append(dst, `"time":"`...)
		ts := len(dst)
		dst = r.Time.In(f.loc).AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
		if st != nil {
			st.add(ts-start, len(dst)-start)
		}
		dst = append(dst, `",`...)
	}
	dst = append(dst, `"level":`...)
	dst = appendJSONLevel(dst, r.Level)
	dst = append(dst, `,"logger":`...)
	if r.Logger == "" {
		dst = append(dst, `"root"`...)
	} else {
		dst = appendJSONString(dst, r.Logger)
	}
	dst = appendJSONString(append(dst, `,"msg":`...), r.Message)
	if r.Token != "" {
		dst = appendJSONString(append(dst, `,"token":`...), r.Token)
	}
	if r.Task != "" {
		dst = appendJSONString(append(dst, `,"task":`...), r.Task)
	}
	for i := range r.BoundAttrs {
		dst = appendJSONAttr(dst, "", &r.BoundAttrs[i])
	}
	for i := range r.Attrs {
		dst = appendJSONAttr(dst, r.Group, &r.Attrs[i])
	}
	dst = append(dst, '}')
	if len(dst)-start > f.maxLine {
		dst = cutJSON(dst, start, start+f.maxLine)
	}
	return append(dst, '\n')
}

func appendJSONLevel(dst []byte, lv Level) []byte {
	dst = append(dst, '"')
	start := len(dst)
	dst, _ = lv.AppendText(dst)
	if text := dst[start:]; !jsonSafe(text) {
		// Level names are plain; this keeps the line valid whatever.
		s := string(text)
		dst = appendJSONText(dst[:start], s)
	}
	return append(dst, '"')
}

func jsonSafe(b []byte) bool {
	for _, c := range b {
		if !jsonOK[c] {
			return false
		}
	}
	return true
}

// appendJSONAttr appends a's fields, each after a comma, keys prefixed
// by group ("G.H.").
func appendJSONAttr(dst []byte, group string, a *slog.Attr) []byte {
	v := a.Value
	k := v.Kind()
	if k == slog.KindLogValuer {
		v = v.Resolve()
		k = v.Kind()
	}
	switch k {
	case slog.KindGroup:
		g := v.Group()
		if a.Key == "" {
			for i := range g {
				dst = appendJSONAttr(dst, group, &g[i])
			}
			return dst
		}
		var buf [64]byte
		p := append(append(append(buf[:0], group...), a.Key...), '.')
		for i := range g {
			dst = appendJSONAttr(dst, string(p), &g[i])
		}
		return dst
	case slog.KindAny:
		if a.Key == "" && v.Any() == nil {
			return dst // the empty Attr
		}
	}
	dst = append(dst, ',', '"')
	dst = appendJSONText(dst, group)
	dst = appendJSONText(dst, a.Key)
	dst = append(dst, '"', ':')
	return appendJSONValue(dst, v, k)
}

func appendJSONValue(dst []byte, v slog.Value, k slog.Kind) []byte {
	switch k {
	case slog.KindString:
		return appendJSONString(dst, v.String())
	case slog.KindInt64:
		return appendInt(dst, v.Int64())
	case slog.KindUint64:
		return appendUint(dst, v.Uint64())
	case slog.KindFloat64:
		x := v.Float64()
		switch {
		case math.IsNaN(x):
			return append(dst, `"NaN"`...)
		case math.IsInf(x, 1):
			return append(dst, `"+Inf"`...)
		case math.IsInf(x, -1):
			return append(dst, `"-Inf"`...)
		}
		return appendFloat(dst, x)
	case slog.KindBool:
		return strconv.AppendBool(dst, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(dst, int64(v.Duration()), 10)
	case slog.KindTime:
		var buf [40]byte
		return appendJSONString(dst, string(v.Time().AppendFormat(buf[:0], time.RFC3339Nano)))
	}
	return appendJSONString(dst, anyString(v.Any()))
}

// cutJSON cuts the object that starts at dst[start] so that it ends at or
// before limit and stays valid: inside a value string, which it closes
// with "…", or after the last whole field; then "truncated" gives the
// bytes left out.
func cutJSON(dst []byte, start, limit int) []byte {
	var mark [48]byte
	// Room for the widest marker there can be.
	room := len(appendCutMark(mark[:0], true, true, len(dst)-start))
	at, inValue, fields := jsonCutPoint(dst[start:], limit-start-room)
	cut := start + at
	m := appendCutMark(mark[:0], inValue, fields > 0 || inValue, len(dst)-cut)
	return append(dst[:cut], m...)
}

// appendCutMark writes what ends a cut object: the close of a string cut
// inside, the comma when a field came before, and the count.
func appendCutMark(dst []byte, inString, comma bool, n int) []byte {
	if inString {
		dst = append(dst, `…"`...)
	}
	if comma {
		dst = append(dst, ',')
	}
	dst = append(dst, `"truncated":`...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '}')
}

// jsonCutPoint scans obj, a flat object appendJSON wrote, for the last
// place at or before max to cut it: inside a value string at the start of
// a character or escape (inValue), or else just after the last whole
// field (fields counts them; 1, just after the "{", when none is whole).
func jsonCutPoint(obj []byte, max int) (at int, inValue bool, fields int) {
	lastEnd := 1
	i := 1 // after "{"
	for i < len(obj) && obj[i] != '}' {
		if obj[i] == ',' {
			i++
		}
		// The key.
		i = jsonStringEnd(obj, i)
		if i+2 > max { // no room for the ':' and a value's first byte
			return lastEnd, false, fields
		}
		i++ // ':'
		if obj[i] == '"' {
			// A string value: cut inside when max falls in it.
			j := i + 1
			for obj[j] != '"' {
				n := jsonCharLen(obj, j)
				if j+n > max {
					return j, true, fields
				}
				j += n
			}
			i = j + 1
		} else {
			for i < len(obj) && obj[i] != ',' && obj[i] != '}' {
				i++
			}
		}
		if i > max {
			return lastEnd, false, fields
		}
		lastEnd = i
		fields++
	}
	return lastEnd, false, fields
}

// jsonStringEnd returns the index just past the string starting at
// obj[i].
func jsonStringEnd(obj []byte, i int) int {
	j := i + 1
	for obj[j] != '"' {
		j += jsonCharLen(obj, j)
	}
	return j + 1
}

// jsonCharLen is the length of the character or escape at obj[j].
func jsonCharLen(obj []byte, j int) int {
	switch c := obj[j]; {
	case c == '\\' && obj[j+1] == 'u':
		return 6
	case c == '\\':
		return 2
	case c < utf8.RuneSelf:
		return 1
	}
	_, n := utf8.DecodeRune(obj[j:])
	return n
}
