package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// SendOptions configure Send. The zero value of each field but Addr means
// its default.
type SendOptions struct {
	// Addr is the collector's UDP address, "127.0.0.1:PORT". Only
	// loopback addresses are accepted: the benchmarks never send beyond
	// this machine.
	Addr string
	// Senders is the number of sending goroutines, each with its own
	// socket (default 1).
	Senders int
	// Count is the number of messages sent in all; zero means no bound
	// but Duration. One of Count and Duration must be set.
	Count int
	// Duration bounds the sending time; zero means no bound but Count.
	Duration time.Duration
	// Rate is the messages per second of all senders together; zero sends
	// as fast as the sockets take them.
	Rate int
	// Apps is the number of distinct app names (default 4): app0, app1, …
	// become the loggers syslog.app0, syslog.app1, … of the ingest.
	Apps int
	// Errors puts one message in Errors at severity err (3) instead of
	// info, notice or warning; zero means none.
	Errors int
}

// SendStats are what Send did.
type SendStats struct {
	Sent     uint64    `json:"sent"`     // messages the sockets took
	Failures uint64    `json:"failures"` // writes that failed (ECONNREFUSED before the collector listens)
	Start    time.Time `json:"start"`    // the first write
	End      time.Time `json:"end"`      // after the last write
}

// ErrNotLoopback is returned by Send for an address beyond loopback.
var ErrNotLoopback = errors.New("bench: send: only loopback addresses are used")

// Send sends syslog messages over UDP to o.Addr until o.Count are sent,
// o.Duration has passed or ctx ends. The messages alternate between RFC
// 5424 and RFC 3164 (with and without HOSTNAME, as local senders write
// it) and between o.Apps app names; each carries its sequence number.
// Send is safe for concurrent use; each call has its own sockets.
func Send(ctx context.Context, o SendOptions) (SendStats, error) {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return SendStats{}, fmt.Errorf("bench: send: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return SendStats{}, fmt.Errorf("%w: %q", ErrNotLoopback, o.Addr)
	}
	if o.Count <= 0 && o.Duration <= 0 {
		return SendStats{}, errors.New("bench: send: want a Count or a Duration")
	}
	o.Senders = max(o.Senders, 1)
	if o.Apps <= 0 {
		o.Apps = 4
	}
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	conns := make([]net.Conn, o.Senders)
	for i := range conns {
		c, err := net.Dial("udp", o.Addr)
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return SendStats{}, fmt.Errorf("bench: send: %w", err)
		}
		conns[i] = c
	}
	var (
		st       SendStats
		next     atomic.Int64 // hands out sequence numbers, from 1
		sent     atomic.Uint64
		failures atomic.Uint64
		wg       sync.WaitGroup
	)
	st.Start = time.Now()
	for i, c := range conns {
		wg.Go(func() {
			defer c.Close()
			var perSender float64
			if o.Rate > 0 {
				perSender = float64(o.Rate) / float64(o.Senders)
			}
			s := sender{o: o, id: i}
			var mine int64
			for ctx.Err() == nil {
				if perSender > 0 {
					// Paced: catch up with the schedule, then sleep.
					due := int64(perSender * time.Since(st.Start).Seconds())
					if mine >= due {
						time.Sleep(time.Millisecond)
						continue
					}
				}
				seq := next.Add(1)
				if o.Count > 0 && seq > int64(o.Count) {
					return
				}
				mine++
				if _, err := c.Write(s.packet(seq)); err != nil {
					failures.Add(1)
					continue
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	st.End = time.Now()
	st.Sent, st.Failures = sent.Load(), failures.Load()
	return st, nil
}

// sender makes one goroutine's packets.
type sender struct {
	o     SendOptions
	id    int
	buf   []byte
	now   time.Time
	stamp [2][]byte // RFC 5424's and RFC 3164's timestamps of now
	n     int
}

// severities are the severities of the messages: info, notice, warning,
// info; each is INFO or WARNING in gwlog, kept by the disk profile.
var severities = [...]int{6, 5, 4, 6}

// facilities are user, daemon and local0.
var facilities = [...]int{1, 3, 16}

// packet returns message seq, valid until the next call.
func (s *sender) packet(seq int64) []byte {
	if s.n%1024 == 0 {
		// Timestamps as a sender writes them, refreshed every 1024
		// messages rather than formatted for each.
		s.now = time.Now()
		s.stamp[0] = s.now.UTC().AppendFormat(s.stamp[0][:0], "2006-01-02T15:04:05.000000Z07:00")
		s.stamp[1] = s.now.AppendFormat(s.stamp[1][:0], time.Stamp)
	}
	s.n++
	sev := severities[seq%int64(len(severities))]
	if s.o.Errors > 0 && seq%int64(s.o.Errors) == 0 {
		sev = 3
	}
	pri := facilities[seq%int64(len(facilities))]*8 + sev
	app := seq % int64(s.o.Apps)
	b := append(s.buf[:0], '<')
	b = strconv.AppendInt(b, int64(pri), 10)
	b = append(b, '>')
	switch seq % 4 {
	case 0, 1: // <PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG
		b = append(b, "1 "...)
		b = append(b, s.stamp[0]...)
		b = append(b, " gw01 app"...)
		b = strconv.AppendInt(b, app, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(1000+s.id), 10)
		b = append(b, " poll - "...)
	case 2: // <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG
		b = append(b, s.stamp[1]...)
		b = append(b, " gw01 app"...)
		b = strconv.AppendInt(b, app, 10)
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(1000+s.id), 10)
		b = append(b, "]: "...)
	case 3: // <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG, as logger(1) and busybox write
		b = append(b, s.stamp[1]...)
		b = append(b, " app"...)
		b = strconv.AppendInt(b, app, 10)
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(1000+s.id), 10)
		b = append(b, "]: "...)
	}
	b = append(b, "sensor poll done zone=3 temp=21.5 valve=open seq="...)
	b = strconv.AppendInt(b, seq, 10)
	s.buf = b
	return b
}
