package syslog

import (
	"net"
	"syscall"
)

// forceReadBuffer raises c's receive buffer past net.core.rmem_max, which
// only root may; for others it does nothing.
func forceReadBuffer(c net.PacketConn, size int) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, size)
	})
}
