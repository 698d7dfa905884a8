package syslog

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerKeepsOrder floods the unix socket (a unix datagram sender
// waits rather than loses) and checks that Handle sees every packet once,
// in the order sent, whatever the reader and the handler overlap.
func TestServerKeepsOrder(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	const n = 20000
	var mu sync.Mutex
	var got []int
	slow := 0
	s, err := Listen(ServerOptions{Unix: sock, Handle: func(m *Message, _ []byte, err error) {
		require.NoError(t, err)
		i, err := strconv.Atoi(strings.TrimPrefix(m.Msg, "n="))
		require.NoError(t, err)
		mu.Lock()
		got = append(got, i)
		mu.Unlock()
		if slow++; slow%1000 == 0 {
			time.Sleep(2 * time.Millisecond) // let batches build up
		}
	}})
	require.NoError(t, err)
	c, err := net.Dial("unixgram", sock)
	require.NoError(t, err)
	defer c.Close()
	for i := range n {
		_, err := fmt.Fprintf(c, "<14>1 - h app - - - n=%d", i)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == n }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, s.Close())
	for i, v := range got {
		if v != i {
			assert.Equal(t, i, v, "packet %d out of order", i)
			break
		}
	}
	assert.Equal(t, uint64(n), s.Stats().Received)
}
