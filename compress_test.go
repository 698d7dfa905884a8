package gwlog

import (
	"os"
	"path/filepath"
	"strings"
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

// TestRAMCompressDefaultStaysPlainOnASmallCap: the profile's ram_compress
// = gzip gives way where compressing would hold less than it costs, and
// says so once on debug per stream; one set in a file is kept.
func TestRAMCompressDefaultStaysPlainOnASmallCap(t *testing.T) {
	logCfg, prodCfg := configs(t, "[runtime]\nreload = 0\nram_cap = 16MiB\n", "")
	rt := open(t, Options{Configs: []string{logCfg, prodCfg}, Screen: &syncBuffer{}})
	notes := func() []string {
		var out []string
		for _, l := range rt.Stream(Debug).Tail(100) {
			if strings.Contains(l, "ram_compress off for this stream") {
				out = append(out, l)
			}
		}
		return out
	}
	for _, name := range []string{Access, Error, EventLog, Debug} {
		s := rt.Stream(name)
		assert.Less(t, s.Keep(), 10, "%s: plain, keep bounds it", name)
		assert.Equal(t, 0, s.Stats().Blocks, name)
	}
	said := notes()
	require.Len(t, said, 4, "one note per stream")
	assert.Regexp(t, `stream='debug' why='its ring of [0-9.]+MiB is less than two segments of [0-9.]+[KM]iB plus [0-9.]+MiB for the compressor'`, strings.Join(said, "\n"))
	require.NoError(t, rt.Reload())
	assert.Len(t, notes(), 4, "said once, not at every reload")
	assert.Equal(t, rt.budget.Used(), rt.Stats().RAMUsed)
	assert.LessOrEqual(t, rt.Stats().RAMUsed, int64(16<<20))

	// Set in a file, it holds at the same cap.
	rewrite(t, prodCfg, "[stream.debug]\nram_compress = gzip\n")
	require.NoError(t, rt.Reload())
	assert.Greater(t, rt.Stream(Debug).Keep(), 100, "compressed: as many files as fit")
	assert.Less(t, rt.Stream(Error).Keep(), 10, "the others stay plain")

	// With room, the default compresses and nothing is said.
	big := open(t, Options{Configs: []string{logCfg}, RAMCap: 64 << 20, Screen: &syncBuffer{}})
	for _, name := range []string{Access, Error, EventLog, Debug} {
		assert.Greater(t, big.Stream(name).Keep(), 100, name)
	}
	for _, l := range big.Stream(Debug).Tail(100) {
		assert.NotContains(t, l, "ram_compress off")
	}
}
