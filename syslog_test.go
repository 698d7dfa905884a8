package gwlog

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/syslog"
)

// TestSyslogHandlerKeepsWhatItNeeds feeds the ingest server's handler
// packets of several apps through a real socket: the server hands it
// views of its buffers, reused from packet to packet, so the handler must
// copy what it keeps (the app names of its logger cache).
func TestSyslogHandlerKeepsWhatItNeeds(t *testing.T) {
	rt := open(t, Options{Screen: &syncBuffer{}, Profile: "disk"})
	sock := filepath.Join(t.TempDir(), "log.sock")
	s, err := syslog.Listen(syslog.ServerOptions{Unix: sock, Handle: rt.SyslogHandler()})
	require.NoError(t, err)
	defer s.Close()
	c, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer c.Close()
	const n = 300
	for i := range n {
		_, err := fmt.Fprintf(c, "<14>1 2026-11-22T01:02:03Z gw app%d %d - - m=%d", i%7, 1000+i, i)
		require.NoError(t, err)
	}
	_, err = c.Write([]byte("garbage, not syslog"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.Stats().Received == n+1 }, 5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return strings.Contains(tail(rt, "debug"), "garbage, not syslog") }, 5*time.Second, 5*time.Millisecond)
	seen := 0
	for _, l := range rt.Stream("debug").Tail(1000) {
		var app, i, pid int
		k := strings.Index(l, " syslog.app")
		if k < 0 {
			continue
		}
		_, err := fmt.Sscanf(l[k:], " syslog.app%d m=%d host='gw' pid='%d'", &app, &i, &pid)
		require.NoError(t, err, l)
		assert.Equal(t, i%7, app, l)
		assert.Equal(t, 1000+i, pid, l)
		seen++
	}
	assert.Equal(t, n, seen)
	for k := range 7 {
		assert.Equal(t, fmt.Sprintf("syslog.app%d", k), rt.Logger(fmt.Sprintf("syslog.app%d", k)).Name())
	}
}
