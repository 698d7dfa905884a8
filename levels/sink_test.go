package levels

import (
	"strings"
	"sync"
	"time"
)

// memSink keeps the lines it is given.
type memSink struct {
	mu    sync.Mutex
	lines []string
	times []int64
}

func (s *memSink) WriteLine(when int64, line []byte) {
	s.mu.Lock()
	s.lines = append(s.lines, string(line))
	s.times = append(s.times, when)
	s.mu.Unlock()
}

func (s *memSink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

func (s *memSink) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lines) == 0 {
		return ""
	}
	return strings.TrimSuffix(s.lines[len(s.lines)-1], "\n")
}

func (s *memSink) reset() {
	s.mu.Lock()
	s.lines, s.times = nil, nil
	s.mu.Unlock()
}

// fixedNow is the clock of the tests' trees.
var fixedNow = time.Date(2026, 11, 21, 23, 37, 17, 123456789, time.UTC)

func testTree() *Tree {
	return NewTree(Options{Now: func() time.Time { return fixedNow }})
}

func target(name string, lv Level, pattern string, s Sink) Target {
	return Target{Name: name, Level: lv, Format: MustFormatter(FormatterOptions{Pattern: pattern, Location: time.UTC}), Sink: s}
}
