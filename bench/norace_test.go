//go:build !race

package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRingWriteAllocations(t *testing.T) {
	r := NewRing(64)
	line := []byte("a line of 23 characters")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = r.Write(line) }))
}
