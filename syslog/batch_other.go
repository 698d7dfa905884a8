//go:build !linux

package syslog

import "net"

// batchReader is Linux's; elsewhere a socket is read a datagram at a
// time, and no drop count comes with it.
type batchReader struct{}

func newBatchReader(net.PacketConn, int) *batchReader { return nil }

func (*batchReader) read() ([]datagram, error) { panic("unreachable") }
