package levels

import (
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormatterPatterns(t *testing.T) {
	rec := Record{
		Time:    fixedNow,
		Level:   INFO,
		Logger:  "WebBrickGateway.Heating",
		Message: "valve opened",
		Attrs:   []slog.Attr{slog.Int("zone", 3), slog.String("mode", "it's"), slog.Float64("temp", 21.5), slog.Bool("ok", true)},
		Token:   "req-7",
		Task:    "poller",
	}
	tests := []struct {
		name, pattern, want string
	}{
		{"default", "", "2026-11-21 23:37:17,123 INFO WebBrickGateway.Heating valve opened token='req-7' zone='3' mode='it\\'s' temp='21.5' ok='true'"},
		{"message only", "%(message)s", "valve opened"},
		{"levelno and msecs", "%(levelno)d %(msecs)d", "20 123"},
		{"created", "%(created)f", "1795304237.123456"},
		{"created precision", "%(created).3f", "1795304237.123"},
		{"created int", "%(created)d", "1795304237"},
		{"left pad", "[%(levelname)-8s]", "[INFO    ]"},
		{"right pad", "[%(levelname)8s]", "[    INFO]"},
		{"percent", "100%% %(name)s", "100% WebBrickGateway.Heating"},
		{"token and task", "%(token)s %(threadName)s", "req-7 poller"},
		{"repr conv", "%(message)r", "valve opened"},
		{"attrs in brackets", "{%(attrs)s}", "{token='req-7' zone='3' mode='it\\'s' temp='21.5' ok='true'}"},
		{"token once when the pattern has it", "%(token)s %(attrs)s", "req-7 zone='3' mode='it\\'s' temp='21.5' ok='true'"},
		{"tab allowed", "%(levelname)s\t%(message)s", "INFO\tvalve opened"},
		{"non-ASCII literal", "» %(levelname)s · %(message)s «", "» INFO · valve opened «"},
		{"process", "%(process)d", ""}, // checked below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFormatter(FormatterOptions{Pattern: tt.pattern, Location: time.UTC})
			require.NoError(t, err)
			got := string(f.Append(nil, &rec))
			require.True(t, strings.HasSuffix(got, "\n"))
			got = strings.TrimSuffix(got, "\n")
			if tt.name == "process" {
				assert.Regexp(t, `^[0-9]+$`, got)
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFormatterEmptyAttrsLeaveNoTrailingSpace(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(levelname)s %(message)s %(attrs)s", Location: time.UTC})
	got := f.Append(nil, &Record{Level: WARNING, Message: "m", Time: fixedNow})
	assert.Equal(t, "WARNING m\n", string(got))
	got = f.Append(nil, &Record{Level: WARNING, Message: "m", Bound: []byte("a='b'"), Group: "G.", Attrs: []slog.Attr{slog.String("c", "d")}})
	assert.Equal(t, "WARNING m a='b' G.c='d'\n", string(got))
}

// TestFormatterTokenBeforeBoundAttrs puts a context's token first among
// the attrs, a space from the bound ones, and the token alone when there
// are no others.
func TestFormatterTokenBeforeBoundAttrs(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(levelname)s %(message)s %(attrs)s"})
	got := f.Append(nil, &Record{Level: INFO, Message: "m", Token: "req-abc", Bound: []byte("a='b'"), Attrs: []slog.Attr{slog.Int("n", 1)}})
	assert.Equal(t, "INFO m token='req-abc' a='b' n='1'\n", string(got))
	got = f.Append(nil, &Record{Level: INFO, Message: "m", Token: "it's"})
	assert.Equal(t, "INFO m token='it\\'s'\n", string(got))
}

func TestFormatterZeroTimeAndRoot(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(asctime)s %(name)s %(token)s %(threadName)s"})
	assert.Equal(t, "- root - -\n", string(f.Append(nil, &Record{})))
}

func TestFormatterCaller(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(module)s %(filename)s %(funcName)s %(lineno)d"})
	require.True(t, f.NeedsCaller())
	assert.False(t, MustFormatter(FormatterOptions{}).NeedsCaller())
	tree := testTree()
	var s memSink
	tree.SetTargets("root", []Target{{Name: "t", Format: f, Sink: &s}})
	tree.Get("x").Warn("here") // the record must name this line
	_, _, line, _ := runtime.Caller(0)
	assert.Equal(t, "format_test format_test.go TestFormatterCaller "+itoa(line-1), s.last())

	assert.Equal(t, "? ? ? 0\n", string(f.Append(nil, &Record{})), "no PC")
}

func TestFormatterEscapesEverythingToOneLine(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(name)s|%(message)s|%(attrs)s"})
	rec := Record{
		Logger:  "a\nb",
		Message: "line1\nline2\r\x00\x1b[31m\x7f bad:\xff\xfe ok:é nel:\u0085 ls:\u2028",
		Attrs:   []slog.Attr{slog.String("k\n", "v'\\\n"), slog.Any("err", errString("boom\n"))},
	}
	got := string(f.Append(nil, &rec))
	want := `a\nb|line1\nline2\r\x00\x1b[31m\x7f bad:` + "\ufffd\ufffd" + ` ok:é nel:\u0085 ls:\u2028|k\n='v\'\\\n' err='boom\n'` + "\n"
	assert.Equal(t, want, got)
	assert.Equal(t, 1, strings.Count(got, "\n"))
	assert.True(t, utf8.ValidString(got))
}

type errString string

func (e errString) Error() string { return string(e) }

type panicky struct{}

func (*panicky) String() string { panic("nil deref") }

func TestFormatterSurvivesPanickingStringer(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(attrs)s"})
	got := string(f.Append(nil, &Record{Attrs: []slog.Attr{slog.Any("p", (*panicky)(nil))}}))
	assert.Equal(t, "p='!PANIC(nil deref)'\n", got)
}

func TestFormatterTruncates(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(message)s", MaxLine: 100})
	msg := strings.Repeat("é", 200) // 400 bytes
	got := string(f.Append(nil, &Record{Message: msg}))
	require.True(t, strings.HasSuffix(got, " bytes truncated]\n"), got)
	assert.LessOrEqual(t, len(got)-1, 100)
	assert.True(t, utf8.ValidString(got), "cut on a rune boundary")
	kept := strings.Index(got, "…[")
	assert.Equal(t, "…["+itoa(400-kept)+" bytes truncated]\n", got[kept:])

	short := string(f.Append(nil, &Record{Message: strings.Repeat("x", 100)}))
	assert.Equal(t, strings.Repeat("x", 100)+"\n", short, "a line of exactly MaxLine is kept whole")
}

func TestFormatterInvalid(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"%(levelnam)s", `offset 0: unknown field "levelnam"`},
		{"x %(message", `offset 2: unclosed "%(message"`},
		{"%(message)", `offset 0: %(message) needs a conversion`},
		{"%(message)d", `offset 0: conversion 'd' does not fit %(message)`},
		{"50% done", `offset 2: want %(field)s or %%, got "% done"`},
		{"%", `offset 0: want %(field)s or %%`},
		{"%(lineno)x", `conversion 'x' does not fit %(lineno)`},
		{"a\nb", `offset 1: control byte 0x0a`},
		{"ok \xff", `offset 3: invalid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := NewFormatter(FormatterOptions{Pattern: tt.pattern})
			require.ErrorIs(t, err, ErrFormat)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := NewFormatter(FormatterOptions{MaxLine: 10})
	require.ErrorIs(t, err, ErrFormat)
	assert.Contains(t, err.Error(), "max_line 10")
}

func TestFormatterAsctimeCacheFollowsSeconds(t *testing.T) {
	f := MustFormatter(FormatterOptions{Pattern: "%(asctime)s", Location: time.UTC})
	for i := range 3 {
		tm := fixedNow.Add(time.Duration(i) * 1500 * time.Millisecond)
		assert.Equal(t, strings.Replace(tm.Format("2006-01-02 15:04:05.000"), ".", ",", 1)+"\n", string(f.Append(nil, &Record{Time: tm})))
	}
}

func TestAppendAttrsKinds(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	got := string(AppendAttrs(nil, "", []slog.Attr{
		slog.Uint64("u", 7), slog.Duration("d", 1500*time.Millisecond), slog.Time("t", at),
		slog.Any("nil", nil), slog.Any("b", []byte("raw")), slog.Any("s", []int{1, 2}),
		slog.Group("g", slog.Int("x", 1), slog.Group("h", slog.Int("y", 2))), slog.Group("empty"),
		slog.Group("", slog.Int("inl", 3)), {},
	}))
	assert.Equal(t, "u='7' d='1.5s' t='2026-01-02T03:04:05.000000006Z' nil='<nil>' b='raw' s='[1 2]' g.x='1' g.h.y='2' inl='3'", got)
}

// TestAppendTextWordAtATime checks the 8-bytes-at-a-time path against a
// byte-at-a-time reference for every byte value at every position.
func TestAppendTextWordAtATime(t *testing.T) {
	ref := func(s string, inQuotes bool) string {
		var out []byte
		for _, r := range []byte(s) {
			out = appendText(out, string([]byte{r}), inQuotes)
		}
		return string(out)
	}
	for c := range 0x80 { // ASCII: a lone byte from 0x80 up is invalid UTF-8 by itself
		for pos := range 16 {
			b := []byte("abcdefghijklmnop")
			b[pos] = byte(c)
			for _, q := range []bool{false, true} {
				require.Equal(t, ref(string(b), q), string(appendText(nil, string(b), q)), "byte %#x at %d, quoted %v", c, pos, q)
			}
		}
	}
	assert.Equal(t, `0123456789abcdefé\u0085`, string(appendText(nil, "0123456789abcdefé\u0085", false)))
}
