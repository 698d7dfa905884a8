// Package browser finds the headless Chromium that the page and plot
// tests drive, and starts it. It never installs it: make deps
// (scripts/deps.sh) installs Debian's chromium when run as root; without
// it the tests skip, saying so.
package browser

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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

// Chromium returns the browser's path. It skips the test, saying why,
// when there is none.
func Chromium(t testing.TB) string {
	t.Helper()
	_, err := os.Stat(Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		t.Skip("no " + Path + ": run make deps (as root it installs Debian's chromium)")
	case err != nil:
		t.Skipf("no usable %s: %v", Path, err)
	}
	return Path
}

// Command returns the command that runs the browser at path with Flags
// and args, its profile and home in dir (a test's temporary directory).
func Command(ctx context.Context, path, dir string, args ...string) *exec.Cmd {
	all := append(append([]string{}, Flags...), "--user-data-dir="+filepath.Join(dir, "profile"))
	cmd := exec.CommandContext(ctx, path, append(all, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	return cmd
}

// LastBytes returns the last n bytes of b, for error messages.
func LastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
