package httplog_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	return out
}

// TestPageGzipped: the gzipped copies the binary holds are the page's
// files as written (go generate in httplog writes them anew).
func TestPageGzipped(t *testing.T) {
	for _, name := range []string{"index.html", "app.js", "style.css"} {
		src, err := os.ReadFile(filepath.Join("page", name))
		require.NoError(t, err)
		gz, err := os.ReadFile(filepath.Join("page", name+".gz"))
		require.NoError(t, err)
		require.Equal(t, string(src), string(gunzip(t, gz)), "page/%s.gz is stale: run go generate ./httplog", name)
	}
}

// TestPageEncodings: a client that takes gzip gets the page's files
// gzipped, one that does not gets them as written; each representation
// has its own ETag.
func TestPageEncodings(t *testing.T) {
	rt := gwtest.Open(t, gwlog.Options{})
	srv := gwtest.Serve(t, rt.HTTPHandler())
	src, err := os.ReadFile(filepath.Join("page", "app.js"))
	require.NoError(t, err)

	tags := map[string]bool{}
	for _, tt := range []struct {
		accept string
		gzip   bool
	}{
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"*", true},
		{"identity", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000, identity", false},
	} {
		// A header set by the caller: Go's client leaves the body as sent.
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/page/app.js", nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Encoding", tt.accept)
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, tt.accept)
		assert.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"))
		assert.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"), tt.accept)
		if tt.gzip {
			assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), tt.accept)
			body = gunzip(t, body)
		} else {
			assert.Empty(t, resp.Header.Get("Content-Encoding"), tt.accept)
		}
		assert.Equal(t, string(src), string(body), tt.accept)
		tags[resp.Header.Get("ETag")] = tt.gzip
	}
	assert.Len(t, tags, 2, "an ETag per representation")
}
