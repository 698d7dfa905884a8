// Package forward sends gwlog's streams to central syslog collectors
// (rsyslog, syslog-ng, anything that speaks RFC 5424), to log databases
// (Loki push, OpenTelemetry OTLP/HTTP) and its events to time-series
// databases (InfluxDB line protocol), so that a fleet of gateways can be
// read in one place.
//
// # Basics
//
// A Forwarder follows some streams and sends each new line as one syslog
// message: app-name gwlog, msgid the stream, severity from the line's
// level, over UDP, TCP with RFC 6587 octet counting, or a unix datagram
// socket. Lines below the destination's level are skipped. Every
// destination reads a line by the stream's own pattern (levels.Scanner),
// never by a level name found in its message: a Forwarder and a Webhook
// its level (a Webhook its logger too, to leave out the runtime's own
// notes, logger "gwlog"), a Shipper its time, level, logger and token. A
// line whose pattern has no level has none, whatever its message says: a
// Forwarder sends it at Options.Severity, and a Webhook, which could
// never alert on such a stream, refuses it (ErrNoLevel).
//
// A Shipper follows streams (Loki, OTLP) or the event log by Seq
// (Influx) and sends batches over HTTP, gzipped, with the gateway's name
// as a label, resource attribute or tag (docs/format.md, "Fleet
// forwarding"). It keeps to a byte budget per period when given one.
//
// # Caveats
//
// A destination reads a stream's lines by the pattern it was started
// with: when a reload changes a stream's format, the lines written
// between the new format taking effect and the destination starting
// anew are read by the old pattern, and may be sent at the default
// severity or not alert.
//
// The stream's ring is the queue: a destination that is away keeps its
// place and catches up at ReplayRate when it returns, and what the ring
// dropped meanwhile is counted as lost, never blocking logging. Over TCP
// a collector that closed the connection is noticed before the next
// write.
//
// UDP tells of loss only when a collector's host refuses a datagram with
// ICMP "port unreachable", and only after the write of it returned: the
// next write fails instead of sending. The datagram written last before
// that is then taken back out of the sent count and sent again once the
// collector is back (the Forwarder waits up to Backoff for a refusal of it
// before it sends anything after it), or counted as lost if Close comes
// first. On loopback, or when lines are further apart than a round trip,
// that is the one refused, and nothing is lost. Otherwise earlier
// datagrams may have been refused too, and hosts send at most about one
// such ICMP a second to another host, so datagrams a remote collector
// never got can be counted as sent: use tcp:// where every line matters.
//
// A Shipper's budget counts the compressed bodies of accepted requests;
// lines held back over it are read again from where the Shipper began
// when the next period starts, so a ring too small to hold a day of
// lines loses some of them (counted as lost) before they can go.
//
// Severity is read from the %(levelname)s of the line, so a stream format
// without it forwards at the configured severity.
package forward
