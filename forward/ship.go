package forward

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// The kinds of Shipper.
const (
	Loki   = "loki"   // Loki push API, JSON, gzip
	OTLP   = "otlp"   // OpenTelemetry logs over HTTP, protobuf, gzip
	Influx = "influx" // InfluxDB line protocol, events only
)

// ShipOptions configure a Shipper. The zero value of each field but Kind,
// URL and Streams (or Events) means its default.
type ShipOptions struct {
	// Name names the destination in errors and stats.
	Name string
	// Kind is Loki, OTLP or Influx.
	Kind string
	// URL is the endpoint, http:// or https://; a URL without a path
	// gets the kind's usual one (/loki/api/v1/push, /v1/logs, /write).
	URL string
	// Token is sent as "Authorization: Bearer TOKEN"; it is never
	// printed.
	Token string
	// CA is a PEM file of the roots an https:// URL is checked against;
	// empty means the system's.
	CA string
	// Gateway names this gateway in labels, resource attributes and tags;
	// empty means os.Hostname.
	Gateway string
	// Labels are Loki labels beyond gateway and stream: "level" and
	// "logger"; nil means "level".
	Labels []string
	// Level is the least level shipped, read from each line's level
	// name; lines without one are shipped.
	Level levels.Level
	// Streams are shipped (Loki and OTLP), each from the moment Start is
	// called.
	Streams []*ramlog.Stream
	// Scanners read each stream's lines (their time, level, logger and
	// token), in the order of Streams: the scanner of the stream's
	// formatter. A stream without one (nil, or past the end) is read as
	// the default pattern writes.
	Scanners []*levels.Scanner
	// Events is the event log shipped (Influx), from its last Seq when
	// Start is called; EventTypes are the type prefixes shipped, nil
	// meaning all.
	Events     *eventlog.Log
	EventTypes []string
	// Budget is the bytes on the wire allowed per BudgetPeriod; 0 means
	// no budget. Past it only lines at BudgetLevel and above are sent,
	// and the rest wait in the ring for the next period.
	Budget       int64
	BudgetPeriod time.Duration // default 24h
	BudgetLevel  levels.Level  // default ERROR
	// ReplayRate caps the lines (or events) sent per second (default
	// 10000), so that catching up after an outage does not flood the
	// database or the link.
	ReplayRate int
	// BatchBytes is the most bytes of lines in one request (default
	// 256 KiB); BatchWait the longest a line waits to be sent with others
	// (default 1s).
	BatchBytes int
	BatchWait  time.Duration
	// Backoff is the first wait after a failure (default 1s); it doubles
	// up to 60 times that.
	Backoff time.Duration
	// OnError hears of failures: each new kind of error once (a rejected
	// batch, a database gone), not every retry. It must not block.
	OnError func(error)
	// Now is the clock of budget periods; nil means time.Now.
	Now func() time.Time
	// Client sends the requests; nil means one with a 30 s timeout.
	Client *http.Client
}

// ShipStats are a Shipper's counters.
type ShipStats struct {
	Kind string `json:"type"`
	// Sent is the lines (events for influx) the database accepted.
	Sent uint64 `json:"sent"`
	// HeldBack is the lines over the budget waiting in the ring for the
	// next period.
	HeldBack uint64 `json:"held_back"`
	// Lost is the lines that fell out of a ring before they were sent.
	Lost uint64 `json:"lost"`
	// Rejected is the lines of batches the database refused for good (a
	// 4xx other than 408 and 429): counted and skipped.
	Rejected uint64 `json:"rejected"`
	Skipped  uint64 `json:"skipped"`  // lines below Level
	Failures uint64 `json:"failures"` // requests that failed and were retried
	Requests uint64 `json:"requests"` // requests accepted
	Bytes    uint64 `json:"bytes"`    // bytes on the wire accepted, bodies compressed
	// Spend is the bytes of the current budget period; Budget the
	// allowance (0: none).
	Spend  int64 `json:"spend"`
	Budget int64 `json:"budget,omitempty"`
	// Lag is what is written but not handled yet: the queue's depth.
	Lag       uint64 `json:"lag"`
	LastError string `json:"last_error,omitempty"`
}

// Shipper sends lines to a log database (Loki, OTLP) or events to a
// time-series database (Influx) in batches over HTTP. Like Forwarder it
// follows the rings, which are its queue: while the database is away each
// follower keeps its place, and it catches up at ReplayRate when the
// database returns. Safe for concurrent use.
type Shipper struct {
	o      ShipOptions
	url    string
	client *http.Client
	gzip   sync.Pool

	sent, lost, rejected, skipped, failures, requests, bytes atomic.Uint64

	// Lines and events over the budget waiting for the next period: the
	// sum of the followers' held lines, and the events.
	heldLines, heldEvents atomic.Uint64

	mu      sync.Mutex // guards the budget period and the error
	period  time.Time  // start of the current budget period
	spend   int64
	lastErr string
	told    string // the kind of error last told to OnError

	base    uint64 // lines written to the streams when Start was called
	handled atomic.Uint64
	seq     atomic.Uint64 // the last event handled

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// ErrRejected is returned for a batch the database refused for good.
var ErrRejected = errors.New("forward: batch rejected")

// ErrCA is returned by StartShip for a CA file that cannot be read or
// holds no certificate.
var ErrCA = errors.New("forward: bad ca file")

// StartShip begins shipping; Close stops it.
func StartShip(o ShipOptions) (*Shipper, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w %q: want an http:// or https:// URL", ErrAddress, o.URL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = map[string]string{Loki: "/loki/api/v1/push", OTLP: "/v1/logs", Influx: "/write"}[o.Kind]
	}
	switch o.Kind {
	case Loki, OTLP:
	case Influx:
		if o.Events == nil {
			return nil, fmt.Errorf("forward: %s: influx ships events and there is no event log", o.Name)
		}
	default:
		return nil, fmt.Errorf("forward: %s: unknown type %q", o.Name, o.Kind)
	}
	s := &Shipper{o: o, url: u.String(), client: o.Client}
	s.o.Gateway = cmp.Or(s.o.Gateway, hostname())
	if s.o.Labels == nil {
		s.o.Labels = []string{"level"}
	}
	s.o.BudgetPeriod = cmp.Or(s.o.BudgetPeriod, 24*time.Hour)
	s.o.BudgetLevel = cmp.Or(s.o.BudgetLevel, levels.ERROR)
	s.o.ReplayRate = cmp.Or(max(s.o.ReplayRate, 0), 10000)
	s.o.BatchBytes = cmp.Or(max(s.o.BatchBytes, 0), 256<<10)
	s.o.BatchWait = cmp.Or(max(s.o.BatchWait, 0), time.Second)
	s.o.Backoff = cmp.Or(max(s.o.Backoff, 0), time.Second)
	if s.o.Now == nil {
		s.o.Now = time.Now
	}
	if s.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if o.CA != "" {
			pem, err := os.ReadFile(o.CA)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrCA, err)
			}
			roots := x509.NewCertPool()
			if !roots.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w %s: no PEM certificate in it", ErrCA, o.CA)
			}
			t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		}
		s.client = &http.Client{Timeout: 30 * time.Second, Transport: t}
	}
	s.period = s.periodOf(s.o.Now())
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if o.Kind == Influx {
		s.seq.Store(o.Events.Stats().LastSeq)
		s.wg.Go(func() { s.followEvents(ctx) })
		return s, nil
	}
	for i, st := range o.Streams {
		sc := scannerOf(o.Scanners, i)
		m := st.Mark()
		s.base += m.Written
		s.wg.Go(func() { s.followLines(ctx, st, sc, m) })
	}
	return s, nil
}

func hostname() string {
	h, _ := os.Hostname()
	return cmp.Or(h, "gateway")
}

// Close stops the followers, abandoning a request under way, and closes
// the idle connections; lines not sent stay in their rings.
func (s *Shipper) Close() error {
	s.cancel()
	s.wg.Wait()
	s.client.CloseIdleConnections()
	return nil
}

// Stats returns the destination's counters.
func (s *Shipper) Stats() ShipStats {
	st := ShipStats{Kind: s.o.Kind, Sent: s.sent.Load(), Lost: s.lost.Load(), Rejected: s.rejected.Load(),
		Skipped: s.skipped.Load(), Failures: s.failures.Load(), Requests: s.requests.Load(), Bytes: s.bytes.Load(),
		Budget: s.o.Budget, HeldBack: s.heldLines.Load() + s.heldEvents.Load()}
	s.mu.Lock()
	s.roll()
	st.Spend, st.LastError = s.spend, s.lastErr
	s.mu.Unlock()
	if s.o.Kind == Influx {
		if last := s.o.Events.Stats().LastSeq; last > s.seq.Load() {
			st.Lag = last - s.seq.Load()
		}
		return st
	}
	st.Lag = lag(s.o.Streams, s.base+s.handled.Load())
	return st
}

// periodOf returns the start of the budget period that holds t: days
// begin at local midnight, shorter periods on their multiples.
func (s *Shipper) periodOf(t time.Time) time.Time {
	if s.o.BudgetPeriod%(24*time.Hour) == 0 {
		y, m, d := t.Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
		days := int(s.o.BudgetPeriod / (24 * time.Hour))
		return day.AddDate(0, 0, -(day.YearDay()-1)%days)
	}
	return t.Truncate(s.o.BudgetPeriod)
}

// roll starts a new budget period when the clock has passed into one;
// s.mu is held. It reports whether it did.
func (s *Shipper) roll() bool {
	if p := s.periodOf(s.o.Now()); p.After(s.period) {
		s.period, s.spend = p, 0
		return true
	}
	return false
}

// overBudget reports whether the period's budget is spent, and the period
// it is about.
func (s *Shipper) overBudget() (bool, time.Time) {
	if s.o.Budget <= 0 {
		return false, time.Time{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll()
	return s.spend >= s.o.Budget, s.period
}

// newPeriod reports whether the budget period p is over.
func (s *Shipper) newPeriod(p time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll()
	return s.period.After(p)
}

// say records err as the last error and tells OnError when it is a new
// kind of error.
func (s *Shipper) say(kind string, err error) {
	s.mu.Lock()
	s.lastErr = err.Error()
	tell := s.told != kind
	s.told = kind
	s.mu.Unlock()
	if tell && s.o.OnError != nil {
		s.o.OnError(err)
	}
}

// ok notes a request accepted: the next failure is told again.
func (s *Shipper) ok(body int) {
	s.requests.Add(1)
	s.bytes.Add(uint64(body))
	s.mu.Lock()
	s.spend += int64(body)
	s.told = ""
	s.mu.Unlock()
}

// post sends one body (gzipped unless influx's plain text is smaller to
// build) until the database accepts or rejects it for good, or ctx ends.
// It returns ErrRejected for a batch refused for good, ctx's error when
// closing.
func (s *Shipper) post(ctx context.Context, contentType string, body []byte, lines int) error {
	backoff := s.o.Backoff
	for {
		wait, err := s.try(ctx, contentType, body)
		if err == nil {
			s.ok(len(body))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrRejected) {
			s.rejected.Add(uint64(lines))
			s.say("rejected", fmt.Errorf("forward %s: %d lines dropped: %w", s.o.Name, lines, err))
			return err
		}
		s.failures.Add(1)
		s.say("failing", fmt.Errorf("forward %s: retrying: %w", s.o.Name, err))
		if wait <= 0 {
			wait = backoff
			backoff = min(2*backoff, 60*s.o.Backoff)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// maxRetryAfter bounds the wait a database may ask for.
const maxRetryAfter = 10 * time.Minute

// try makes one request. A refusal to retry later comes with the wait
// the database asked for (Retry-After), or 0.
func (s *Shipper) try(ctx context.Context, contentType string, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Content-Encoding", "gzip")
	if s.o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.o.Token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return 0, nil
	}
	err = fmt.Errorf("%s answered %s: %s", req.URL.Redacted(), resp.Status, strings.TrimSpace(string(msg)))
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		d, _ := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return min(d, maxRetryAfter), err
	case code == http.StatusRequestTimeout || code >= 500:
		return 0, err
	}
	return 0, fmt.Errorf("%w: %w", ErrRejected, err)
}

// ParseRetryAfter reads a Retry-After header: a number of seconds or an
// HTTP date (after now). An empty, negative or unreadable value is 0 and
// false.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// gzipInto compresses b into dst.
func (s *Shipper) gzipInto(dst *bytes.Buffer, b []byte) {
	dst.Reset()
	zw, _ := s.gzip.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(dst, gzip.DefaultCompression)
	} else {
		zw.Reset(dst)
	}
	zw.Write(b)
	zw.Close()
	s.gzip.Put(zw)
}

// pace sleeps so that n more lines keep to rate a second, next being
// when the next may go; false when ctx ended first. After a lull it
// allows a burst of at most a second's worth.
func pace(ctx context.Context, next *time.Time, n, rate int) bool {
	if wait := time.Until(*next); wait > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
	if floor := time.Now().Add(-time.Second); next.Before(floor) {
		*next = floor
	}
	*next = next.Add(time.Duration(n) * time.Second / time.Duration(rate))
	return true
}

// wanted reports whether the event type is shipped.
func (s *Shipper) wanted(typ string) bool {
	return len(s.o.EventTypes) == 0 || slices.ContainsFunc(s.o.EventTypes, func(p string) bool { return strings.HasPrefix(typ, p) })
}
