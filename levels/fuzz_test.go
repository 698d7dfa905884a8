package levels

import (
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzFormatter compiles arbitrary patterns and renders arbitrary records:
// nothing panics, and every rendered line is one valid UTF-8 line within
// MaxLine.
func FuzzFormatter(f *testing.F) {
	f.Add(DefaultPattern, "msg", "k", "v", 100, fixedNow.UnixNano(), int32(20))
	f.Add("%(levelname)-8s|%(lineno)5d %(created).3f %%", "a\nb", "k\x00", "\xff", 64, int64(0), int32(25))
	f.Add("%(attrs)s%(message)r", strings.Repeat("é", 50), "", "'\\", 70, int64(-1<<62), int32(1<<30))
	f.Fuzz(func(t *testing.T, pattern, msg, key, val string, maxLine int, ns int64, lv int32) {
		if maxLine < 0 || maxLine > 1<<20 {
			return
		}
		fm, err := NewFormatter(FormatterOptions{Pattern: pattern, MaxLine: maxLine, Location: time.UTC})
		if err != nil {
			return
		}
		rec := Record{Time: time.Unix(0, ns), Level: Level(lv), Logger: key, Message: msg, Attrs: []slog.Attr{slog.String(key, val)}, Token: val}
		line := string(fm.Append(nil, &rec))
		limit := fm.maxLine
		if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
			t.Fatalf("not one line: %q", line)
		}
		for _, c := range []byte(line[:len(line)-1]) {
			if (c < 0x20 && c != '\t') || c == 0x7f {
				t.Fatalf("control byte %#x in %q", c, line)
			}
		}
		if !utf8.ValidString(line) {
			t.Fatalf("invalid UTF-8: %q", line)
		}
		if len(line)-1 > limit {
			t.Fatalf("line of %d bytes over %d", len(line)-1, limit)
		}
	})
}

// FuzzParseLevel checks that any string parses or errors, and that what
// parses prints back to the same level.
func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"INFO", "warn", "15", "Level 15", "off", "", "-3", "99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lv, err := ParseLevel(s)
		if err != nil {
			return
		}
		back, err := ParseLevel(lv.String())
		if err != nil || back != lv {
			t.Fatalf("%q → %v → %v, %v", s, lv, back, err)
		}
	})
}
