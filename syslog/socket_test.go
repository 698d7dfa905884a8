package syslog

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handled is what Handle was given, kept past the call.
type handled struct {
	m   Message
	raw string
	err error
}

// recorder is a Handle that keeps what it is given.
type recorder struct {
	mu  sync.Mutex
	got []handled
}

func (r *recorder) handle(m *Message, raw []byte, err error) {
	k := *m
	for _, s := range []*string{&k.Hostname, &k.AppName, &k.ProcID, &k.MsgID, &k.StructuredData, &k.Msg} {
		*s = strings.Clone(*s) // views of the server's buffer
	}
	r.mu.Lock()
	r.got = append(r.got, handled{k, string(raw), err})
	r.mu.Unlock()
}

func (r *recorder) len() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }

// at returns the i-th call's arguments.
func (r *recorder) at(i int) handled { r.mu.Lock(); defer r.mu.Unlock(); return r.got[i] }

// send writes one packet to the unix socket at path.
func send(t *testing.T, path, packet string) {
	t.Helper()
	c, err := net.Dial("unixgram", path)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte(packet))
	require.NoError(t, err)
}

// TestServerLeavesLiveSocket starts a second server on the socket path
// of a running one: Listen fails with ErrInUse, having sent nothing, and
// the first keeps its socket file and its packets. A socket file that no
// process serves any longer is replaced.
func TestServerLeavesLiveSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	var first recorder
	s, err := Listen(ServerOptions{Unix: sock, Handle: first.handle})
	require.NoError(t, err)
	defer s.Close()
	bound, err := os.Lstat(sock)
	require.NoError(t, err)

	var second recorder
	s2, err := Listen(ServerOptions{UDP: "127.0.0.1:0", Unix: sock, Handle: second.handle})
	require.ErrorIs(t, err, ErrInUse)
	assert.Nil(t, s2)
	assert.EqualError(t, err, "syslog: socket in use: "+sock+" answers: another process serves it")
	now, err := os.Lstat(sock)
	require.NoError(t, err)
	assert.True(t, os.SameFile(bound, now), "the socket file is the first server's still")
	send(t, sock, "<14>1 - h app - - - still here")
	require.Eventually(t, func() bool { return first.len() == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, "still here", first.at(0).m.Msg)
	assert.Zero(t, second.len())
	assert.Equal(t, uint64(1), s.Stats().Received, "the probe sent nothing")

	// A socket whose process died (its file left behind) is replaced.
	stale := filepath.Join(t.TempDir(), "stale.sock")
	c, err := net.ListenPacket("unixgram", stale)
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.FileExists(t, stale)
	s3, err := Listen(ServerOptions{Unix: stale, Handle: second.handle})
	require.NoError(t, err)
	send(t, stale, "<14>1 - h app - - - replaced")
	require.Eventually(t, func() bool { return second.len() == 1 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, s3.Close())
	assert.NoFileExists(t, stale)
}

// TestServerCloseLeavesReplacedSocket replaces a server's socket file
// with another server's: Close leaves the new one in place, serving.
func TestServerCloseLeavesReplacedSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	var old, cur recorder
	s, err := Listen(ServerOptions{Unix: sock, Handle: old.handle})
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, os.Remove(sock)) // as a takeover by an older gwlogd did
	s2, err := Listen(ServerOptions{Unix: sock, Handle: cur.handle})
	require.NoError(t, err)
	defer s2.Close()

	require.NoError(t, s.Close())
	require.FileExists(t, sock)
	send(t, sock, "<14>1 - h app - - - to the new one")
	require.Eventually(t, func() bool { return cur.len() == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Zero(t, old.len())
	require.NoError(t, s2.Close())
	assert.NoFileExists(t, sock)
}

// TestServerLeavesOtherSockets starts a server on the path of a live
// stream socket, which a datagram probe cannot tell: it is left alone.
func TestServerLeavesOtherSockets(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "stream.sock")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer ln.Close()
	_, err = Listen(ServerOptions{Unix: sock, Handle: func(*Message, []byte, error) {}})
	require.ErrorIs(t, err, ErrInUse)
	assert.ErrorContains(t, err, sock+" may be another process's (dial unixgram "+sock+": connect: protocol wrong type for socket): left alone")
	require.FileExists(t, sock)
}
