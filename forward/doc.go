// Package forward sends gwlog's streams to central syslog collectors
// (rsyslog, syslog-ng, anything that speaks RFC 5424), so that a fleet of
// gateways can be read in one place.
//
// # Basics
//
// A Forwarder follows some streams and sends each new line as one syslog
// message: app-name gwlog, msgid the stream, severity from the line's
// level name, over UDP, TCP with RFC 6587 octet counting, or a unix
// datagram socket. Lines below the destination's level are skipped.
//
// # Caveats
//
// The stream's ring is the queue: a destination that is away keeps its
// place and catches up at ReplayRate when it returns, and what the ring
// dropped meanwhile is counted as lost, never blocking logging. UDP gives
// no word of loss; over TCP a collector that closed the connection is
// noticed before the next write. Severity is read from the %(levelname)s
// of the line, so a stream format without it forwards at the configured
// severity.
package forward
