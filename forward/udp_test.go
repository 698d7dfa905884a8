package forward

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

// udpCollector is a UDP syslog receiver on a loopback port that keeps the
// messages it reads.
type udpCollector struct {
	pc   net.PacketConn
	mu   sync.Mutex
	msgs []string
	wg   sync.WaitGroup
}

func listenUDP(t *testing.T, addr string) *udpCollector {
	pc, err := net.ListenPacket("udp", addr)
	require.NoError(t, err)
	c := &udpCollector{pc: pc}
	c.wg.Go(func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if m, err := syslog.Parse(buf[:n]); err == nil {
				c.mu.Lock()
				c.msgs = append(c.msgs, m.Msg)
				c.mu.Unlock()
			}
		}
	})
	return c
}

// stop closes the port: what is sent to it now is refused by ICMP.
func (c *udpCollector) stop() {
	c.pc.Close()
	c.wg.Wait()
}

// got returns the messages but waitFollowing's probes.
func (c *udpCollector) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		if !strings.Contains(m, "probe") {
			out = append(out, m)
		}
	}
	return out
}

// received counts every message, probes too.
func (c *udpCollector) received() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s %d", prefix, i))
	}
	return out
}

// udpOutage starts a forwarder to a UDP collector, has it send "before"
// lines, stops the collector and logs "during" lines until the forwarder
// has been refused.
func udpOutage(t *testing.T) (*Forwarder, *ramlog.Stream, *udpCollector) {
	c := listenUDP(t, "127.0.0.1:0")
	s := stream(t, ramlog.Options{})
	f, err := Start(Options{To: "udp://" + c.pc.LocalAddr().String(), Streams: []*ramlog.Stream{s}, Backoff: 20 * time.Millisecond})
	require.NoError(t, err)
	waitFollowing(t, s, f)
	for _, l := range numbered("before", 0, 5) {
		s.WriteLine(0, []byte(l))
	}
	require.Eventually(t, func() bool { return len(c.got()) == 5 }, 5*time.Second, 5*time.Millisecond)
	c.stop()
	for _, l := range numbered("during", 0, 20) {
		s.WriteLine(0, []byte(l))
	}
	require.Eventually(t, func() bool { return f.Stats().Failures >= 3 }, 5*time.Second, 5*time.Millisecond)
	return f, s, c
}

// TestUDPOutageCatchesUp stops a UDP collector (its port refuses with
// ICMP), logs, starts it again on the same port, and expects every line
// logged meanwhile, in order, once: the datagram the refusal was about
// was sent again, not counted as sent and forgotten.
func TestUDPOutageCatchesUp(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	f, _, c := udpOutage(t)
	defer f.Close()
	time.Sleep(200 * time.Millisecond) // the collector is away
	c2 := listenUDP(t, c.pc.LocalAddr().String())
	defer c2.stop()
	want := numbered("during", 0, 20)
	require.Eventually(t, func() bool { return len(c2.got()) >= len(want) }, 5*time.Second, 10*time.Millisecond,
		"stats %+v, got %q", f.Stats(), c2.got())
	time.Sleep(50 * time.Millisecond) // a duplicate would be here by now
	assert.Equal(t, want, c2.got(), "all of them, in order, once")
	st := f.Stats()
	assert.Zero(t, st.Lost)
	assert.Zero(t, st.Lag)
}

// TestUDPOutageCounts closes the forwarder while the collector is away:
// Sent is what the collector got, and the refused datagram waiting to be
// sent again is Lost.
func TestUDPOutageCounts(t *testing.T) {
	leakcheck.Check(t, 5*time.Second)
	f, _, c := udpOutage(t)
	require.NoError(t, f.Close())
	st := f.Stats()
	assert.Equal(t, uint64(c.received()), st.Sent, "sent is what arrived; stats %+v", st)
	assert.Equal(t, uint64(1), st.Lost, "the refused datagram, never sent again")
}
