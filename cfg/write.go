package cfg

import (
	"io"
	"strconv"
	"strings"
	"unicode"
)

// WriteTo writes the effective configuration as INI that Parse reads back
// to an equal Config (apart from Origins and Files): every key of every
// section, each followed by where its value came from,
//
//	ram_cap = 100MiB  ; default
//	level = DEBUG for 15m  ; prod.cfg:12
//
// It implements io.WriterTo.
func (c *Config) WriteTo(w io.Writer) (int64, error) {
	var b []byte
	b = append(b, "# gwlog effective configuration, profile "...)
	b = append(b, c.Runtime.Profile...)
	b = append(b, "\n# files:"...)
	if len(c.Files) == 0 {
		b = append(b, " none"...)
	}
	for _, f := range c.Files {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, f)
	}
	b = append(b, '\n')

	b = appendSection(b, c, kindRuntime, &c.Runtime, runtimeKeys)
	for i := range c.Streams {
		b = appendSection(b, c, kindStream+"."+c.Streams[i].Name, &c.Streams[i], streamKeys)
	}
	for i := range c.Loggers {
		b = appendSection(b, c, kindLogger+"."+c.Loggers[i].Name, &c.Loggers[i], loggerKeys)
	}
	for i := range c.Forwards {
		b = appendSection(b, c, kindForward+"."+c.Forwards[i].Name, &c.Forwards[i], forwardKeys)
	}
	n, err := w.Write(b)
	return int64(n), err
}

// appendSection appends "[id]" and a line per key of ss.
func appendSection[T any](b []byte, c *Config, id string, v *T, ss specs[T]) []byte {
	b = append(b, "\n["...)
	b = append(b, id...)
	b = append(b, "]\n"...)
	for _, s := range ss {
		b = append(b, s.key...)
		b = append(b, " = "...)
		b = append(b, s.get(v)...)
		b = append(b, "  ; "...)
		b = append(b, printable(c.Origins[id+"/"+s.key].String())...)
		b = append(b, '\n')
	}
	return b
}

// printable replaces control characters, so that a file name cannot break
// a comment's line.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}
