package httplog_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
)

// rotating opens a runtime whose debug stream rotates every 4 KiB and
// writes n lines to it.
func rotating(t *testing.T, n int) *gwlog.Runtime {
	t.Helper()
	conf := gwtest.Config(t, "[runtime]\nreload = 0\n[stream.debug]\nrotate = size 4KiB\nkeep = 3\n")
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{conf}})
	for i := range n {
		rt.Logger("svc").Warn("line " + strconv.Itoa(i) + strings.Repeat(" padding", 4))
	}
	return rt
}

func TestFiles(t *testing.T) {
	rt := rotating(t, 200)
	for _, tc := range []struct {
		name string
		src  httplog.Source
	}{{"FileSource", rt}, {"Source", plainSource{rt}}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := gwtest.Serve(t, httplog.NewHandler(tc.src))

			resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+"/files")
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var list []httplog.FileInfo
			require.NoError(t, json.Unmarshal(body, &list))
			var debug []httplog.FileInfo
			for _, f := range list {
				if f.Stream == "debug" {
					debug = append(debug, f)
				}
			}
			require.Len(t, debug, 4, "the live file and keep = 3")
			for i, f := range debug {
				want := "debug.log"
				if i > 0 {
					want += "." + strconv.Itoa(i)
				}
				assert.Equal(t, want, f.Name)
				assert.Equal(t, i == 0, f.Live)
				assert.Positive(t, f.Lines)
				assert.False(t, f.First.IsZero())
				assert.False(t, f.Last.Before(f.First))
				assert.Equal(t, time.UTC, f.First.Location())
				if i > 0 {
					assert.False(t, f.Last.After(debug[i-1].First), "newest first")
				}
			}
			assert.NotContains(t, string(body), `"first"`+":\"0001", "no zero times: an empty file has none")

			for _, f := range debug {
				resp, body := gwtest.Fetch(t, http.MethodGet, srv.URL+"/files/"+f.Name)
				require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
				assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
				assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
				want, err := fs.ReadFile(rt.FS(), f.Name)
				require.NoError(t, err)
				assert.Equal(t, string(want), string(body))
				assert.Equal(t, int64(len(body)), f.Size)
				assert.Equal(t, strconv.Itoa(len(body)), resp.Header.Get("Content-Length"))
				assert.Equal(t, int(f.Lines), strings.Count(string(body), "\n"))
			}
			// The newest lines are at the end of the live file.
			_, body = gwtest.Fetch(t, http.MethodGet, srv.URL+"/files/debug.log")
			assert.True(t, strings.HasSuffix(string(body), "WARNING svc line 199 padding padding padding padding\n"))

			resp, body = gwtest.Fetch(t, http.MethodGet, srv.URL+"/files/debug.log", "Range", "bytes=0-9")
			assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
			assert.Len(t, body, 10)
			resp, body = gwtest.Fetch(t, http.MethodHead, srv.URL+"/files/debug.log.1")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Empty(t, body)
			assert.NotEmpty(t, resp.Header.Get("Last-Modified"))
		})
	}
}

func TestFilesErrors(t *testing.T) {
	rt := rotating(t, 10)
	srv := gwtest.Serve(t, rt.HTTPHandler())
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name, path string
		code       int
		msg        string
	}{
		{"unknown", "/files/nope.log", http.StatusNotFound, `no file "nope.log"`},
		{"unknown number", "/files/debug.log.9", http.StatusNotFound, `no file "debug.log.9"`},
		{"traversal", "/files/..%2F..%2Fetc%2Fpasswd", http.StatusBadRequest, `name: want a file name such as debug.log.1, got "../../etc/passwd"`},
		{"dot dot", "/files/%2E%2E", http.StatusBadRequest, `got ".."`},
		{"slash", "/files/debug%2Fdebug.log", http.StatusBadRequest, `got "debug/debug.log"`},
		{"backslash", "/files/..%5Cdebug.log", http.StatusBadRequest, `got "..\\debug.log"`},
		{"control", "/files/debug.log%0A", http.StatusBadRequest, `got "debug.log\n"`},
		{"not UTF-8", "/files/debug%FF.log", http.StatusBadRequest, `got "debug\xff.log"`},
		{"too long", "/files/" + strings.Repeat("a", 256), http.StatusBadRequest, "want a file name"},
		{"list parameter", "/files?n=3", http.StatusBadRequest, "n: unknown parameter (/files takes none)"},
		{"file parameter", "/files/debug.log?n=3", http.StatusBadRequest, "n: unknown parameter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := noRedirect.Get(srv.URL + tc.path)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.code, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var e struct{ Error string }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
			assert.Contains(t, e.Error, tc.msg)
		})
	}
	// A path the mux cleans (/files/../x) is redirected to the clean path,
	// never served from outside.
	resp, err := noRedirect.Get(srv.URL + "/files/../streams")
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, http.StatusOK, resp.StatusCode)
}

var (
	_ httplog.FileSource = (*gwlog.Runtime)(nil)
	_ httplog.FileSource = (*gwlog.StoreView)(nil)
)

func TestSkipReport(t *testing.T) {
	assert.Empty(t, httplog.SkipReport(nil))
	corrupt := fmt.Errorf("%w: crc", eventlog.ErrCorrupt)
	evicted := fmt.Errorf("%w: segment 3", eventlog.ErrEvicted)
	assert.Equal(t, "2 corrupt records skipped; 1 segment evicted during the query (first: "+corrupt.Error()+")",
		httplog.SkipReport([]error{corrupt, evicted, corrupt}))
}
