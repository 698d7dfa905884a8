package forward

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/internal/leakcheck"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// alertSink is a webhook's receiver: it keeps the alerts it is sent,
// leaving out probes, and answers 503 while fail is set.
type alertSink struct {
	t      *testing.T
	fail   atomic.Bool
	mu     sync.Mutex
	alerts []Alert
}

func (k *alertSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if k.fail.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var a Alert
	require.NoError(k.t, json.NewDecoder(r.Body).Decode(&a))
	assert.Equal(k.t, "application/json", r.Header.Get("Content-Type"))
	if strings.Contains(a.Line, "probe") {
		return
	}
	k.mu.Lock()
	k.alerts = append(k.alerts, a)
	k.mu.Unlock()
}

// got returns the alerts kept so far.
func (k *alertSink) got() []Alert {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.alerts)
}

// newMinute starts the webhook's next minute of its rate.
func newMinute(w *Webhook) {
	w.mu.Lock()
	w.window = time.Time{}
	w.mu.Unlock()
}

func TestWebhook(t *testing.T) {
	if testing.Short() {
		// Under qemu-user (the -short runs) testify's Eventually mostly
		// stalls here while the process idles: a goroutine dump shows it
		// waiting for a tick with no condition running, the webhook
		// waiting for lines and its HTTP connection idle. The webhook's
		// logic is the same on every architecture and runs natively.
		t.Skip("runs natively, not under -short")
	}
	leakcheck.Check(t, 5*time.Second)
	sink := &alertSink{t: t}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	s := stream(t, ramlog.Options{})
	var reported []error
	var rmu sync.Mutex
	w, err := StartWebhook(WebhookOptions{Name: "ops", URL: srv.URL, Streams: []*ramlog.Stream{s}, Rate: 5,
		OnError: func(err error) { rmu.Lock(); reported = append(reported, err); rmu.Unlock() }})
	require.NoError(t, err)
	defer w.Close()
	// Subscribe: a WARNING probe until one arrives.
	require.Eventually(t, func() bool {
		s.WriteLine(0, []byte("2026-11-21 10:00:00,000 WARNING app probe"))
		return w.Stats().Sent > 0
	}, 5*time.Second, 10*time.Millisecond, "%+v %v", w.Stats(), reported)
	// A new minute: the probes (several, on a slow machine) took from the
	// rate. Those still on their way are sent or limited meanwhile.
	time.Sleep(100 * time.Millisecond)
	newMinute(w)
	s.WriteLine(0, []byte("2026-11-21 10:00:01,000 INFO svc routine"))
	s.WriteLine(0, []byte("2026-11-21 10:00:02,000 ERROR svc valve stuck"))
	s.WriteLine(0, []byte("2026-11-21 10:00:03,000 ERROR gwlog webhook failing"))
	require.Eventually(t, func() bool { return len(sink.got()) > 0 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // room for a wrong second alert to show
	alerts := sink.got()
	require.Len(t, alerts, 1, "INFO is below the level; the runtime's own notes are not sent")
	assert.Equal(t, Alert{Stream: "error", Level: "ERROR", Line: "2026-11-21 10:00:02,000 ERROR svc valve stuck", Time: alerts[0].Time}, alerts[0])

	// Past the rate, alerts are counted and not sent.
	for range 10 {
		s.WriteLine(0, []byte("2026-11-21 10:00:04,000 CRITICAL svc storm"))
	}
	require.Eventually(t, func() bool { return w.Stats().Limited > 0 }, 5*time.Second, 10*time.Millisecond)
	storms := 0
	for _, a := range sink.got() {
		if strings.Contains(a.Line, "storm") {
			storms++
		}
	}
	assert.LessOrEqual(t, storms, 4, "within the rate of 5 a minute, with the alert before them")

	// A failing webhook is reported once, however often it fails.
	newMinute(w)
	sink.fail.Store(true)
	for range 3 {
		s.WriteLine(0, []byte("2026-11-21 10:00:05,000 ERROR svc more"))
	}
	require.Eventually(t, func() bool { return w.Stats().Failed >= 3 }, 5*time.Second, 10*time.Millisecond)
	rmu.Lock()
	assert.Len(t, reported, 1)
	assert.ErrorContains(t, reported[0], "webhook ops: answered 503 Service Unavailable")
	rmu.Unlock()

	_, err = StartWebhook(WebhookOptions{URL: "ftp://x"})
	assert.ErrorIs(t, err, ErrAddress)
}

// TestWebhookReadsByPattern: the level and logger of a line are read by
// its stream's pattern, here with the level last: a level name in a
// message is not an alert, and only the logger gwlog is the runtime's
// own, not a message naming it.
func TestWebhookReadsByPattern(t *testing.T) {
	alerts := alertsFor(t, "%(name)s: %(message)s [%(levelname)s]", "app: probe [WARNING]",
		"app: ERROR in a message [INFO]",
		"gwlog: webhook failing [ERROR]",
		"app: the gwlog daemon restarted [ERROR]")
	require.Len(t, alerts, 1)
	assert.Equal(t, "app: the gwlog daemon restarted [ERROR]", alerts[0].Line)
	assert.Equal(t, "ERROR", alerts[0].Level)
}

// TestWebhookWithoutLoggerName: a pattern without %(name)s cannot tell
// the runtime's notes from the gateway's lines; the note of a failing
// webhook is still known by its message, and a line naming gwlog alerts.
func TestWebhookWithoutLoggerName(t *testing.T) {
	alerts := alertsFor(t, "%(levelname)s %(message)s", "WARNING probe",
		"ERROR "+WebhookFailing+": webhook ops: 503 Service Unavailable",
		"ERROR the gwlog daemon restarted")
	require.Len(t, alerts, 1)
	assert.Equal(t, "ERROR the gwlog daemon restarted", alerts[0].Line)
}

// alertsFor starts a webhook on a stream of pattern, writes probe until
// an alert for it arrives, then writes lines and returns the alerts they
// gave, after a pause long enough for a wrong one to show.
func alertsFor(t *testing.T, pattern, probe string, lines ...string) []Alert {
	t.Helper()
	if testing.Short() {
		t.Skip("runs natively, not under -short (see TestWebhook)")
	}
	leakcheck.Check(t, 5*time.Second)
	sink := &alertSink{t: t}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	sc, err := levels.NewScanner(pattern, time.UTC)
	require.NoError(t, err)
	s := stream(t, ramlog.Options{})
	w, err := StartWebhook(WebhookOptions{Name: "ops", URL: srv.URL, Streams: []*ramlog.Stream{s},
		Scanners: []*levels.Scanner{sc}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	require.Eventually(t, func() bool {
		s.WriteLine(0, []byte(probe))
		return w.Stats().Sent > 0
	}, 5*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	newMinute(w)
	for _, l := range lines {
		s.WriteLine(0, []byte(l))
	}
	require.Eventually(t, func() bool { return len(sink.got()) > 0 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // room for a wrong second alert to show
	return sink.got()
}

// TestWebhookRefusesStreamWithoutLevel: a stream whose pattern has no
// level could never alert; the webhook refuses it, naming it.
func TestWebhookRefusesStreamWithoutLevel(t *testing.T) {
	sc, err := levels.NewScanner("%(asctime)s %(message)s", time.UTC)
	require.NoError(t, err)
	s := stream(t, ramlog.Options{})
	_, err = StartWebhook(WebhookOptions{URL: "http://127.0.0.1:9/hook", Streams: []*ramlog.Stream{s},
		Scanners: []*levels.Scanner{sc}})
	require.ErrorIs(t, err, ErrNoLevel)
	assert.Contains(t, err.Error(), "stream "+s.Name())
}
