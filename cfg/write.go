package cfg

import (
	"io"
	"strconv"
	"strings"
	"unicode"
)

// WriteTo writes the effective configuration as INI that Parse reads back
// to an equal Config (apart from Origins and Files, and secrets, which
// read back as none): every key of every section, each followed by where
// its value came from,
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

	section := ""
	for _, st := range c.Settings() {
		id, key, _ := strings.Cut(st.Key, "/")
		if id != section {
			b = append(append(append(b, "\n["...), id...), "]\n"...)
			section = id
		}
		b = append(b, key...)
		b = append(b, " = "...)
		value, note := st.Value, ""
		if st.Secret {
			// Never printed: it reads back as none, and the comment says
			// one is set where.
			value, note = "none", " (a token is set there; not shown)"
		}
		b = append(b, value...)
		b = append(b, "  ; "...)
		b = append(b, printable(st.Origin.String())...)
		b = append(b, note...)
		b = append(b, '\n')
	}
	n, err := w.Write(b)
	return int64(n), err
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
