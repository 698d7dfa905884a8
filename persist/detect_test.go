package persist

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	tests := []struct {
		name  string
		dir   string
		force bool
		want  string // in the error; "" for none
	}{
		{"disk", dir, false, ""},
		{"unset", "", false, "no directory configured"},
		{"none", "none", false, "no directory configured"},
		{"missing", filepath.Join(dir, "missing"), false, "does not exist"},
		{"a file", file, false, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Detect(tt.dir, tt.force)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrNoDisk)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, 1, "the probe is gone")
}

func TestDetectTmpfs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("tmpfs is told apart on Linux only")
	}
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm")
	}
	dir, err := os.MkdirTemp("/dev/shm", "gwlog-persist-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	if kind, _, _ := fsKind(dir); kind != "tmpfs" {
		t.Skipf("/dev/shm is not tmpfs here")
	}

	err = Detect(dir, false)
	assert.ErrorIs(t, err, ErrNoDisk)
	assert.ErrorContains(t, err, "tmpfs")
	_, err = Open(Options{Dir: dir})
	assert.ErrorIs(t, err, ErrNoDisk)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, ents, "tmpfs as disk creates no store file, not even a probe")

	require.NoError(t, Detect(dir, true), "force accepts it")
	s := open(t, Options{Dir: dir, Force: true})
	require.NoError(t, s.PutSegments([]Segment{seg("debug", 0, 10, t0)}))
}

func TestDetectNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes anywhere")
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o500))
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	err := Detect(dir, false)
	assert.ErrorIs(t, err, ErrNoDisk)
	assert.ErrorContains(t, err, "not writable")
}
