package plot

import (
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	chromium "github.com/gwlog/gwlog/internal/browser"
)

// screenshot renders the SVG file at svg with headless Chromium into a
// PNG of 900×500 and decodes it.
func screenshot(t *testing.T, browser, svg string) image.Image {
	t.Helper()
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--screenshot="+shot, "--window-size=900,500",
		"file://"+svg)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("chromium took more than 60s:\n%s", chromium.LastBytes(out, 4000))
	}
	require.NoError(t, err, "chromium:\n%s", chromium.LastBytes(out, 4000))
	f, err := os.Open(shot)
	require.NoError(t, err, "chromium wrote no screenshot:\n%s", chromium.LastBytes(out, 4000))
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	if os.Getenv("GWLOG_SAVE_SCREENSHOT") == "1" {
		b, err := os.ReadFile(shot)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		name := filepath.Join("testdata", strings.TrimSuffix(filepath.Base(svg), ".svg")+".png")
		require.NoError(t, os.WriteFile(name, b, 0o644))
		t.Logf("screenshot saved as %s", name)
	}
	return img
}

// inkCount counts the pixels of img that are not (nearly) white, and
// those that are mostly blue (the series' line and band).
func inkCount(img image.Image) (ink, blue int) {
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			if r < 245 || g < 245 || b < 245 {
				ink++
			}
			if b > r+40 && b > g+20 {
				blue++
			}
		}
	}
	return ink, blue
}

func TestChromiumScreenshot(t *testing.T) {
	browser := chromium.Chromium(t)
	tests := []struct {
		name  string
		hours int
		gap   bool
	}{
		{name: "day", hours: 24, gap: true},
		{name: "hour", hours: 1},
		{name: "week", hours: 24 * 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := daySeries(tc.hours, tc.gap)
			svg := filepath.Join(t.TempDir(), "series-"+tc.name+".svg")
			f, err := os.Create(svg)
			require.NoError(t, err)
			require.NoError(t, SVG(f, s, Options{Title: "webbrick/CT wb/100/CT/1 val", Unit: "C"}))
			require.NoError(t, f.Close())

			img := screenshot(t, browser, svg)
			assert.Equal(t, image.Rect(0, 0, 900, 500), img.Bounds())
			ink, blue := inkCount(img)
			total := img.Bounds().Dx() * img.Bounds().Dy()
			t.Logf("%d of %d pixels inked, %d blue", ink, total, blue)
			assert.Greater(t, ink, total/50, "the chart is (nearly) blank")
			assert.Less(t, ink, total/2, "the chart is mostly ink: background missing?")
			assert.Greater(t, blue, total/100, "too little of the line and band shows")
		})
	}
}
