package gwtest

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Fetch makes a request with no body and the headers given as name,
// value pairs (a pair whose value is empty is left out), and returns the
// response with its body read and closed.
func Fetch(t testing.TB, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}
