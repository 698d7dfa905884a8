package daemon

import (
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/cli"
	"github.com/gwlog/gwlog/internal/demo"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/levels"
)

// runCLI runs the CLI against the daemon at addr.
func runCLI(ctx context.Context, addr string, args ...string) (code int, out, errs string) {
	var o, e strings.Builder
	code = cli.Run(ctx, append([]string{"-addr", addr}, args...), &o, &e)
	return code, o.String(), e.String()
}

// TestTailFiltersThroughDaemon finds lines in a running gwlogd with the
// demo and syslog ingest, through gwlog tail's filters: a request's lines
// by its token, syslog lines by their sender, lines by level, live lines
// by level; and refuses filters that cannot run, with exit 2.
func TestTailFiltersThroughDaemon(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	conf := gwtest.Config(t, "[runtime]\nreload = 0\n[logger.root]\nlevel = DEBUG\n"+
		"[stream.debug]\nformat = %(asctime)s %(levelname)s %(name)s %(filename)s:%(lineno)d %(message)s %(attrs)s\n")
	ctx, cancel := context.WithCancel(context.Background())
	ready, slReady, done := make(chan string, 1), make(chan string, 1), make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{
			HTTP: "127.0.0.1:0", Syslog: "127.0.0.1:0", Demo: true, DemoOptions: demo.Options{Rate: 20},
			Options:     gwlog.Options{Screen: io.Discard, Configs: []string{conf}},
			Ready:       func(addr string) { ready <- addr },
			SyslogReady: func(addr string) { slReady <- addr },
		})
	}()
	defer func() { cancel(); require.NoError(t, <-done) }()
	addr, udpAddr := <-ready, <-slReady
	sendUDP(t, udpAddr, "<11>1 - gw1 dnsmasq 812 - - upstream timeout")

	// The syslog line shows its sender as its source.
	var out string
	require.Eventually(t, func() bool {
		_, out, _ = runCLI(ctx, addr, "tail", "-logger", "syslog.dnsmasq", "debug")
		return out != ""
	}, 10*time.Second, 20*time.Millisecond)
	assert.Regexp(t, `^\S+ \S+ ERROR syslog\.dnsmasq dnsmasq:812 upstream timeout host='gw1' pid='812'\n$`, out)

	// One request's lines by its token: the access line and what the
	// handler logged with the request's context.
	var token string
	require.Eventually(t, func() bool {
		_, out, _ = runCLI(ctx, addr, "tail", "-logger", "WebBrickGateway.HTTP", "-grep", "request handled", "-n", "1", "debug")
		m := regexp.MustCompile(`token='(req-[0-9a-f]+)'`).FindStringSubmatch(out)
		if m != nil {
			token = m[1]
		}
		return token != ""
	}, 10*time.Second, 20*time.Millisecond, "a handler's line shows its request's token")
	require.Eventually(t, func() bool {
		_, out, _ = runCLI(ctx, addr, "tail", "-token", token, "debug")
		return strings.Contains(out, " INFO access ")
	}, 10*time.Second, 20*time.Millisecond, "the access line comes after the handler's")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 2)
	for _, l := range lines {
		assert.Contains(t, l, "token='"+token+"'")
	}
	assert.Regexp(t, `(?m) DEBUG WebBrickGateway\.HTTP \S+ request handled `, out)
	assert.Contains(t, lines[len(lines)-1], " INFO access ", "the access line is written when the handler returns")

	// By level.
	code, out, errs := runCLI(ctx, addr, "tail", "-level", "WARNING", "-n", "20", "debug")
	require.Equal(t, cli.ExitOK, code, errs)
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		f := strings.Fields(l)
		require.GreaterOrEqual(t, len(f), 3, l)
		lv, err := levels.ParseLevel(f[2])
		require.NoError(t, err, l)
		assert.GreaterOrEqual(t, lv, levels.WARNING, l)
	}

	// Live lines by level.
	fctx, fcancel := context.WithCancel(ctx)
	var live gwtest.Buffer
	fdone := make(chan int, 1)
	go func() {
		fdone <- cli.Run(fctx, []string{"-addr", addr, "tail", "-f", "-n", "0", "-level", "ERROR", "debug"}, &live, io.Discard)
	}()
	require.Eventually(t, func() bool { // until the follower has started
		sendUDP(t, udpAddr, "<14>1 - gw1 dnsmasq 812 - - cache size 150")
		sendUDP(t, udpAddr, "<10>1 - gw1 dnsmasq 812 - - out of memory")
		return strings.Contains(live.String(), "out of memory")
	}, 10*time.Second, 50*time.Millisecond)
	fcancel()
	assert.Equal(t, cli.ExitOK, <-fdone)
	assert.NotContains(t, live.String(), "cache size", "an INFO line is left out")

	// Filters that cannot run.
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"tail", "-grep", "(", "debug"}, "gwlog: usage: -grep: error parsing regexp: missing closing ): `(`\n"},
		{[]string{"tail", "-since", "yesterday", "debug"}, "gwlog: usage: -since: want RFC 3339"},
		{[]string{"tail", "-level", "LOUD", "debug"}, `gwlog: usage: -level: want DEBUG, INFO, WARNING, ERROR, CRITICAL or 1-50, got "LOUD"` + "\n"},
		{[]string{"tail", "-level", "INFO", "access"}, `gwlog: usage: level: the stream's lines do not show it (format "%(message)s")` + "\n"},
	} {
		code, _, errs := runCLI(ctx, addr, tc.args...)
		assert.Equal(t, cli.ExitUsage, code, tc.args)
		assert.True(t, strings.HasPrefix(errs, tc.err), "%v: %q", tc.args, errs)
	}
}

// sendUDP sends one syslog packet to addr.
func sendUDP(t *testing.T, addr, packet string) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte(packet))
	require.NoError(t, err)
}
