// Package syslog speaks syslog's wire formats: it parses and writes RFC
// 5424 and RFC 3164 messages, and serves the local ingest through which
// the gateway's other processes log into gwlog's rings.
//
// # Basics
//
// Parse tells the formats apart by the version after the PRI and reads
// RFC 3164 leniently, as local senders write it (busybox syslogd and
// logger(1) leave out the hostname). AppendRFC5424 and AppendRFC3164 write
// messages for forwarding; the transport frames them (RFC 6587 octet
// counting over TCP). Level maps a severity to a gwlog level.
//
// A Server reads datagrams from UDP on loopback and from a unix socket
// (/dev/log when root) and hands each to its Handle function, with the
// parse error when a packet is malformed. Of a packet longer than
// ServerOptions.MaxMessage it keeps the start: the header is read as
// usual, so that an error stays an error, and the message is cut (Handler
// marks it "…[truncated from N bytes]"). Its Stats count the packets
// received, malformed and truncated, and those the kernel dropped because
// the receive buffer was full, which it also tells ServerOptions.Lost at
// most once a minute. Handler and LossLogger log what it hands on into a
// logger tree.
//
// # Caveats
//
// RFC 3164 timestamps carry no year and no zone: they are read as local
// time in the current year (the previous one for a date more than a day
// ahead). Structured data is kept as sent, not parsed into parameters.
//
// Kernel drops are counted on Linux only (SO_RXQ_OVFL), and learned with
// the next packet the socket receives. A unix socket's senders wait, or
// fail, rather than lose packets in the kernel. On Linux before 3.4 the
// size of a cut unix socket packet is not known: it is given as one byte
// over what was kept.
//
// Listen refuses a unix socket path where another process's socket
// answers (ErrInUse), and Close removes the socket file only while it is
// still the one Listen bound. Two servers that start at the same instant
// may still both find a stale file and race to replace it.
package syslog
