//go:build !race

package eventlog

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gwlog/gwlog/levels"
)

type discard struct{}

func (discard) WriteLine(int64, []byte) {}

func TestWriteAllocatesNothing(t *testing.T) {
	tree := levels.NewTree(levels.Options{})
	f := levels.MustFormatter(levels.FormatterOptions{})
	tree.SetTargets(RootLogger, []levels.Target{{Name: "EventLog", Format: f, Sink: discard{}, EventsOnly: true}})
	tree.SetLevel(RootLogger, levels.INFO)
	l, _ := newLog(t, Options{RAM: 1 << 20, Tree: tree})
	ev := Event{Type: "webbrick/CT", Source: "wb/100/CT/1", Attrs: []Attr{FloatAttr("val", 21.5), StringAttr("unit", "C"), IntAttr("zone", 3)}}
	for range 1000 {
		l.Write(ev) // past the index's first allocations
	}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { l.Write(ev) }))
	// An event built in the call, as gateway code writes one: its Attrs
	// stay on the caller's stack.
	val := 21.5
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		val += 0.5
		l.Write(Event{Type: "webbrick/CT", Source: "wb/100/CT/1", Attrs: []Attr{FloatAttr("val", val), IntAttr("zone", 3)}})
	}), "an event built in the call")
}
