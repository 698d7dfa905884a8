package gwlog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/cfg"
)

// TestConfigErrorsSayItOnce: an error of the config files is cfg's as it
// is, naming the file, and still matches ErrConfig; "gwlog: config" is
// not said before it again.
func TestConfigErrorsSayItOnce(t *testing.T) {
	dir := t.TempDir()
	absent, bad := filepath.Join(dir, "absent.cfg"), filepath.Join(dir, "prod.cfg")
	_, err := Open(Options{Configs: []string{absent}, Screen: &syncBuffer{}})
	require.ErrorIs(t, err, ErrConfig)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.EqualError(t, err, "cfg: open "+absent+": no such file or directory")

	require.NoError(t, os.WriteFile(bad, []byte("[runtime]\nflush = 1ms\n"), 0o644))
	_, err = Open(Options{Configs: []string{bad}, Screen: &syncBuffer{}})
	require.ErrorIs(t, err, ErrConfig)
	var errs cfg.Errors
	assert.True(t, errors.As(err, &errs))
	assert.EqualError(t, err, bad+`:2: [runtime] flush: want a duration of at least 1s, got "1ms"`)

	require.NoError(t, os.WriteFile(bad, []byte("[runtime]\nflush = 5s\n"), 0o644))
	rt := open(t, Options{Configs: []string{bad}, Screen: &syncBuffer{}})
	require.NoError(t, os.WriteFile(bad, []byte("[runtime]\nflush = 1ms\n"), 0o644))
	err = rt.Reload()
	require.ErrorIs(t, err, ErrConfig)
	assert.EqualError(t, err, bad+`:2: [runtime] flush: want a duration of at least 1s, got "1ms"`)
}
