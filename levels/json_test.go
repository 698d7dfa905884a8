package levels

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPresets renders one record in each preset, as the docs show them.
func TestPresets(t *testing.T) {
	rec := Record{
		Time:    fixedNow,
		Level:   WARNING,
		Logger:  "WebBrickGateway.Heating",
		Message: `valve "3" slow`,
		Attrs:   []slog.Attr{slog.Int("zone", 3), slog.Float64("temp", 21.5), slog.Bool("ok", false), slog.Duration("took", 1500*time.Millisecond)},
		Token:   "req-7",
		Task:    "poller",
	}
	var pcs [1]uintptr
	rec.PC = pcs[0]
	tests := []struct{ preset, want string }{
		{"json", `{"time":"2026-11-21T23:37:17.123Z","level":"WARNING","logger":"WebBrickGateway.Heating","msg":"valve \"3\" slow","token":"req-7","task":"poller","zone":3,"temp":21.5,"ok":false,"took":1500000000}`},
		{"python", `WARNING:WebBrickGateway.Heating:valve "3" slow`},
		{"smarty", `?:0 ?[` + string(MustFormatter(FormatterOptions{Pattern: "%(process)d"}).pid) + `.poller] valve "3" slow token='req-7' zone='3' temp='21.5' ok='false' took='1.5s'`},
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			f, err := NewFormatter(FormatterOptions{Pattern: tt.preset, Location: time.UTC})
			require.NoError(t, err)
			assert.Equal(t, tt.want+"\n", string(f.Append(nil, &rec)))
		})
	}
	upper := MustFormatter(FormatterOptions{Pattern: "PYTHON"})
	assert.Equal(t, "WARNING:WebBrickGateway.Heating:valve \"3\" slow\n", string(upper.Append(nil, &rec)), "a preset's name in any case")
	smarty := MustFormatter(FormatterOptions{Pattern: Smarty})
	assert.True(t, smarty.NeedsCaller(), "smarty names the caller")
	assert.True(t, MustFormatter(FormatterOptions{Pattern: JSON}).NeedsContext(), "json shows the token")
	assert.False(t, MustFormatter(FormatterOptions{Pattern: JSON}).NeedsCaller())
}

// TestSmartyCaller: the smarty preset names the logging call's module,
// line and function.
func TestSmartyCaller(t *testing.T) {
	tree := NewTree(Options{})
	var got []string
	tree.SetTargets("root", []Target{{Name: "s", Format: MustFormatter(FormatterOptions{Pattern: Smarty}), Sink: sinkFunc(func(_ int64, b []byte) { got = append(got, string(b)) })}})
	tree.Get("svc").WithGroup("g").With("a", 1).Warn("boom", "k", "v")
	require.Len(t, got, 1)
	assert.Regexp(t, `^json_test:\d+ TestSmartyCaller\[\d+\.-\] boom g\.a='1' g\.k='v'\n$`, got[0])
}

type sinkFunc func(int64, []byte)

func (f sinkFunc) WriteLine(ns int64, b []byte) { f(ns, b) }

// TestJSONFields: every kind of value, groups and With attrs, read back
// with encoding/json.
func TestJSONFields(t *testing.T) {
	tree := NewTree(Options{})
	var got []byte
	tree.SetTargets("root", []Target{{Name: "j", Format: MustFormatter(FormatterOptions{Pattern: JSON, Location: time.UTC}), Sink: sinkFunc(func(_ int64, b []byte) { got = append([]byte(nil), b...) })}})
	l := tree.Get("a.b").With("bound", 7).WithGroup("G").With("inner", true)
	l.Warn("m\n<x>\u2028\u0085\xff", "s", "it's", "u", uint64(1<<63), "nan", math.NaN(), "inf", math.Inf(-1),
		"when", time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), "err", errors.New("bad"), "grp", slog.GroupValue(slog.Int("x", 1)),
		slog.Attr{}, "nil", nil)
	require.True(t, json.Valid(got), "%s", got)
	assert.Equal(t, 1, strings.Count(string(got), "\n"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(got, &m))
	assert.Equal(t, "WARNING", m["level"])
	assert.Equal(t, "a.b", m["logger"])
	assert.Equal(t, "m\n<x>\u2028\u0085\ufffd", m["msg"])
	assert.InDelta(t, 7, m["bound"], 0)
	assert.Equal(t, true, m["G.inner"])
	assert.Equal(t, "it's", m["G.s"])
	assert.InDelta(t, float64(1<<63), m["G.u"], 0)
	assert.Equal(t, "NaN", m["G.nan"])
	assert.Equal(t, "-Inf", m["G.inf"])
	assert.Equal(t, "2026-01-02T03:04:05.000000006Z", m["G.when"])
	assert.Equal(t, "bad", m["G.err"])
	assert.InDelta(t, 1, m["G.grp.x"], 0)
	assert.Equal(t, "<nil>", m["G.nil"])
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$`, m["time"])
}

// TestJSONTruncated: a line over MaxLine is cut so that it stays valid
// JSON and says how much it left out.
func TestJSONTruncated(t *testing.T) {
	long := strings.Repeat("é", 300) // 600 bytes
	for _, maxLine := range []int{64, 70, 100, 150, 200, 333, 600, 700} {
		f := MustFormatter(FormatterOptions{Pattern: JSON, MaxLine: maxLine, Location: time.UTC})
		for _, rec := range []Record{
			{Time: fixedNow, Level: INFO, Logger: "x", Message: long},
			{Time: fixedNow, Level: INFO, Logger: "x", Message: "m", Attrs: []slog.Attr{slog.Int("n", 123456789), slog.String("s", strings.Repeat("\n", 200))}},
			{Time: fixedNow, Level: INFO, Logger: strings.Repeat("L", 300), Message: "m"},
		} {
			line := f.Append(nil, &rec)
			require.True(t, json.Valid(line), "max %d: %s", maxLine, line)
			assert.LessOrEqual(t, len(line)-1, maxLine, "%s", line)
			var m map[string]any
			require.NoError(t, json.Unmarshal(line, &m))
			if _, cut := m["truncated"]; !cut {
				assert.Equal(t, rec.Message, m["msg"], "max %d: whole when it fits", maxLine)
			}
		}
	}
	f := MustFormatter(FormatterOptions{Pattern: JSON, MaxLine: 100, Location: time.UTC})
	line := string(f.Append(nil, &Record{Time: fixedNow, Level: INFO, Logger: "x", Message: long}))
	assert.Equal(t, `{"time":"2026-11-21T23:37:17.123Z","level":"INFO","logger":"x","msg":"`+strings.Repeat("é", 4)+`…","truncated":594}`+"\n", line)
}

// FuzzJSONString: strings are escaped as encoding/json escapes them (DEL
// and C1 controls too, which it leaves raw), and read back the same.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c", "\x00\x1f\x7f\b\f\n\r\t", "<&>", "\u2028\u2029\u0085", "\xff\xc3", "é漢🙂"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back, wantBack string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s is not a JSON string: %v", s, got, err)
		}
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q reads back %q, want %q", s, back, wantBack)
		}
		raw := false // what encoding/json leaves raw and the line must not hold
		for _, r := range s {
			raw = raw || (r >= 0x7f && r < 0xa0)
		}
		if !raw && string(got) != string(want) {
			t.Fatalf("%q: got %s, encoding/json %s", s, got, want)
		}
		for _, c := range got {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control byte %#x in %s", c, got)
			}
		}
	})
}

// FuzzJSONLine: whatever the record and MaxLine, the json preset writes
// one valid JSON object within MaxLine.
func FuzzJSONLine(f *testing.F) {
	f.Add("msg", "k", "v", "G", 100, int64(7))
	f.Add(strings.Repeat("\u2028", 40), "k\x00", "\xff\"", "", 64, int64(-1))
	f.Add(strings.Repeat("x", 500), "a", strings.Repeat("\\", 90), "g.h", 90, int64(1<<40))
	f.Fuzz(func(t *testing.T, msg, key, val, group string, maxLine int, n int64) {
		if maxLine < minMaxLine || maxLine > 1<<20 {
			return
		}
		fm := MustFormatter(FormatterOptions{Pattern: JSON, MaxLine: maxLine, Location: time.UTC})
		rec := Record{Time: time.Unix(0, n), Level: Level(n % 60), Logger: key, Message: msg, Group: group, Token: val,
			Attrs:      []slog.Attr{slog.String(key, val), slog.Int64(val, n), slog.Float64(key, float64(n)/3)},
			BoundAttrs: []slog.Attr{slog.Group(group, slog.String(key, msg))}}
		line := fm.Append(nil, &rec)
		if len(line)-1 > maxLine || line[len(line)-1] != '\n' {
			t.Fatalf("%d bytes over %d: %q", len(line)-1, maxLine, line)
		}
		if !json.Valid(line) || !utf8.Valid(line) || strings.Count(string(line), "\n") != 1 {
			t.Fatalf("not one valid JSON line: %q", line)
		}
	})
}
