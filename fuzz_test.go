package gwlog

import (
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gwlog/gwlog/levels"
)

// FuzzOpen feeds arbitrary stream names, patterns, logger names and levels
// to Open and then logs through what it built: Open errors or works,
// nothing panics, and every stored line is one valid UTF-8 line.
func FuzzOpen(f *testing.F) {
	f.Add("extra", "%(levelname)s %(message)s", "WebBrickGateway.Heating", "msg\nwith newline", int32(20))
	f.Add("debug", "%(asctime)s %(attrs)s", "", "\xff", int32(0))
	f.Add("a/b", "%(bad)s", "..", "", int32(1000))
	f.Fuzz(func(t *testing.T, stream, pattern, logger, msg string, lv int32) {
		rt, err := Open(Options{
			RAMCap:  8 << 20,
			Screen:  io.Discard,
			Streams: []StreamOptions{{Name: stream, Format: pattern, RAM: 64 << 10}},
			Loggers: []LoggerOptions{{Name: logger, Level: levels.Level(lv), Streams: []string{stream}}},
		})
		if err != nil {
			return
		}
		defer rt.Close()
		l := rt.Logger(logger)
		l.Log(nil, levels.Level(lv), msg, logger, msg)
		l.Critical(msg, msg, lv)
		s := rt.Stream(stream)
		if s == nil {
			return
		}
		for _, line := range s.Tail(10) {
			if strings.ContainsAny(line, "\n\r") || !utf8.ValidString(line) {
				t.Fatalf("bad line %q", line)
			}
		}
	})
}
