package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/levels"
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

// TestStatsFleet: each fleet destination gets a line with its counters,
// its spend against its budget and its last error.
func TestStatsFleet(t *testing.T) {
	var b bytes.Buffer
	r := &report{Shippers: map[string]forward.ShipStats{
		"tsdb":  {Kind: "influx", Sent: 5, Spend: 2048},
		"fleet": {Kind: "loki", Sent: 1200, HeldBack: 40, Lost: 3, Lag: 2, Spend: 3 << 19, Budget: 20 << 20, LastError: "http://db/ answered 503"},
	}}
	require.NoError(t, printStats(&b, r))
	assert.Contains(t, b.String(), ""+
		"forward  fleet (loki): 1200 sent, 40 held back, 3 lost, 0 rejected, lag 2, spent 1.5MiB of 20MiB, last error: http://db/ answered 503\n"+
		"forward  tsdb (influx): 5 sent, 0 held back, 0 lost, 0 rejected, lag 0, spent 2KiB\n")
}

// TestStatsSayWhatRAMHolds reads, from a runtime served over HTTP, what
// each ring holds in the RAM it takes: gwlog stats says it per stream,
// with the ratio and the time span, and /streams and /stats carry the
// figures.
func TestStatsSayWhatRAMHolds(t *testing.T) {
	conf := gwtest.Config(t, "[runtime]\nreload = 0\nram_cap = 40MiB\n[stream.debug]\nrotate = size 64KiB\nram_compress = gzip\n")
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{conf}})
	addr, _ := serve(t, rt)
	base := time.Now().Add(-2 * time.Hour)
	l := rt.Logger("gw.test")
	for batch := 1; batch <= 4; batch++ {
		// More than a segment a batch, each compressed before the next.
		for i := range 1000 {
			l.LogAttrs(context.Background(), levels.WARNING, "request handled", slog.String("path", "/api/v1/status"), slog.Int("i", i))
		}
		require.Eventually(t, func() bool { return rt.Stream("debug").Stats().Blocks >= batch }, 20*time.Second, 5*time.Millisecond,
			"the compressor takes batch %d", batch)
	}
	rt.Events().Write(eventlog.Event{Time: base.UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1"})
	rt.Events().Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/100/CT/1"})

	resp, body := gwtest.Fetch(t, "GET", "http://"+addr+"/streams")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var streams []ramlog.Stats
	require.NoError(t, json.Unmarshal(body, &streams))
	var debug ramlog.Stats
	for _, s := range streams {
		if s.Name == "debug" {
			debug = s
		}
	}
	require.Equal(t, "debug", debug.Name, string(body))
	assert.Positive(t, debug.RAM)
	assert.Greater(t, debug.Plain, debug.RAM, "compressed: more log than RAM")
	assert.InDelta(t, float64(debug.Plain)/float64(debug.RAM), debug.Ratio, 1e-9)
	assert.Greater(t, debug.Ratio, 1.5)
	assert.Positive(t, debug.First)
	assert.GreaterOrEqual(t, debug.Last, debug.First)

	resp, body = gwtest.Fetch(t, "GET", "http://"+addr+"/stats")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var st gwlog.Stats
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Positive(t, st.Events.RAM)
	assert.Equal(t, base.UnixNano(), st.Events.First)
	assert.Greater(t, st.Events.Last, st.Events.First)

	code, out, errs := run2("-addr", addr, "stats")
	require.Equal(t, ExitOK, code, errs)
	t.Log(out)
	assert.Regexp(t, `(?m)^debug +\d+(\.\d+)?KiB of \d+(\.\d+)?KiB holds \d+(\.\d+)?(KiB|MiB) of log \(\d+\.\d×\) over \d+(\.\d+)?(ms|s)$`, out)
	assert.Regexp(t, `(?m)^events +64KiB of \d+(\.\d+)?MiB holds 2 events, \d+B of records \(\d+\.\d×\) over 2h(0m\d+s)?$`, out)
}
