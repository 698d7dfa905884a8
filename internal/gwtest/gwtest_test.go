package gwtest_test

import (
	"image"
	"image/color"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

func TestFetchLeavesOutEmptyHeaders(t *testing.T) {
	srv := gwtest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Header["Accept"]; ok {
			w.Header().Set("X-Had-Accept", "yes")
		}
		_, _ = w.Write([]byte(r.Method + " " + r.Header.Get("X-A")))
	}))
	resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL, "X-A", "1", "Accept", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("X-Had-Accept"), "an empty value is left out")
	assert.Equal(t, "GET 1", string(body))
	resp, body = gwtest.Fetch(t, http.MethodHead, srv.URL)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, body)
}

func TestOpenServesAndCloses(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{gwtest.Config(t, "[runtime]\nreload = 0\n")}})
	rt.Logger("svc").Warn("hello")
	srv := gwtest.Serve(t, rt.HTTPHandler())
	resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+"/streams/debug?n=1")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "WARNING svc hello")
}

func TestInkCount(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for x := range 4 {
		for y := range 2 {
			img.Set(x, y, color.White)
		}
	}
	img.Set(0, 0, color.Black)
	img.Set(1, 0, color.RGBA{R: 30, G: 60, B: 200, A: 255})
	img.Set(2, 0, color.RGBA{R: 250, G: 250, B: 250, A: 255}) // nearly white
	ink, blue := gwtest.InkCount(img)
	assert.Equal(t, 2, ink)
	assert.Equal(t, 1, blue)
}

func TestBufferTakesConcurrentWrites(t *testing.T) {
	var b gwtest.Buffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("x"))
			}
		})
	}
	wg.Wait()
	assert.Len(t, b.String(), 400)
}
