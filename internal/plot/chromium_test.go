package plot

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	chromium "github.com/gwlog/gwlog/internal/browser"
	"github.com/gwlog/gwlog/internal/gwtest"
)

// screenshot renders the SVG file at svg with headless Chromium into a
// PNG of 900×500 and decodes it. With GWLOG_SAVE_SCREENSHOT=1 it keeps
// the PNG in testdata, named after the SVG file.
func screenshot(t *testing.T, browser, svg string) image.Image {
	t.Helper()
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := chromium.Command(ctx, browser, dir, "--screenshot="+shot, "--window-size=900,500", "file://"+svg)
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("chromium took more than 60s:\n%s", chromium.LastBytes(out, 4000))
	}
	require.NoError(t, err, "chromium:\n%s", chromium.LastBytes(out, 4000))
	b, err := os.ReadFile(shot)
	require.NoError(t, err, "chromium wrote no screenshot:\n%s", chromium.LastBytes(out, 4000))
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	gwtest.KeepScreenshot(t, strings.TrimSuffix(filepath.Base(svg), ".svg")+".png", b)
	return img
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
			ink, blue := gwtest.InkCount(img)
			total := img.Bounds().Dx() * img.Bounds().Dy()
			t.Logf("%d of %d pixels inked, %d blue", ink, total, blue)
			assert.Greater(t, ink, total/50, "the chart is (nearly) blank")
			assert.Less(t, ink, total/2, "the chart is mostly ink: background missing?")
			assert.Greater(t, blue, total/100, "too little of the line and band shows")
		})
	}
}
