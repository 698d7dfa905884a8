package gwtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
)

// Open opens a runtime with o and closes it when the test ends. A nil
// o.Screen means io.Discard, not os.Stderr: the console streams of a
// test's runtime are not shown.
func Open(t testing.TB, o gwlog.Options) *gwlog.Runtime {
	t.Helper()
	if o.Screen == nil {
		o.Screen = io.Discard
	}
	rt, err := gwlog.Open(o)
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close() })
	return rt
}

// Config writes text as log.cfg in a new temporary directory and returns
// its path, for Options.Configs.
func Config(t testing.TB, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// Serve serves h on a loopback port, as httptest.NewServer does, and
// closes the server when the test ends (a test may close it earlier).
// Connections still open then, such as a follower the test left, are cut
// first, so that closing does not wait for them.
func Serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}
