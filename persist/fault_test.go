package persist

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDirectoryRemoved(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "disk")
	require.NoError(t, os.Mkdir(dir, 0o750))
	clk := newClock(t0)
	s := open(t, Options{Dir: dir, Now: clk.Now})
	require.NoError(t, s.PutSegments([]Segment{seg("debug", 0, 100, t0)}))

	require.NoError(t, os.RemoveAll(dir))
	for range 3 { // every try fails the same way, without a panic
		err := s.PutSegments([]Segment{seg("debug", 1, 100, t0)})
		assert.ErrorIs(t, err, ErrUnavailable)
	}
	_, err := s.Read("debug", 0)
	assert.ErrorIs(t, err, ErrUnavailable, "gone with its directory")
	assert.GreaterOrEqual(t, s.Stats().Failures, uint64(3))

	// The disk comes back (empty): writing goes on there.
	require.NoError(t, os.Mkdir(dir, 0o750))
	require.NoError(t, s.PutSegments([]Segment{seg("debug", 1, 100, t0)}))
	infos, err := s.Segments("debug")
	require.NoError(t, err)
	assert.Equal(t, []uint64{1}, ids(infos))
	assert.Equal(t, uint64(2), s.NextID("debug"), "IDs never go back")
}
