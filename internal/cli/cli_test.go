package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/internal/units"
)

func daemon(t *testing.T) (*gwlog.Runtime, string) {
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gwtest.Serve(t, rt.HTTPHandler())
	return rt, strings.TrimPrefix(srv.URL, "http://")
}

func run2(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestTailAndStats(t *testing.T) {
	rt, addr := daemon(t)
	for i := range 15 {
		rt.Logger("svc").Warn("line", "i", i)
	}
	code, out, errs := run2("-addr", addr, "tail", "-n", "2", "debug")
	require.Equal(t, ExitOK, code, errs)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 2)
	assert.True(t, strings.HasSuffix(lines[1], "WARNING svc line i='14'"))

	code, out, _ = run2("-addr", addr, "tail", "debug")
	assert.Equal(t, ExitOK, code)
	assert.Equal(t, 10, strings.Count(out, "\n"), "ten lines by default, as tail")

	code, out, _ = run2("-addr", addr, "stats")
	require.Equal(t, ExitOK, code)
	// The ring column is debug's share of the cap (docs/design.md, "RAM shares").
	ring := regexp.QuoteMeta(units.FormatSize(rt.Stream("debug").Stats().Cap))
	assert.Regexp(t, `(?m)^\s+debug\s+\S+\s+`+ring+`\s+1\s+15\s+15\s+0\s*$`, out)
	assert.Contains(t, out, "stream")
	assert.Contains(t, out, "\ndisk  none configured: RAM only\n")
}

func TestTailFollow(t *testing.T) {
	rt, addr := daemon(t)
	rt.Logger("svc").Error("before")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"-addr", addr, "tail", "-f", "-n", "1", "error"}, pw, io.Discard)
		pw.Close()
	}()
	buf := make([]byte, 4096)
	n, err := pr.Read(buf)
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), "ERROR svc", "the last line first")
	go func() {
		for ctx.Err() == nil {
			rt.Logger("svc").Error("live")
			time.Sleep(5 * time.Millisecond)
		}
	}()
	n, err = pr.Read(buf)
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), "live")
	cancel()
	go io.Copy(io.Discard, pr)
	assert.Equal(t, ExitOK, <-done)
}

func TestErrors(t *testing.T) {
	_, addr := daemon(t)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, ExitUsage, "gwlog: usage: no command"},
		{[]string{"frob"}, ExitUsage, `unknown command "frob"`},
		{[]string{"-addr", addr, "tail"}, ExitUsage, "tail wants one STREAM"},
		{[]string{"-addr", addr, "tail", "-n", "-3", "debug"}, ExitUsage, "-n -3 is negative"},
		{[]string{"-addr", addr, "tail", "-x", "debug"}, ExitUsage, "flag provided but not defined: -x"},
		{[]string{"-addr", addr, "tail", "nope"}, ExitFailure, `gwlog: gwlogd: no stream "nope" (404 Not Found)`},
		{[]string{"-addr", addr, "stats", "extra"}, ExitUsage, "stats takes no arguments"},
		{[]string{"-addr", "127.0.0.1:1", "stats"}, ExitFailure, "gwlog: cannot reach gwlogd at http://127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errs := run2(tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, errs, tt.msg)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line")
		})
	}
	code, _, errs := run2("-h")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, errs, "usage: gwlog")
}

func TestCheck(t *testing.T) {
	code, out, errs := run2("check", "../../etc/log.cfg", "../../etc/prod.cfg", "missing.cfg?")
	require.Equal(t, ExitOK, code, errs)
	// log.cfg leaves ram_cap to the default, which fits the machine.
	assert.Contains(t, out, "ram_cap = 100MiB  ; default\n")
	assert.Contains(t, out, "disk_cap = 1GiB  ; ../../etc/log.cfg:")
	assert.Contains(t, out, "[logger.root]")

	dir := t.TempDir()
	bad := dir + "/prod.cfg"
	require.NoError(t, os.WriteFile(bad, []byte("[stream.debug]\nrotate = sise 1MiB\nkeep = -1\n"), 0o644))
	code, out, errs = run2("check", "../../etc/log.cfg", bad)
	assert.Equal(t, ExitUsage, code)
	assert.Empty(t, out)
	assert.Equal(t, "gwlog: "+bad+`:2: [stream.debug] rotate: want "size N", "time UNIT", "both UNIT,N" or "none", got "sise 1MiB"`+"\n"+
		"gwlog: "+bad+`:3: [stream.debug] keep: want a whole number from 0 to 1000, got "-1"`+"\n", errs)

	// Access formats are accepted; a broken Apache pattern names its offset.
	require.NoError(t, os.WriteFile(bad, []byte("[stream.access]\nformat = w3c\n[stream.debug]\nformat = %h %>s %U\n"), 0o644))
	code, out, errs = run2("check", bad)
	require.Equal(t, ExitOK, code, errs)
	assert.Contains(t, out, "format = w3c  ; "+bad+":2")
	assert.Contains(t, out, "format = %h %>s %U  ; "+bad+":4")
	require.NoError(t, os.WriteFile(bad, []byte("[stream.access]\nformat = %h %>Z\n"), 0o644))
	code, _, errs = run2("check", bad)
	assert.Equal(t, ExitUsage, code)
	assert.Equal(t, "gwlog: "+bad+`:2: [stream.access] format: access format: offset 3: unknown code %Z, got "%h %>Z"`+"\n", errs)

	// Valid files whose rings do not fit the cap fail as gwlogd would.
	require.NoError(t, os.WriteFile(bad, []byte("[runtime]\nram_cap = 4MiB\n[stream.debug]\nram = 8MiB\n"), 0o644))
	code, _, errs = run2("check", bad)
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errs, "over ram_cap 4MiB")

	code, _, errs = run2("check")
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errs, "check wants one or more CONFIG files")
	code, _, errs = run2("check", dir+"/absent.cfg")
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errs, "absent.cfg")
}

func TestToken(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	const tok = "s3cret-token-of-16+chars"
	srv := gwtest.Serve(t, httplog.RequireToken(rt.HTTPHandler(), tok))
	addr := strings.TrimPrefix(srv.URL, "http://")
	code, _, errs := run2("-addr", addr, "stats")
	assert.Equal(t, ExitFailure, code)
	assert.Contains(t, errs, "401")
	code, out, errs := run2("-addr", addr, "-token", tok, "stats")
	assert.Equal(t, ExitOK, code, errs)
	assert.Contains(t, out, "debug")
	t.Setenv("GWLOG_HTTP_TOKEN", tok)
	code, _, errs = run2("-addr", addr, "events", "-limit", "1")
	assert.Equal(t, ExitOK, code, errs)
}
