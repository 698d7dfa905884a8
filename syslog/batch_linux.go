package syslog

import (
	"encoding/binary"
	"net"
	"syscall"
	"unsafe"
)

// batchSlots is how many datagrams one recvmmsg(2) call may take.
const batchSlots = 16

// ovflSpace is the room of a slot's ancillary data: one SO_RXQ_OVFL
// message, a uint32.
var ovflSpace = syscall.CmsgSpace(4)

// batchReader receives datagrams several at a time with recvmmsg(2), as
// rsyslog's imudp does: one system call for a burst rather than one per
// packet. Each datagram comes with its length as sent (MSG_TRUNC) and the
// socket's count of drops (SO_RXQ_OVFL).
type batchReader struct {
	rc   syscall.RawConn
	bufs [batchSlots][]byte
	ctrl [batchSlots][]byte
	iovs [batchSlots]syscall.Iovec
	hdrs [batchSlots]mmsghdr
	got  [batchSlots]datagram
}

// mmsghdr is struct mmsghdr of <sys/socket.h>: Go pads it as C does.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
}

// newBatchReader returns a batch reader of c that keeps up to limit
// bytes of a datagram, or nil when c has no file descriptor to read. It
// asks the kernel for the socket's drop count; without it (not a socket
// that counts), KernelDrops stays 0.
func newBatchReader(c net.PacketConn, limit int) *batchReader {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1)
	})
	r := &batchReader{rc: rc}
	for i := range r.bufs {
		r.bufs[i] = make([]byte, limit)
		r.ctrl[i] = make([]byte, ovflSpace)
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(len(r.bufs[i]))
		r.hdrs[i].hdr.Iov = &r.iovs[i]
		r.hdrs[i].hdr.Iovlen = 1
		r.hdrs[i].hdr.Control = &r.ctrl[i][0]
	}
	return r
}

// read waits for datagrams and returns those that arrived, at most
// batchSlots of them; they are valid until the next read. The error is
// the connection's (net.ErrClosed once closed) or the system call's.
func (r *batchReader) read() ([]datagram, error) {
	for i := range r.hdrs {
		r.hdrs[i].hdr.SetControllen(ovflSpace) // the kernel set it to what it wrote
	}
	var n int
	var errno syscall.Errno
	err := r.rc.Read(func(fd uintptr) bool {
		// MSG_TRUNC: a datagram's length as sent, even when the buffer
		// kept only its start (UDP; unix sockets since Linux 3.4).
		r1, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), batchSlots,
			syscall.MSG_DONTWAIT|syscall.MSG_TRUNC, 0, 0)
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
		h := &r.hdrs[i]
		size := int(h.len)
		if h.hdr.Flags&syscall.MSG_TRUNC != 0 && size <= len(r.bufs[i]) {
			size = len(r.bufs[i]) + 1 // cut, by a kernel that does not say by how much
		}
		out = append(out, datagram{b: r.bufs[i][:min(int(h.len), len(r.bufs[i]))], size: size, drops: r.drops(i)})
	}
	return out, nil
}

// drops returns the SO_RXQ_OVFL count of slot i's datagram, 0 when the
// kernel sent none (it sends none until the socket drops a packet).
func (r *batchReader) drops(i int) uint32 {
	h := &r.hdrs[i].hdr
	c := r.ctrl[i][:min(int(h.Controllen), len(r.ctrl[i]))]
	data := syscall.CmsgLen(0)
	if len(c) < data+4 {
		return 0
	}
	m := (*syscall.Cmsghdr)(unsafe.Pointer(&c[0]))
	if m.Level != syscall.SOL_SOCKET || m.Type != syscall.SO_RXQ_OVFL || int(m.Len) < data+4 {
		return 0
	}
	return binary.NativeEndian.Uint32(c[data:])
}
