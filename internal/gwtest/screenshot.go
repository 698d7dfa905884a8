package gwtest

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// InkCount counts the pixels of img that are not (nearly) white, and
// those that are mostly blue (a chart's line and band), for the browser
// tests' screenshots.
func InkCount(img image.Image) (ink, blue int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 245 || g < 245 || bl < 245 {
				ink++
			}
			if bl > r+40 && bl > g+20 {
				blue++
			}
		}
	}
	return ink, blue
}

// KeepScreenshot writes the PNG data as testdata/name in the test's
// package directory when GWLOG_SAVE_SCREENSHOT=1, for a person to look
// at; otherwise it does nothing.
func KeepScreenshot(t testing.TB, name string, data []byte) {
	t.Helper()
	if os.Getenv("GWLOG_SAVE_SCREENSHOT") != "1" {
		return
	}
	require.NoError(t, os.MkdirAll("testdata", 0o755))
	path := filepath.Join("testdata", name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	t.Logf("screenshot saved as %s", path)
}
