package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// WebhookOptions configure a Webhook. The zero value of each field but URL
// and Streams means its default.
type WebhookOptions struct {
	// Name names the destination in stats and error reports.
	Name string
	// URL receives the alerts: http:// or https://.
	URL string
	// Level is the least level sent (default WARNING), read from each
	// line by its stream's pattern; lines of another shape are not sent.
	Level levels.Level
	// Streams are watched from the moment Start is called.
	Streams []*ramlog.Stream
	// Scanners read each stream's lines (their level and logger), as
	// Options.Scanners. A stream whose pattern has no level could never
	// alert: StartWebhook refuses it (ErrNoLevel).
	Scanners []*levels.Scanner
	// Rate caps the alerts per minute (default 60); the ones over it are
	// counted as Limited, not queued: an alert storm must not become a
	// flood of requests.
	Rate int
	// FailSilent keeps failures out of OnError; they are still counted.
	FailSilent bool
	// OnError hears of a failing webhook: once when it starts failing,
	// then at most once a minute while it goes on. It must not block.
	OnError func(error)
	// Client sends the requests; nil means one with a 10 s timeout.
	Client *http.Client
}

// Alert is the JSON body of a webhook request.
type Alert struct {
	Stream string    `json:"stream"`
	Level  string    `json:"level"`
	Line   string    `json:"line"`
	Time   time.Time `json:"time"` // when gwlog sent it
	Source string    `json:"source,omitempty"`
}

// WebhookStats are a webhook's counters.
type WebhookStats struct {
	Sent     uint64 `json:"sent"`
	Failed   uint64 `json:"failed"`  // alerts whose request failed or was refused
	Limited  uint64 `json:"limited"` // alerts over the rate, not sent
	Lost     uint64 `json:"lost"`    // lines that fell out of a ring unseen
	Received uint64 `json:"-"`
}

// Webhook POSTs lines at WARNING and above as JSON alerts, rate-limited.
// Like Forwarder it follows the streams, so logging never waits for it.
type Webhook struct {
	o       WebhookOptions
	client  *http.Client
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex // guards the rate window and error reports
	window  time.Time
	count   int
	failing bool
	told    time.Time

	sent, failed, limited, lost atomic.Uint64
}

// ErrNoLevel is returned by StartWebhook for a stream whose pattern has
// no %(levelname)s or %(levelno)d (where a Scanner finds it): no line of
// it could be told to be at the webhook's level.
var ErrNoLevel = errors.New("forward: the stream's format has no level")

// WebhookFailing is the message of the runtime's note of a failing
// webhook: a webhook does not alert on it, nor on any other line of the
// logger "gwlog", which would feed its failure back into itself.
const WebhookFailing = "webhook failing"

// StartWebhook begins watching; Close stops it.
func StartWebhook(o WebhookOptions) (*Webhook, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w %q: want an http:// or https:// URL", ErrAddress, o.URL)
	}
	for i, s := range o.Streams {
		if scannerOf(o.Scanners, i).Finds()&levels.FoundLevel == 0 {
			return nil, fmt.Errorf("%w: stream %s", ErrNoLevel, s.Name())
		}
	}
	w := &Webhook{o: o, client: o.Client}
	if w.o.Level == levels.NOTSET {
		w.o.Level = levels.WARNING
	}
	if w.o.Rate <= 0 {
		w.o.Rate = 60
	}
	if w.client == nil {
		w.client = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	for i, s := range o.Streams {
		sc := scannerOf(o.Scanners, i)
		w.wg.Go(func() { w.follow(ctx, s, sc) })
	}
	return w, nil
}

// Close stops watching and waits for requests under way.
func (w *Webhook) Close() error {
	w.cancel()
	w.wg.Wait()
	return nil
}

// Stats returns the webhook's counters.
func (w *Webhook) Stats() WebhookStats {
	return WebhookStats{Sent: w.sent.Load(), Failed: w.failed.Load(), Limited: w.limited.Load(), Lost: w.lost.Load()}
}

// follow watches one stream, whose lines sc reads, until ctx ends.
func (w *Webhook) follow(ctx context.Context, s *ramlog.Stream, sc *levels.Scanner) {
	for line := range s.Follow(ctx) {
		line = bytes.TrimSuffix(line, []byte{'\n'})
		if n, ok := missed(line); ok {
			w.lost.Add(n)
			continue
		}
		p := parseLine(sc, line)
		if !p.known || p.level < w.o.Level || fromGwlog(line, &p) {
			continue
		}
		if !w.admit() {
			w.limited.Add(1)
			continue
		}
		w.post(ctx, Alert{Stream: s.Name(), Level: p.level.String(), Line: string(line), Time: time.Now()})
	}
}

// fromGwlog reports whether the line, read into p, is one of the
// runtime's own notes (logger "gwlog"), which include reports of this
// webhook failing: sending those would feed a failure back into itself.
// A pattern without the logger's name cannot tell the runtime's notes:
// only the note of a failing webhook is known then, by its message.
func fromGwlog(line []byte, p *parsed) bool {
	if p.logger != [2]int32{} {
		return string(line[p.logger[0]:p.logger[1]]) == "gwlog"
	}
	return bytes.Contains(line, []byte(WebhookFailing))
}

// admit applies the rate: Rate alerts per minute window.
func (w *Webhook) admit() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	if now.Sub(w.window) >= time.Minute {
		w.window, w.count = now, 0
	}
	if w.count >= w.o.Rate {
		return false
	}
	w.count++
	return true
}

func (w *Webhook) post(ctx context.Context, a Alert) {
	body, _ := json.Marshal(a)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.o.URL, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		var resp *http.Response
		if resp, err = w.client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode >= 300 {
				err = fmt.Errorf("answered %s", resp.Status)
			}
		}
	}
	if err == nil {
		w.sent.Add(1)
		w.mu.Lock()
		w.failing = false
		w.mu.Unlock()
		return
	}
	if ctx.Err() != nil {
		return // closing
	}
	w.failed.Add(1)
	w.report(fmt.Errorf("webhook %s: %w", w.o.Name, err))
}

// report tells OnError of a failure when it starts, then at most once a
// minute.
func (w *Webhook) report(err error) {
	if w.o.FailSilent || w.o.OnError == nil {
		return
	}
	w.mu.Lock()
	now := time.Now()
	tell := !w.failing || now.Sub(w.told) >= time.Minute
	w.failing = true
	if tell {
		w.told = now
	}
	w.mu.Unlock()
	if tell {
		w.o.OnError(err)
	}
}
