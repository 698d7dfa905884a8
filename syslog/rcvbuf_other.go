//go:build !linux

package syslog

import "net"

// forceReadBuffer has nothing to force with here: SetReadBuffer did what
// it could.
func forceReadBuffer(net.PacketConn, int) {}
