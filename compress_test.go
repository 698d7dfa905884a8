package gwlog

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRAMCompress: ram_compress = gzip gives a stream the RAM its rotate
// and keep would, holding compressed history in it: as many files as fit
// unless keep is set in a file, and the compressor's memory within the
// cap.
func TestRAMCompress(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(conf, []byte("[runtime]\nram_cap = 40MiB\n"+
		"[stream.debug]\nram_compress = gzip\nrotate = size 64KiB\n"+
		"[stream.error]\nram_compress = gzip\nkeep = 3\n"), 0o600))
	rt := open(t, Options{Configs: []string{conf}, Screen: &syncBuffer{}})
	debug, errs := rt.Stream(Debug), rt.Stream(Error)
	assert.Equal(t, 2048, debug.Keep(), "keep from the profile: as many as the RAM holds")
	assert.Equal(t, 3, errs.Keep(), "keep set in a file holds")
	assert.Equal(t, int64(6*64<<10), debug.Stats().Cap, "the RAM of rotate and keep")
	assert.LessOrEqual(t, rt.Stats().RAMUsed, int64(40<<20))

	l := rt.Logger("gw.test")
	for i := range 20000 {
		l.Warn("request handled", "path", "/api/v1/status", "i", i)
		if i%200 == 199 {
			// The compressor's pace: a flood outrunning it evicts
			// segments plain, as the flood test shows.
			time.Sleep(2 * time.Millisecond)
		}
	}
	require.Eventually(t, func() bool { return debug.Stats().Blocks > 0 }, 5*time.Second, time.Millisecond)
	st := debug.Stats()
	assert.Equal(t, st.Written, st.Lines+st.Drops)
	assert.Greater(t, st.Plain, 2*st.Cap, "more log than RAM")
	assert.Contains(t, debug.Tail(1)[0], "i='19999'")
}
