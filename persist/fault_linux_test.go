package persist

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mountTmpfs mounts a tmpfs with data (size=256k, …) on a new directory
// and unmounts it when the test ends, or skips the test when it cannot
// (not root, or no mount in this sandbox).
func mountTmpfs(t *testing.T, flags uintptr, data string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, data); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return dir
}

// swapFD puts the file at path, opened with flag, in place of f's
// descriptor (dup3), so that bbolt's next writes meet that file's errors.
func swapFD(t *testing.T, f *os.File, path string, flag int) {
	t.Helper()
	g, err := os.OpenFile(path, flag, 0)
	require.NoError(t, err)
	defer g.Close()
	require.NoError(t, syscall.Dup3(int(g.Fd()), int(f.Fd()), syscall.O_CLOEXEC))
}

func TestDetectReadOnly(t *testing.T) {
	dir := mountTmpfs(t, syscall.MS_RDONLY, "size=64k")
	err := Detect(dir, true)
	assert.ErrorIs(t, err, ErrNoDisk)
	assert.ErrorContains(t, err, "read-only")
	_, err = Open(Options{Dir: dir, ReadOnly: true})
	assert.NoError(t, err, "a reader needs no write access")
}

func TestENOSPC(t *testing.T) {
	dir := mountTmpfs(t, 0, "size=256k")
	o := Options{Dir: dir, Force: true, Now: newClock(t0).Now}
	s := open(t, o)
	var acked []uint64
	var err error
	for id := uint64(0); id < 100; id++ {
		if err = s.PutSegments([]Segment{seg("debug", id, 24<<10, t0)}); err != nil {
			break
		}
		acked = append(acked, id)
	}
	require.Error(t, err, "the tmpfs fills up")
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "no space left on device")
	require.NotEmpty(t, acked)
	t.Logf("%d segments acknowledged before ENOSPC: %v", len(acked), err)

	// Retrying fails the same way; what was acknowledged still reads.
	assert.ErrorIs(t, s.PutSegments([]Segment{seg("debug", 99, 24<<10, t0)}), ErrUnavailable)
	for _, id := range acked {
		b, err := s.Read("debug", id)
		require.NoError(t, err)
		assert.Equal(t, data("debug", id, 24<<10), b)
	}
	// And after a restart (the files pass Tx.Check in the cleanup).
	require.NoError(t, s.Close())
	s = open(t, o)
	infos, err := s.Segments("debug")
	require.NoError(t, err)
	assert.Equal(t, acked, ids(infos))
	assert.Empty(t, s.Recovered())
}

// TestInjectedWriteErrors swaps bbolt's file descriptor under it for one
// whose writes fail, so that the errors come from the kernel on bbolt's
// own write path: ENOSPC from /dev/full, and EBADF from a read-only
// descriptor (the file turned read-only).
func TestInjectedWriteErrors(t *testing.T) {
	tests := []struct {
		name  string
		path  func(db string) string
		flag  int
		errno syscall.Errno
	}{
		{"no space", func(string) string { return "/dev/full" }, os.O_WRONLY, syscall.ENOSPC},
		{"read-only", func(db string) string { return db }, os.O_RDONLY, syscall.EBADF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat("/dev/full"); err != nil {
				t.Skip("no /dev/full")
			}
			dir := t.TempDir()
			var mu sync.Mutex
			var writable *os.File
			o := Options{Dir: dir, Now: newClock(t0).Now, legacyTails: true}
			o.openFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
				f, err := os.OpenFile(name, flag, perm)
				if err == nil && flag&os.O_RDWR != 0 {
					mu.Lock()
					writable = f
					mu.Unlock()
				}
				return f, err
			}
			s := open(t, o)
			require.NoError(t, s.PutSegments([]Segment{seg("debug", 0, 5000, t0), seg("debug", 1, 5000, t0)}))
			// Tails written whole again (each shorter than the one
			// before, so not grown by a part) leave free pages, so that
			// the failing commit does not need to grow the file and
			// fails on writing its pages.
			for i := range 6 {
				require.NoError(t, s.PutTail(seg("debug", 9, 20000-i*100, t0)))
			}

			mu.Lock()
			swapFD(t, writable, tt.path(filepath.Join(dir, "gwlog-2030-01-01.db")), tt.flag)
			mu.Unlock()
			err := s.PutSegments([]Segment{seg("debug", 2, 5000, t0)})
			assert.ErrorIs(t, err, ErrUnavailable)
			assert.ErrorIs(t, err, tt.errno)

			// Earlier data intact; the failed batch is not there.
			for _, id := range []uint64{0, 1} {
				b, err := s.Read("debug", id)
				require.NoError(t, err)
				assert.Equal(t, data("debug", id, 5000), b)
			}
			_, err = s.Read("debug", 2)
			assert.ErrorIs(t, err, ErrNotFound)

			// The next write opens the file afresh and goes through.
			require.NoError(t, s.PutSegments([]Segment{seg("debug", 2, 5000, t0)}))
			infos, err := s.Segments("debug")
			require.NoError(t, err)
			assert.Equal(t, []uint64{0, 1, 2, 9}, ids(infos))
			assert.Equal(t, uint64(1), s.Stats().Failures)
		})
	}
}

// TestFileCutWhileOpen cuts a file short under an open read handle, as a
// disk that goes away does to a memory map: reading it faults, and the
// fault is an error, not a crash.
func TestFileCutWhileOpen(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(t0)
	s, err := Open(Options{Dir: dir, Now: clk.Now})
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.PutSegments([]Segment{seg("error", 0, 100<<10, clk.Now()), seg("error", 1, 100<<10, clk.Now())}))
	clk.Add(24 * time.Hour)
	require.NoError(t, s.PutSegments([]Segment{seg("error", 2, 10, clk.Now())}))
	_, err = s.Read("error", 0) // opens yesterday's file read-only
	require.NoError(t, err)

	require.NoError(t, os.Truncate(filepath.Join(dir, "gwlog-2030-01-01.db"), 8192))
	for _, id := range []uint64{1, 0} {
		_, err = s.Read("error", id)
		assert.ErrorIs(t, err, ErrUnavailable)
		t.Log(err) // the fault, made an error
	}
	b, err := s.Read("error", 2)
	require.NoError(t, err, "today's file reads on")
	assert.Equal(t, data("error", 2, 10), b)
	require.NoError(t, s.PutSegments([]Segment{seg("error", 3, 10, clk.Now())}))
}
