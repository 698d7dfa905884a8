//go:build !race

package syslog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/levels"
)

// TestHandlerAllocations logs a packet of a known app, its sender shown
// as the line's source, without allocating.
func TestHandlerAllocations(t *testing.T) {
	f, err := levels.NewFormatter(levels.FormatterOptions{Pattern: "%(asctime)s %(levelname)s %(name)s %(filename)s:%(lineno)d %(message)s %(attrs)s"})
	require.NoError(t, err)
	tree := levels.NewTree(levels.Options{RootLevel: levels.DEBUG})
	tree.SetTargets("root", []levels.Target{{Name: "all", Format: f, Sink: discard{}}})
	h := Handler(tree)
	p := []byte("<30>1 2026-11-21T10:00:00Z gw1 dnsmasq 812 - - query A example.org")
	m, err := Parse(p)
	require.NoError(t, err)
	h(&m, p, nil) // the app's logger is made once
	assert.Zero(t, testing.AllocsPerRun(1000, func() { h(&m, p, nil) }))
}

type discard struct{}

func (discard) WriteLine(int64, []byte) {}
