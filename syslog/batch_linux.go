package syslog

import (
	"net"
	"syscall"
	"unsafe"
)

// batchSlots is how many datagrams one recvmmsg(2) call may take.
const batchSlots = 16

// batchReader receives datagrams several at a time with recvmmsg(2), as
// rsyslog's imudp does: one system call for a burst rather than one per
// packet.
type batchReader struct {
	rc   syscall.RawConn
	bufs [batchSlots][]byte
	iovs [batchSlots]syscall.Iovec
	hdrs [batchSlots]mmsghdr
	got  [batchSlots][]byte
}

// mmsghdr is struct mmsghdr of <sys/socket.h>: Go pads it as C does.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
}

// newBatchReader returns a batch reader of c, or nil when c has no file
// descriptor to read.
func newBatchReader(c net.PacketConn) *batchReader {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &batchReader{rc: rc}
	for i := range r.bufs {
		// One byte more than Parse takes, so that a longer datagram is
		// seen as too long rather than cut to fit.
		r.bufs[i] = make([]byte, MaxMessage+1)
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(len(r.bufs[i]))
		r.hdrs[i].hdr.Iov = &r.iovs[i]
		r.hdrs[i].hdr.Iovlen = 1
	}
	return r
}

// read waits for datagrams and returns those that arrived, at most
// batchSlots of them; they are valid until the next read. The error is
// the connection's (net.ErrClosed once closed) or the system call's.
func (r *batchReader) read() ([][]byte, error) {
	var n int
	var errno syscall.Errno
	err := r.rc.Read(func(fd uintptr) bool {
		r1, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), batchSlots, syscall.MSG_DONTWAIT, 0, 0)
		if e == syscall.EAGAIN {
			return false // nothing yet: wait for the poller
		}
		n, errno = int(r1), e
		return true
	})
	if err != nil {
		return nil, err
	}
	if errno != 0 {
		return nil, errno
	}
	out := r.got[:0]
	for i := range n {
		out = append(out, r.bufs[i][:r.hdrs[i].len])
	}
	return out, nil
}
