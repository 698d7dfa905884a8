//go:build unix

package cfg

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// within runs fn and fails the test when it has not returned after d:
// reading a FIFO waits for a writer for ever.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s still waits after %v", what, d)
	}
}

// TestNotRegularFiles: a FIFO or a directory given as a config file is
// refused at once with an error naming it, by ReadFiles, Load and an
// optional path alike; a file that becomes a FIFO has changed, and
// Changed does not wait on it.
func TestNotRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo, log := filepath.Join(dir, "prod.cfg"), filepath.Join(dir, "log.cfg")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	require.NoError(t, os.WriteFile(log, []byte("[runtime]\nram_cap = 10MiB\n"), 0o644))
	for _, tt := range []struct {
		name, path, want string
	}{
		{"fifo", fifo, "cfg: open " + fifo + ": not a regular file: a FIFO"},
		{"optional fifo", fifo + "?", "cfg: open " + fifo + ": not a regular file: a FIFO"},
		{"directory", dir, "cfg: open " + dir + ": not a regular file: a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err, lerr error
			within(t, 2*time.Second, "ReadFiles", func() { _, err = ReadFiles([]string{log, tt.path}) })
			within(t, 2*time.Second, "Load", func() { _, lerr = Load(log, tt.path) })
			for _, e := range []error{err, lerr} {
				require.Error(t, e)
				assert.ErrorIs(t, e, ErrNotRegular)
				assert.Equal(t, tt.want, e.Error())
			}
		})
	}

	f, err := ReadFiles([]string{log})
	require.NoError(t, err)
	require.NoError(t, os.Remove(log))
	require.NoError(t, syscall.Mkfifo(log, 0o644))
	var changed bool
	within(t, 2*time.Second, "Changed", func() { changed = f.Changed() })
	assert.True(t, changed, "a file that became a FIFO")
	var pe *os.PathError
	_, err = ReadFiles([]string{log})
	assert.True(t, errors.As(err, &pe) && pe.Path == log, "the error names the path: %v", err)
}
