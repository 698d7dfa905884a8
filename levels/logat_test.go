package levels

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogAttrsAtStampsTheRecord(t *testing.T) {
	tree := testTree()
	s := &memSink{}
	tree.SetTargets("root", []Target{target("debug", NOTSET, "%(asctime)s %(levelname)s %(filename)s %(message)s %(attrs)s", s)})
	tree.SetLevel("root", INFO)
	l := tree.Get("syslog.app")
	at := time.Date(2026, 11, 22, 1, 2, 3, 4_000_000, time.UTC)
	l.LogAttrsAt(nil, at, WARNING, "received", slog.String("host", "gw"))
	require.Len(t, s.all(), 1)
	assert.Equal(t, "2026-11-22 01:02:03,004 WARNING logat_test.go received host='gw'", s.last(), "stamped t, the caller found")
	assert.Equal(t, at.UnixNano(), s.times[0])

	l.LogAttrsAt(nil, time.Time{}, ERROR, "now")
	assert.Equal(t, fixedNow.UnixNano(), s.times[1], "a zero time is now")
	l.LogAttrsAt(nil, at, DEBUG, "filtered")
	l.LogAttrsAt(nil, at, OFF, "a setting, not a level")
	assert.Len(t, s.all(), 2)
}
