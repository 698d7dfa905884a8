//go:build unix

package forward

import (
	"errors"
	"net"
	"syscall"
)

// closed reports whether the peer has closed c. A collector never writes
// back, so a peek that finds the end of the stream (or an error other
// than "nothing yet") means it is gone, and what would be written now
// would be lost.
func closed(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	gone := false
	err = rc.Read(func(fd uintptr) bool {
		var one [1]byte
		n, _, err := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		gone = (n == 0 && err == nil) || (err != nil && !errors.Is(err, syscall.EAGAIN))
		return true // never wait
	})
	return gone || err != nil
}
