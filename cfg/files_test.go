package cfg

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFilesChanged: a runtime's reload check sees a file edited (even to
// the same size), made, or removed, and not a file only touched.
func TestFilesChanged(t *testing.T) {
	dir := t.TempDir()
	log, prod := filepath.Join(dir, "log.cfg"), filepath.Join(dir, "prod.cfg")
	require.NoError(t, os.WriteFile(log, []byte("[runtime]\nram_cap = 10MiB\n"), 0o644))
	read := func() Files {
		f, err := ReadFiles([]string{log, prod + "?"})
		require.NoError(t, err)
		return f
	}
	f := read()
	c, err := f.Parse("")
	require.NoError(t, err)
	assert.Equal(t, int64(10<<20), c.Runtime.RAMCap)
	assert.False(t, f.Changed(), "nothing changed")

	require.NoError(t, os.Chtimes(log, time.Time{}, time.Now().Add(time.Hour)))
	assert.False(t, f.Changed(), "touched, the same content")
	require.NoError(t, os.WriteFile(log, []byte("[runtime]\nram_cap = 20MiB\n"), 0o644))
	assert.True(t, f.Changed(), "the same size, another content")

	f = read()
	require.NoError(t, os.WriteFile(prod, []byte("[runtime]\n"), 0o644))
	assert.True(t, f.Changed(), "an optional file made")
	f = read()
	require.NoError(t, os.Remove(prod))
	assert.True(t, f.Changed(), "a file removed")

	_, err = ReadFiles([]string{prod})
	assert.ErrorIs(t, err, os.ErrNotExist, "a file that must be there")
	c, err = Files(nil).Parse("disk")
	require.NoError(t, err)
	assert.Equal(t, "disk", c.Runtime.Profile)
}
