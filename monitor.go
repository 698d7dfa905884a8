package gwlog

import (
	"encoding/json"
	"time"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

// Monitor is the stream that gets the monitor line.
const Monitor = "monitor"

// monitorStream is the monitor stream of a config that asks for one and
// declares none: small, the line as it is.
func monitorStream() cfg.Stream {
	return cfg.Stream{Name: Monitor, Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 64 << 10}, Keep: 3, Format: "%(message)s"}
}

// MonitorLine is the JSON line written to the monitor stream every
// [runtime] monitor interval.
type MonitorLine struct {
	Time     time.Time                       `json:"time"`
	Interval float64                         `json:"interval_s"`
	Streams  map[string]MonitorStream        `json:"streams"`
	Events   MonitorStream                   `json:"events"`
	Forwards map[string]forward.Stats        `json:"forwards,omitempty"`
	Webhooks map[string]forward.WebhookStats `json:"webhooks,omitempty"`
	Shippers map[string]forward.ShipStats    `json:"shippers,omitempty"`
	// Syslog is the local syslog ingest's counters since it started, when
	// the runtime has one (Runtime.SetIngest).
	Syslog *syslog.Stats `json:"syslog,omitempty"`
}

// MonitorStream is one stream's (or the event ring's) share of a monitor
// line.
type MonitorStream struct {
	LinesPerSec float64 `json:"lines_per_s"`
	Bytes       int64   `json:"bytes"`
	Cap         int64   `json:"cap"`
	RingUse     float64 `json:"ring_use"` // Bytes / Cap
	Drops       uint64  `json:"drops"`
	Spilled     int64   `json:"spilled_bytes"` // to the store; 0 while none is wired
}

// monitor writes the monitor line every interval until Close.
func (rt *Runtime) monitor() {
	written := make(map[string]uint64)
	last := time.Now()
	d, _ := rt.interval(monitorEvery)
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-rt.stop:
			return
		case <-t.C:
		}
		var on bool
		if d, on = rt.interval(monitorEvery); on {
			now := time.Now()
			rt.writeMonitor(written, now.Sub(last))
			last = now
		}
		t.Reset(d)
	}
}

func monitorEvery(r cfg.Runtime) time.Duration { return r.Monitor }

// writeMonitor puts one line of counters on the monitor stream; written
// keeps each stream's total from the last line, for the rates.
func (rt *Runtime) writeMonitor(written map[string]uint64, interval time.Duration) {
	st := rt.Stats()
	secs := interval.Seconds()
	rate := func(name string, total uint64) float64 {
		prev, seen := written[name]
		written[name] = total
		if !seen || secs <= 0 {
			return 0
		}
		return float64(total-prev) / secs
	}
	m := MonitorLine{Time: time.Now().UTC(), Interval: secs, Streams: make(map[string]MonitorStream),
		Forwards: st.Forwards, Webhooks: st.Webhooks, Shippers: st.Shippers, Syslog: st.Syslog}
	for _, s := range st.Streams {
		m.Streams[s.Name] = MonitorStream{LinesPerSec: rate(s.Name, s.Written), Bytes: s.Bytes, Cap: s.Cap,
			RingUse: float64(s.Bytes) / float64(max(s.Cap, 1)), Drops: s.Drops}
	}
	m.Events = MonitorStream{LinesPerSec: rate("events", st.Events.Written), Bytes: st.Events.Bytes, Cap: st.Events.Cap,
		RingUse: float64(st.Events.Bytes) / float64(max(st.Events.Cap, 1)), Drops: st.Events.Evicted + st.Events.Dropped}
	line, err := json.Marshal(m)
	if err != nil {
		return
	}
	if s := rt.Stream(Monitor); s != nil {
		s.WriteLine(0, line)
	}
}
