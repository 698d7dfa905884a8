//go:build unix

package cli

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckFIFO: check refuses a FIFO as a config file at once, with one
// line naming it, rather than wait for a writer.
func TestCheckFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "prod.cfg")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	type result struct {
		code      int
		out, errs string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := run2("check", "../../etc/log.cfg", fifo)
		done <- result{code, out, errs}
	}()
	select {
	case r := <-done:
		assert.Equal(t, ExitUsage, r.code)
		assert.Empty(t, r.out)
		assert.Equal(t, "gwlog: cfg: open "+fifo+": not a regular file: a FIFO\n", r.errs)
	case <-time.After(5 * time.Second):
		t.Fatal("check still waits on the FIFO after 5 s")
	}
}
