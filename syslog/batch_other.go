//go:build !linux

package syslog

import "net"

// batchReader is Linux's; elsewhere a socket is read a datagram at a
// time.
type batchReader struct{}

func newBatchReader(net.PacketConn) *batchReader { return nil }

func (*batchReader) read() ([][]byte, error) { panic("unreachable") }
