package daemon

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDaemonErrorLines runs the real binary on bad command lines and
// configs: each exits 2 at once, and its error says what is wrong first,
// each prefix once.
func TestDaemonErrorLines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gwlogd")
	build := exec.Command("go", "build", "-o", bin, "github.com/gwlog/gwlog/cmd/gwlogd")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	absent, bad := filepath.Join(dir, "absent.cfg"), filepath.Join(dir, "prod.cfg")
	require.NoError(t, os.WriteFile(bad, []byte("[runtime]\nflush = 1ms\n"), 0o644))

	for _, tt := range []struct {
		name string
		args []string
		want string // the first line on stderr
	}{
		{"ram-cap over the config's bound", []string{"-ram-cap", "99999999GiB"},
			`invalid value "99999999GiB" for flag -ram-cap: want a size from 1B to 1024GiB such as 100MiB, got "99999999GiB"`},
		{"ram-cap zero", []string{"-ram-cap", "0"},
			`invalid value "0" for flag -ram-cap: want a size from 1B to 1024GiB such as 100MiB, got "0"`},
		{"config absent", []string{"-config", absent},
			"gwlogd: cfg: open " + absent + ": no such file or directory"},
		{"config value", []string{"-config", bad},
			"gwlogd: " + bad + `:2: [runtime] flush: want a duration of at least 1s, got "1ms"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"-http", "none"}, tt.args...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				var exit *exec.ExitError
				require.ErrorAs(t, err, &exit)
				assert.Equal(t, 2, exit.ExitCode())
			case <-time.After(3 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("gwlogd runs with %q; stderr %q", tt.args, stderr.String())
			}
			first, _, _ := strings.Cut(stderr.String(), "\n")
			assert.Equal(t, tt.want, first)
		})
	}
}
