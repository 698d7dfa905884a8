package forward

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

// Options configure a Forwarder. The zero value of each field but To and
// Streams means its default.
type Options struct {
	// Name names the destination in errors and stats.
	Name string
	// To is udp://HOST:PORT, tcp://HOST:PORT (RFC 6587 octet counting) or
	// unix:///PATH (a datagram socket).
	To string
	// Protocol is syslog.RFC5424 (the default) or syslog.RFC3164.
	Protocol syslog.Format
	// Facility is the syslog facility (default 1, user).
	Facility int
	// Severity is the severity of lines whose level cannot be read (the
	// default: 5, notice).
	Severity int
	// Level is the least level forwarded, read from each line by its
	// stream's pattern; lines whose level cannot be read are forwarded.
	// NOTSET forwards everything.
	Level levels.Level
	// Streams are forwarded, each from the moment Start is called.
	Streams []*ramlog.Stream
	// Scanners read each stream's lines (their level), one per stream in
	// the order of Streams, made from the stream's pattern; a missing or
	// nil one means the default pattern's.
	Scanners []*levels.Scanner
	// ReplayRate caps the lines sent per second (default 1000), so that
	// catching up after an outage does not flood the collector.
	ReplayRate int
	// Hostname is the message's HOSTNAME; empty means os.Hostname.
	Hostname string
	// Backoff is the first wait after a failure (default 100ms); it
	// doubles up to 30 times that.
	Backoff time.Duration
}

// Stats are a destination's counters.
type Stats struct {
	// Sent is the lines the collector accepted, as far as the transport
	// tells: a UDP datagram refused after it was counted is taken out
	// again until it is sent again.
	Sent uint64 `json:"sent"`
	// Lost is the lines that fell out of a ring before they could be
	// sent, and a refused UDP datagram not sent again before Close.
	Lost       uint64 `json:"lost"`
	Skipped    uint64 `json:"skipped"`    // lines below Level
	Failures   uint64 `json:"failures"`   // failed connects and writes
	Reconnects uint64 `json:"reconnects"` // connections made after the first
	// Lag is the lines written to the followed streams since Start that
	// are not handled yet (sent, skipped or lost): the queue's depth.
	Lag uint64 `json:"lag"`
}

// Forwarder sends streams' lines to one syslog collector. Each stream is
// followed by its own goroutine, so logging never waits for the network:
// the stream's ring is the queue. While the collector is away a stream's
// follower keeps its place in the ring, and it catches up when the
// collector returns, at ReplayRate; what the ring dropped meanwhile is
// counted as Lost.
type Forwarder struct {
	o      Options
	scheme string
	addr   string
	host   string
	pid    string

	mu       sync.Mutex // guards conn, sending and the datagrams below
	conn     net.Conn
	buf      []byte
	connects int
	// Over UDP a refusal comes back (ICMP) after the write returned and
	// fails the next write: doubt is the datagram last written on conn,
	// which such a refusal is about, and refused is a datagram refused
	// so, to be sent again before anything else.
	doubt, refused []byte

	sent, lost, skipped, failures, reconnects atomic.Uint64

	base    uint64 // lines written to the streams when Start was called
	handled atomic.Uint64

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// ErrAddress is returned for a To that is not udp://, tcp:// or unix://.
var ErrAddress = errors.New("forward: bad destination")

// Start begins forwarding; Close stops it.
func Start(o Options) (*Forwarder, error) {
	u, err := url.Parse(o.To)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrAddress, o.To, err)
	}
	f := &Forwarder{o: o, scheme: u.Scheme, pid: strconv.Itoa(os.Getpid())}
	switch u.Scheme {
	case "udp", "tcp":
		f.addr = u.Host
	case "unix":
		f.addr, f.scheme = u.Path, "unixgram"
	default:
		return nil, fmt.Errorf("%w %q: want udp://, tcp:// or unix://", ErrAddress, o.To)
	}
	if f.addr == "" {
		return nil, fmt.Errorf("%w %q: no address", ErrAddress, o.To)
	}
	if f.o.Facility == 0 {
		f.o.Facility = 1
	}
	if f.o.Severity == 0 {
		f.o.Severity = 5
	}
	if f.o.ReplayRate <= 0 {
		f.o.ReplayRate = 1000
	}
	if f.o.Backoff <= 0 {
		f.o.Backoff = 100 * time.Millisecond
	}
	f.host = o.Hostname
	if f.host == "" {
		f.host, _ = os.Hostname()
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	for i, s := range o.Streams {
		sc := scannerOf(o.Scanners, i)
		m := s.Mark() // from now on, whenever the follower gets going
		f.base += m.Written
		f.wg.Go(func() { f.follow(ctx, s, sc, m) })
	}
	return f, nil
}

// Close stops the followers and closes the connection. Lines not sent yet
// stay in their rings.
func (f *Forwarder) Close() error {
	f.cancel()
	f.wg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil && len(f.doubt) > 0 && f.refusedLater(time.Millisecond) != nil {
		f.lose()
	}
	if len(f.refused) > 0 {
		f.lost.Add(1) // handled when it was first sent
		f.refused = f.refused[:0]
	}
	f.drop()
	return nil
}

// Stats returns the destination's counters.
func (f *Forwarder) Stats() Stats {
	st := Stats{Sent: f.sent.Load(), Lost: f.lost.Load(), Skipped: f.skipped.Load(),
		Failures: f.failures.Load(), Reconnects: f.reconnects.Load()}
	st.Lag = lag(f.o.Streams, f.base+f.handled.Load())
	return st
}

// lag returns the lines written to streams beyond done, those handled
// since they were marked.
func lag(streams []*ramlog.Stream, done uint64) uint64 {
	var written uint64
	for _, s := range streams {
		written += s.Stats().Written
	}
	return written - min(written, done)
}

var missedPrefix = []byte("… ")

// follow forwards one stream, whose lines sc reads, until ctx ends.
func (f *Forwarder) follow(ctx context.Context, s *ramlog.Stream, sc *levels.Scanner, from ramlog.Mark) {
	next := time.Now()
	for line := range s.FollowFrom(ctx, from) {
		line = bytes.TrimSuffix(line, []byte{'\n'})
		if n, ok := missed(line); ok {
			f.lost.Add(n)
			f.handled.Add(n)
			continue
		}
		p := parseLine(sc, line)
		if p.known && p.level < f.o.Level {
			f.skipped.Add(1)
			f.handled.Add(1)
			continue
		}
		if !pace(ctx, &next, 1, f.o.ReplayRate) {
			return
		}
		sev := f.o.Severity
		if p.known {
			sev = p.level.Severity()
		}
		if !f.send(ctx, s.Name(), sev, line) {
			return
		}
		f.handled.Add(1)
	}
}

// missed reads the follower's "… N lines missed" line.
func missed(line []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(line, missedPrefix)
	if !ok || !bytes.HasSuffix(rest, []byte(" lines missed")) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(bytes.TrimSuffix(rest, []byte(" lines missed"))), 10, 64)
	return n, err == nil
}

// send delivers one line, retrying with backoff until it goes or ctx ends
// (it returns false then).
func (f *Forwarder) send(ctx context.Context, stream string, sev int, line []byte) bool {
	m := syslog.Message{Format: f.o.Protocol, Facility: f.o.Facility, Severity: sev, Time: time.Now(),
		Hostname: f.host, AppName: "gwlog", ProcID: f.pid, MsgID: stream, Msg: string(line)}
	backoff := f.o.Backoff
	for {
		if err := f.write(&m); err == nil {
			f.sent.Add(1)
			return true
		}
		f.failures.Add(1)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*f.o.Backoff)
	}
}

// write sends m on the connection, dialling first when there is none.
func (f *Forwarder) write(m *syslog.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil && f.scheme == "tcp" && closed(f.conn) {
		f.drop() // the collector went away: what is written now would be lost
	}
	if f.conn == nil {
		c, err := net.DialTimeout(f.scheme, f.addr, 5*time.Second)
		if err != nil {
			return err
		}
		if f.connects > 0 {
			f.reconnects.Add(1)
		}
		f.connects++
		f.conn = c
	}
	if len(f.refused) > 0 {
		if err := f.resend(); err != nil {
			f.drop()
			return err
		}
	}
	b := f.buf[:0]
	if f.scheme == "tcp" {
		b = append(b, "00000 "...) // room for the octet count
	}
	start := len(b)
	if m.Format == syslog.RFC3164 {
		b = syslog.AppendRFC3164(b, m)
	} else {
		b = syslog.AppendRFC5424(b, m)
	}
	if f.scheme == "tcp" {
		// RFC 6587 octet counting: "LEN SP MSG".
		n := strconv.AppendInt(nil, int64(len(b)-start), 10)
		b = append(n, append([]byte{' '}, b[start:]...)...)
	}
	f.buf = b[:0]
	_ = f.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := f.conn.Write(b); err != nil {
		if f.scheme == "udp" && refusal(err) && len(f.doubt) > 0 {
			f.lose() // this one was not sent: the kernel said the refusal instead
		}
		f.drop()
		return err
	}
	if f.scheme == "udp" {
		f.doubt = append(f.doubt[:0], b...)
	}
	return nil
}

// drop closes the connection. The datagram in doubt was written on it, so
// a refusal can no longer be told.
func (f *Forwarder) drop() {
	if f.conn != nil {
		f.conn.Close()
		f.conn = nil
	}
	f.doubt = f.doubt[:0]
}

// lose takes the datagram in doubt, which the collector refused, out of
// Sent and keeps it to be sent again.
func (f *Forwarder) lose() {
	f.refused, f.doubt = f.doubt, f.refused[:0]
	f.sent.Add(^uint64(0))
}

// resend sends the refused datagram again on a new connection and waits
// up to Backoff for a refusal of it: only when none comes is anything
// sent after it, so that the lines of an outage are not sent one by one
// into it.
func (f *Forwarder) resend() error {
	if _, err := f.conn.Write(f.refused); err != nil {
		return err
	}
	if err := f.refusedLater(f.o.Backoff); err != nil {
		return err
	}
	f.sent.Add(1)
	f.refused = f.refused[:0]
	return nil
}

// refusedLater waits up to d for a refusal of what was written on the
// connection and returns it, or nil. A collector never writes back, so a
// read ends in the deadline unless the kernel has an error to tell.
func (f *Forwarder) refusedLater(d time.Duration) error {
	_ = f.conn.SetReadDeadline(time.Now().Add(d))
	var one [1]byte
	if _, err := f.conn.Read(one[:]); err != nil && refusal(err) {
		return err
	}
	return nil
}

// refusal reports whether err is an ICMP refusal a UDP socket reports
// after the write it is about.
func refusal(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH)
}
