// Package browser finds the headless Chromium that the page and plot
// tests drive, installing Debian's package when it is missing and the
// tests run as root.
package browser

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Path is where Debian's chromium package puts the browser.
const Path = "/usr/bin/chromium"

// Flags are the command-line flags every headless run needs here: no
// sandbox (tests run as root), no GPU, and nothing that reaches out to
// the network on its own.
var Flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
}

// Chromium returns the browser's path, installing it with apt-get when it
// is missing and the test runs as root. It skips the test, saying why,
// when there is none to be had (and under -short, which does not install).
func Chromium(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(Path); err == nil {
		return Path
	}
	if testing.Short() {
		t.Skip("no " + Path + " and -short: not installing it")
	}
	if os.Geteuid() != 0 {
		t.Skip("no " + Path + " and not root: cannot apt-get install chromium")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("no " + Path + " and no apt-get to install it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "chromium"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("no %s, and apt-get %s failed: %v\n%s", Path, args[0], err, LastBytes(out, 2000))
		}
	}
	if _, err := os.Stat(Path); err != nil {
		t.Skipf("apt-get installed chromium but %s is missing: %v", Path, err)
	}
	return Path
}

// LastBytes returns the last n bytes of b, for error messages.
func LastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
