//go:build linux

package daemon

import (
	"net"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSyslogIngestCountsKernelDrops floods gwlogd's ingest, on the
// smallest receive buffer, until the kernel drops packets: /stats counts
// them, and the logs say, once, how many were lost, on the logger
// "syslog".
func TestSyslogIngestCountsKernelDrops(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	require.NoError(t, err)
	defer syscall.Close(fd)
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1); err != nil {
		t.Skipf("no drop count here (qemu-user): SO_RXQ_OVFL: %v", err)
	}
	base, udpAddr, _ := runIngest(t, Config{SyslogReadBuffer: 1})
	udp, err := net.Dial("udp", udpAddr)
	require.NoError(t, err)
	defer udp.Close()
	sent := 0
	send := func(msg string) {
		_, err := udp.Write([]byte("<14>1 - gw1 flood - - - " + msg))
		require.NoError(t, err)
		sent++
	}
	// A round's drops are counted with the packets that come after them.
	for round := 0; round < 20 && ingestStats(t, base).KernelDrops == 0; round++ {
		for range 2000 {
			send("packet " + strconv.Itoa(sent))
		}
		time.Sleep(20 * time.Millisecond)
	}
	lost := regexp.MustCompile(`WARNING syslog (\d+) syslog messages? lost \(the receive buffer overflowed\)\n`)
	var debug string
	require.Eventually(t, func() bool {
		send("after")
		_, debug = get(t, base+"/streams/debug?n=100000")
		return lost.MatchString(debug)
	}, 5*time.Second, 20*time.Millisecond, "%d packets sent", sent)
	st := ingestStats(t, base)
	assert.Positive(t, st.KernelDrops)
	assert.LessOrEqual(t, st.Received+st.KernelDrops, uint64(sent), "a packet is received or dropped, not both")
	told := lost.FindAllStringSubmatch(debug, -1)
	require.Len(t, told, 1, "at most once a minute")
	n, err := strconv.ParseUint(told[0][1], 10, 64)
	require.NoError(t, err)
	assert.Positive(t, n)
	assert.LessOrEqual(t, n, st.KernelDrops)
}
