package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/internal/gwtest"
)

// The README's make targets, run for real: they need make and the go
// command, and skip in -short mode (the qemu runs).

func needMake(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: make targets are not run under qemu")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH for make")
	}
}

// TestMakeInstall: make install puts gwlogd, gwlog, the configs and the
// systemd unit under DESTDIR and PREFIX, keeps a site's prod.cfg, and
// what it installed runs.
func TestMakeInstall(t *testing.T) {
	needMake(t)
	dest := t.TempDir()
	install := func() {
		out, err := exec.Command("make", "-s", "-C", "../..", "install", "DESTDIR="+dest, "PREFIX=/usr/local").CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	install()
	for _, f := range []string{"usr/local/sbin/gwlogd", "usr/local/bin/gwlog", "etc/gwlog/log.cfg", "etc/gwlog/prod.cfg", "usr/local/lib/systemd/system/gwlogd.service"} {
		assert.FileExists(t, filepath.Join(dest, f))
	}
	unit, err := os.ReadFile(filepath.Join(dest, "usr/local/lib/systemd/system/gwlogd.service"))
	require.NoError(t, err)
	assert.Contains(t, string(unit), "ExecStart=/usr/local/sbin/gwlogd -config /etc/gwlog/log.cfg", "the unit runs the installed gwlogd")
	out, err := exec.Command(filepath.Join(dest, "usr/local/bin/gwlog"), "check", filepath.Join(dest, "etc/gwlog/log.cfg"), filepath.Join(dest, "etc/gwlog/prod.cfg")).CombinedOutput()
	require.NoError(t, err, "the installed gwlog checks the installed configs: %s", out)

	site := filepath.Join(dest, "etc/gwlog/prod.cfg")
	require.NoError(t, os.WriteFile(site, []byte("# the site's own\n"), 0o644))
	install()
	got, err := os.ReadFile(site)
	require.NoError(t, err)
	assert.Equal(t, "# the site's own\n", string(got), "an upgrade keeps prod.cfg")
}

// TestMakeRunStopsOnCtrlC: Ctrl-C on make run (SIGINT to the foreground
// process group, as a terminal sends it) stops gwlogd cleanly: it says
// so and make reports no failed recipe.
func TestMakeRunStopsOnCtrlC(t *testing.T) {
	needMake(t)
	var out gwtest.Buffer
	cmd := exec.Command("make", "-s", "-C", "../..", "run")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	up := func() bool {
		resp, err := http.Get("http://127.0.0.1:8514/streams/debug?n=1")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	require.Eventually(t, up, 2*time.Minute, 50*time.Millisecond, "make run serves the API: %s", &out)
	require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("make run did not end on SIGINT: %s", out.String())
	}
	assert.Contains(t, out.String(), "gwlogd stopping", "gwlogd stopped cleanly")
	assert.NotContains(t, out.String(), "Error 1", "no failed recipe")
	assert.False(t, strings.Contains(out.String(), "exit status"), "no error from the go command: %s", out.String())
}
