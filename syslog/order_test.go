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
	rec, _ := s.Stats()
	assert.Equal(t, uint64(n), rec)
}

// TestServerTooLongOverUDP sends a datagram longer than MaxMessage: it is
// kept as malformed, not cut to fit, whichever way the socket is read.
func TestServerTooLongOverUDP(t *testing.T) {
	var mu sync.Mutex
	var errs []error
	s, err := Listen(ServerOptions{UDP: "127.0.0.1:0", Handle: func(_ *Message, raw []byte, err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}})
	require.NoError(t, err)
	defer s.Close()
	c, err := net.Dial("udp", s.UDPAddr().String())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("<14>1 - h app - - - " + strings.Repeat("x", MaxMessage+100)))
	require.NoError(t, err)
	_, err = c.Write([]byte("<14>1 - h app - - - short"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(errs) == 2 }, 5*time.Second, 5*time.Millisecond)
	assert.ErrorIs(t, errs[0], ErrTooLong)
	assert.NoError(t, errs[1])
}
