package syslog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestLossLogger says what the kernel dropped on the logger "syslog".
func TestLossLogger(t *testing.T) {
	tree, sink := sinkTree(t)
	lost := LossLogger(tree)
	lost(37, time.Now())
	lost(1, time.Now())
	assert.Equal(t, []string{
		"WARNING syslog 37 syslog messages lost (the receive buffer overflowed)\n",
		"WARNING syslog 1 syslog message lost (the receive buffer overflowed)\n",
	}, sink.all())
}
