//go:build unix

package daemon

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/leakcheck"
)

// TestDaemonFIFOConfig runs the real binary on a FIFO as a config file:
// it is refused at once, exit 2 and one line naming it, and a SIGTERM
// sent the instant gwlogd starts, or a little later, finds it stopped or
// stops it; it never waits for a writer that never comes.
func TestDaemonFIFOConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gwlogd")
	build := exec.Command("go", "build", "-o", bin, "github.com/gwlog/gwlog/cmd/gwlogd")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	fifo := filepath.Join(dir, "prod.cfg")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))

	for _, tt := range []struct {
		name string
		term bool
		wait time.Duration // before SIGTERM
	}{{"refused", false, 0}, {"SIGTERM at once", true, 0}, {"SIGTERM after 200ms", true, 200 * time.Millisecond}} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-config", fifo, "-http", "none")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			if tt.term {
				time.Sleep(tt.wait)
				_ = cmd.Process.Signal(syscall.SIGTERM) // fails when gwlogd has ended
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("gwlogd still runs 5 s after it started; stderr %q", stderr.String())
			}
			if tt.term {
				return // refused, or stopped by the signal: either way it ended
			}
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			assert.Equal(t, 2, exit.ExitCode())
			assert.Equal(t, "gwlogd: cfg: open "+fifo+": not a regular file: a FIFO\n", stderr.String())
		})
	}
}

// TestOpenGivesUpOnSignal: a signal while the runtime opens ends Run at
// once (a config file or a disk can keep Open waiting), and the runtime
// opened after that is closed.
func TestOpenGivesUpOnSignal(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // SIGTERM, while Open waits
	release := make(chan struct{})
	late := make(chan *gwlog.Runtime, 1)
	start := time.Now()
	rt, err := open(ctx, func() (*gwlog.Runtime, error) {
		<-release
		rt, err := gwlog.Open(gwlog.Options{Screen: io.Discard})
		late <- rt
		return rt, err
	})
	assert.NoError(t, err)
	assert.Nil(t, rt)
	assert.Less(t, time.Since(start), time.Second)

	close(release)
	opened := <-late
	require.NotNil(t, opened)
	require.Eventually(t, func() bool { return errors.Is(opened.Reload(), gwlog.ErrClosed) }, 5*time.Second, 5*time.Millisecond,
		"the late runtime is closed")
}
