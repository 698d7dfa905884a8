package levels

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scanPatterns are patterns in the shapes users write, each with what a
// Scanner finds in its lines.
var scanPatterns = []struct {
	pattern string
	finds   Found
}{
	{DefaultPattern, FoundTime | FoundLevel | FoundLogger | FoundToken},
	{"%(message)s", 0},
	{"%(asctime)s [%(levelname)-8s] %(name)s: %(message)s", FoundTime | FoundLevel | FoundLogger},
	{"%(created).3f %(levelno)d %(token)s %(name)s %(message)s", FoundTime | FoundLevel | FoundToken | FoundLogger},
	{"%(message)s <%(levelname)s %(name)s at %(asctime)s>", FoundTime | FoundLevel | FoundLogger},
	{"%(levelname)8s %(filename)s:%(lineno)d %(message)s %(attrs)s (%(name)s)", FoundLevel | FoundLogger | FoundToken},
	{"%(message)s %(levelname)s %(attrs)s", FoundToken}, // the level is between two free fields
	{"%(threadName)s|%(name)-20s|%(levelname)s|%(token)s", FoundLevel | FoundLogger | FoundToken},
}

// TestScannerReadsWhatFormattersWrite formats records with each pattern
// and reads back their time, level, logger and token.
func TestScannerReadsWhatFormattersWrite(t *testing.T) {
	loc := time.FixedZone("gw", 3600)
	recs := []Record{
		{Time: fixedNow, Level: WARNING, Logger: "WebBrickGateway.Heating", Message: "valve slow: zone [3] at 10:00 INFO x", Attrs: []slog.Attr{slog.Int("ms", 840)}, Token: "req-abc", Task: "a | b"},
		{Time: fixedNow.Add(1500 * time.Millisecond), Level: Level(15), Logger: "root", Message: "", Token: ""},
		{Time: fixedNow.Add(-time.Hour), Level: CRITICAL, Logger: "syslog.dnsmasq", Message: "- - -"},
	}
	for _, p := range scanPatterns {
		t.Run(p.pattern, func(t *testing.T) {
			f := MustFormatter(FormatterOptions{Pattern: p.pattern, Location: loc})
			sc := f.Scanner()
			require.Equal(t, p.finds, sc.Finds())
			for _, rec := range recs {
				line := strings.TrimSuffix(string(f.Append(nil, &rec)), "\n")
				var li LineInfo
				require.True(t, sc.Scan([]byte(line), &li), line)
				if p.finds&FoundTime != 0 {
					assert.Equal(t, rec.Time.Truncate(time.Millisecond).UnixNano(), li.Time, line)
				}
				if p.finds&FoundLevel != 0 {
					assert.Equal(t, rec.Level, li.Level, line)
				}
				if p.finds&FoundLogger != 0 {
					assert.Equal(t, rec.Logger, string(li.Logger), line)
				}
				if p.finds&FoundToken != 0 && !sc.TokenInAttrs() {
					assert.Equal(t, rec.Token, string(li.Token), line)
				}
				assert.Equal(t, p.finds&^FoundToken, li.Found&^FoundToken, line)
			}
		})
	}
}

// TestScannerRefusesOtherLines tells lines of another shape: a marker, a
// line of an older pattern, a cut line.
func TestScannerRefusesOtherLines(t *testing.T) {
	sc, err := NewScanner("", time.UTC)
	require.NoError(t, err)
	for _, line := range []string{
		"… 12 lines dropped",
		"#Fields: date time",
		"2026-11-21 23:37:17 INFO root m",
		"2026-13-21 23:37:17,123 INFO root m",
		"2026-11-21 23:37:17,123 info root m",
		"2026-11-21 23:37:17,123 INFO",
		"",
	} {
		var li LineInfo
		ok := sc.Scan([]byte(line), &li)
		assert.False(t, ok && li.Found&FoundLogger != 0, "%q: %+v", line, li)
	}
}

// FuzzScan checks that a Scanner never panics on any pattern and line, and
// that it reads back what a formatter wrote for the patterns users write,
// with logger names and tokens as gwlog makes them.
func FuzzScan(f *testing.F) {
	for i, p := range scanPatterns {
		f.Add(p.pattern, "m "+p.pattern, "WebBrick.Gateway", "req-1", fixedNow.UnixNano(), int32(10*(i%6)), uint8(i))
	}
	f.Add("%(name)s%(levelname)s", "", "a", "", int64(0), int32(15), uint8(255))
	f.Add("%(asctime)s%(asctime)s %(created)d", "x", "Level", "-", int64(-1), int32(50), uint8(200))
	f.Fuzz(func(t *testing.T, pattern, msg, logger, token string, ns int64, lv int32, pick uint8) {
		fm, err := NewFormatter(FormatterOptions{Pattern: pattern, Location: time.UTC})
		if err == nil {
			var li LineInfo
			fm.Scanner().Scan([]byte(msg), &li) // any line: no panic
		}
		if int(pick) >= len(scanPatterns) || !plainName(logger) || !plainName(token) || lv < 0 || lv > maxNumeric {
			return
		}
		if ns < 0 || ns > 1<<62 {
			return // years gwlog does not write
		}
		p := scanPatterns[pick]
		fm = MustFormatter(FormatterOptions{Pattern: p.pattern, Location: time.UTC})
		rec := Record{Time: time.Unix(0, ns), Level: Level(lv), Logger: logger, Message: msg, Token: token}
		line := strings.TrimSuffix(string(fm.Append(nil, &rec)), "\n")
		var li LineInfo
		if !fm.Scanner().Scan([]byte(line), &li) {
			t.Fatalf("%q: not read back", line)
		}
		got := fmt.Sprint(li.Level, string(li.Logger))
		want := fmt.Sprint(rec.Level, rec.Logger)
		if p.finds&(FoundLevel|FoundLogger) == FoundLevel|FoundLogger && got != want {
			t.Fatalf("%q: read %s, want %s", line, got, want)
		}
		if p.finds&FoundTime != 0 && rec.Time.Year() < 10000 && li.Time != rec.Time.Truncate(time.Millisecond).UnixNano() {
			t.Fatalf("%q: time %d, want %d", line, li.Time, rec.Time.Truncate(time.Millisecond).UnixNano())
		}
	})
}

// plainName reports whether s is a name as gwlog makes loggers and
// request IDs: letters, digits, '.', '-' and '_'.
func plainName(s string) bool {
	if s == "" || s == "-" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
