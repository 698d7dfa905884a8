package forward

import (
	"bytes"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendLoki appends the push request of b to dst:
//
//	{"streams":[{"stream":{"gateway":"gw1","stream":"debug","level":"INFO"},
//	  "values":[["1733450000123000000","line"],…]},…]}
func (s *Shipper) appendLoki(dst []byte, b *batch) []byte {
	withLevel := slices.Contains(s.o.Labels, "level")
	withLogger := slices.Contains(s.o.Labels, "logger")
	// A Loki stream per label set, in order of first appearance.
	type group struct {
		level  string
		logger []byte
		idx    []int
	}
	var groups []group
	for i := range b.entries {
		e := &b.entries[i]
		var lv string
		var lg []byte
		if withLevel && e.known {
			lv = e.level.String()
		}
		if withLogger && !e.marker {
			lg = b.text(e.logger)
		}
		k := slices.IndexFunc(groups, func(g group) bool { return g.level == lv && bytes.Equal(g.logger, lg) })
		if k < 0 {
			groups = append(groups, group{level: lv, logger: lg})
			k = len(groups) - 1
		}
		groups[k].idx = append(groups[k].idx, i)
	}
	dst = append(dst, `{"streams":[`...)
	for gi, g := range groups {
		if gi > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"stream":{"gateway":`...)
		dst = appendJSONString(dst, s.o.Gateway)
		dst = append(dst, `,"stream":`...)
		dst = appendJSONString(dst, b.stream)
		if g.level != "" {
			dst = append(dst, `,"level":`...)
			dst = appendJSONString(dst, g.level)
		}
		if len(g.logger) > 0 {
			dst = append(dst, `,"logger":`...)
			dst = appendJSONBytes(dst, g.logger)
		}
		dst = append(dst, `},"values":[`...)
		for j, i := range g.idx {
			e := &b.entries[i]
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `["`...)
			dst = strconv.AppendInt(dst, e.t, 10)
			dst = append(dst, `",`...)
			dst = appendJSONBytes(dst, b.text(e.line))
			dst = append(dst, ']')
		}
		dst = append(dst, "]}"...)
	}
	return append(dst, "]}"...)
}

func appendJSONString(dst []byte, s string) []byte { return appendJSONBytes(dst, []byte(s)) }

// appendJSONBytes appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONBytes(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}
