//go:build linux

package syslog

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// skipUncounted skips a test where the kernel keeps no drop count for a
// socket to read, as under qemu-user, which refuses SO_RXQ_OVFL.
func skipUncounted(t *testing.T) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	require.NoError(t, err)
	defer syscall.Close(fd)
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1); err != nil {
		t.Skipf("no drop count here: SO_RXQ_OVFL: %v", err)
	}
}

// lossRecorder is a Lost that keeps what it is told, and when.
type lossRecorder struct {
	mu   sync.Mutex
	n    []uint64
	when []time.Time
}

func (l *lossRecorder) lost(n uint64, _ time.Time) {
	l.mu.Lock()
	l.n, l.when = append(l.n, n), append(l.when, time.Now())
	l.mu.Unlock()
}

func (l *lossRecorder) told() (calls int, sum uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range l.n {
		sum += n
	}
	return len(l.n), sum
}

// flooded is a server whose Handle waits while gate is held, and counts
// the packets it handled, and of those the "after" ones.
type flooded struct {
	*Server
	gate    sync.Mutex
	handled atomic.Uint64
	after   atomic.Uint64
}

func (f *flooded) handle(m *Message, _ []byte, _ error) {
	f.gate.Lock()
	f.gate.Unlock()
	if m.Msg == "after" {
		f.after.Add(1)
	}
	f.handled.Add(1)
}

// pending returns the length of the datagram at the head of the UDP
// socket's queue (SIOCINQ), 0 once the reader has taken every one.
func (f *flooded) pending(t *testing.T) int {
	t.Helper()
	rc, err := f.conns[0].(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	var n int32
	var errno syscall.Errno
	require.NoError(t, rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	}))
	require.Zero(t, errno)
	return int(n)
}

// flood holds the handler and sends n packets over c, which the smallest
// receive buffer cannot hold while the reader waits for the handler, then
// lets the handler go. Once the socket is empty it sends one packet more,
// "after", whose drop count covers the flood, and returns when Handle has
// seen it: every packet before it has been handled.
func (f *flooded) flood(t *testing.T, c net.Conn, n int) {
	t.Helper()
	f.gate.Lock()
	for i := range n {
		_, err := c.Write([]byte("<14>1 - h app - - - flood " + strconv.Itoa(i)))
		require.NoError(t, err)
	}
	f.gate.Unlock()
	require.Eventually(t, func() bool { return f.pending(t) == 0 }, 5*time.Second, 5*time.Millisecond)
	after := f.after.Load()
	_, err := c.Write([]byte("<14>1 - h app - - - after"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return f.after.Load() == after+1 }, 5*time.Second, 5*time.Millisecond)
}

// TestServerCountsKernelDrops floods a server whose handler is held and
// whose receive buffer is the smallest: the kernel drops packets, and
// every packet sent is either received or counted in KernelDrops. Lost
// is told at once, and again, with the rest, only when LossEvery has
// passed; it is told everything.
func TestServerCountsKernelDrops(t *testing.T) {
	skipUncounted(t)
	var loss lossRecorder
	const every = 500 * time.Millisecond
	f := &flooded{}
	s, err := Listen(ServerOptions{UDP: "127.0.0.1:0", ReadBuffer: 1, LossEvery: every, Lost: loss.lost, Handle: f.handle})
	require.NoError(t, err)
	defer s.Close()
	f.Server = s
	c, err := net.Dial("udp", s.UDPAddr().String())
	require.NoError(t, err)
	defer c.Close()

	const n = 3000 // a batch holds 1024: the rest waits in the socket or is dropped
	start := time.Now()
	f.flood(t, c, n)
	st := s.Stats()
	require.Positive(t, st.KernelDrops, "the flood overflowed the receive buffer")
	assert.Equal(t, uint64(n+1), st.Received+st.KernelDrops, "every packet is received or counted")
	calls, told := loss.told()
	if time.Since(start) < every {
		assert.Equal(t, 1, calls, "told at once, and once")
	}
	assert.Positive(t, told, "told at once")
	assert.LessOrEqual(t, told, st.KernelDrops)

	f.flood(t, c, n)
	st = s.Stats()
	assert.Equal(t, uint64(2*n+2), st.Received+st.KernelDrops)
	if time.Since(start) < every {
		calls, _ = loss.told()
		assert.Equal(t, 1, calls, "not told twice within LossEvery")
	}
	require.Eventually(t, func() bool { _, told := loss.told(); return told == st.KernelDrops }, 5*time.Second, 10*time.Millisecond,
		"the rest is told once LossEvery has passed")
	loss.mu.Lock()
	defer loss.mu.Unlock()
	for i := 1; i < len(loss.when); i++ {
		assert.GreaterOrEqual(t, loss.when[i].Sub(loss.when[i-1]), every-10*time.Millisecond, "told at most once a LossEvery")
	}
}
