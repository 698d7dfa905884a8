package cli

import (
	"bytes"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

// TestStatsSyslog reads the stats of a daemon fed by a syslog ingest:
// after the disk path comes the ingest's line of counters, which a
// daemon without one leaves out.
func TestStatsSyslog(t *testing.T) {
	t.Run("daemon", func(t *testing.T) {
		rt := gwtest.Open(t, gwlog.Options{})
		addr, _ := serve(t, rt)
		code, out, errs := run2("-addr", addr, "stats")
		require.Equal(t, ExitOK, code, errs)
		assert.NotContains(t, out, "syslog", "no ingest")

		sock := filepath.Join(t.TempDir(), "log.sock")
		srv, err := syslog.Listen(syslog.ServerOptions{Unix: sock, MaxMessage: 64, Handle: rt.SyslogHandler()})
		require.NoError(t, err)
		defer srv.Close()
		rt.SetIngest(srv.Stats)
		c, err := net.Dial("unixgram", sock)
		require.NoError(t, err)
		defer c.Close()
		for _, p := range []string{"<11>1 - gw app - - - fine", "garbage", "<11>1 - gw app - - - " + string(make([]byte, 100))} {
			_, err := c.Write([]byte(p))
			require.NoError(t, err)
		}
		require.Eventually(t, func() bool { return srv.Stats() == syslog.Stats{Received: 3, Malformed: 1, Truncated: 1} }, 5*time.Second, 5*time.Millisecond)
		code, out, errs = run2("-addr", addr, "stats")
		require.Equal(t, ExitOK, code, errs)
		assert.Contains(t, out, "\ndisk    none configured: RAM only\n"+
			"syslog  3 received, 1 malformed, 1 truncated, 0 lost (receive buffer overflowed)\n")
	})
	t.Run("printStats", func(t *testing.T) {
		var b bytes.Buffer
		r := &report{Streams: []ramlog.Stats{{Name: "debug", Bytes: 1536, Cap: 6 << 20, Segments: 2, Lines: 15, Written: 17}},
			Syslog: &syslog.Stats{Received: 1200, Malformed: 3, Truncated: 1, KernelDrops: 37}}
		require.NoError(t, printStats(&b, r))
		assert.Equal(t, ""+
			"  stream   bytes  ring  segments  lines  written  drops\n"+
			"   debug  1.5KiB  6MiB         2     15       17      0\n"+
			"\n"+
			"disk    none configured: RAM only\n"+
			"syslog  1200 received, 3 malformed, 1 truncated, 37 lost (receive buffer overflowed)\n", b.String())
	})
}
