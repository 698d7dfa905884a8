// Package demo simulates a WebBrick-style gateway on a gwlog runtime: HTTP
// requests on the access logger, events on the event log (temperature
// readings, and a valve's digital output when it changes: by the
// thermostat, or by a request, which then lends the event its token), and
// debug chatter at several levels from several named loggers, so that
// every stream has something to show.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/levels"
)

// Options configure Run. The zero value means the defaults.
type Options struct {
	// Rate scales the pace: 1 (the default) is ten requests and four
	// temperature readings a second; a valve changes every few minutes,
	// or when a request switches it.
	Rate float64
	// Seed seeds the simulation; zero means a fixed seed.
	Seed uint64
}

// tick is the pace at Rate 1.
const tick = 100 * time.Millisecond

// The event types the demo writes.
const (
	// TypeTemperature is a reading: attrs val (float, °C) and unit "C".
	TypeTemperature = "webbrick/CT"
	// TypeValve is a valve's digital output changing: attrs zone (int)
	// and on (bool); its token is the request's when one switched it.
	TypeValve = "webbrick/DO"
)

var (
	paths   = []string{"/api/v1/status", "/api/v1/zones", "/api/v1/zones/3", "/panel/", "/events"}
	agents  = []string{"webbrick-panel/1.0", "curl/8.5.0", "Mozilla/5.0"}
	sources = []string{"wb/100/CT/1", "wb/100/CT/2", "wb/101/CT/1", "wb/102/CT/4"}
	// valves are the digital outputs of the zones, one per source:
	// zone i+1 is heated by valves[i] and measured by sources[i].
	valves = [...]string{"wb/100/DO/1", "wb/100/DO/2", "wb/101/DO/1", "wb/102/DO/4"}
)

// Thermostat: a zone calls for heat below setpoint-hysteresis and stops
// above setpoint+hysteresis; the setpoint of zone i+1 is setpoint0+i. The
// valve follows when the call changes, so a panel's switch holds until
// then.
const (
	setpoint0  = 19.5
	hysteresis = 1.0
)

// gateway is the simulated plant: the valves' states. It belongs to
// Run's goroutine.
type gateway struct {
	events *eventlog.Log
	on     [len(valves)]bool // the valves
	heat   [len(valves)]bool // the thermostat's calls for heat
}

// thermostat takes zone's reading v against its setpoint sp and switches
// the valve when the call for heat changes.
func (g *gateway) thermostat(zone int, v, sp float64) {
	heat := g.heat[zone-1]
	switch {
	case v < sp-hysteresis:
		heat = true
	case v > sp+hysteresis:
		heat = false
	}
	if heat != g.heat[zone-1] {
		g.heat[zone-1] = heat
		g.setValve(zone, heat, "")
	}
}

// setValve switches zone's valve (1-based) and writes the change as a
// TypeValve event with token, if it is a change.
func (g *gateway) setValve(zone int, on bool, token string) {
	if g.on[zone-1] == on {
		return
	}
	g.on[zone-1] = on
	g.events.Write(eventlog.Event{Type: TypeValve, Source: valves[zone-1], Token: token,
		Attrs: []eventlog.Attr{eventlog.IntAttr("zone", int64(zone)), eventlog.BoolAttr("on", on)}})
}

// Run simulates until ctx ends. It runs on the caller's goroutine and
// writes through rt, which must stay open until Run returns.
func Run(ctx context.Context, rt *gwlog.Runtime, o Options) {
	rate := o.Rate
	if rate <= 0 {
		rate = 1
	}
	seed := o.Seed
	if seed == 0 {
		seed = 1
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	httpLog := rt.Logger("WebBrickGateway.HTTP")
	heating := rt.Logger("WebBrickGateway.Heating")
	comms := rt.Logger("WebBrickGateway.Comms")
	g := &gateway{events: rt.Events()}
	mw, err := httplog.Middleware(rt, httplog.AccessOptions{})
	if err != nil {
		panic(err) // the default format compiles
	}
	api := mw(g.handler(httpLog, rng))

	t := time.NewTicker(time.Duration(float64(tick) / rate))
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			request(ctx, api, rng)
			if n%10 == 0 {
				for i, src := range sources {
					// A slow daily-ish swing with a little noise, per source.
					phase := float64(n)/600 + float64(i)
					sp := setpoint0 + float64(i)
					v := math.Round((sp+2.5*math.Sin(phase)+rng.NormFloat64()*0.1)*100) / 100
					g.events.Write(eventlog.Event{Type: TypeTemperature, Source: src,
						Attrs: []eventlog.Attr{eventlog.FloatAttr("val", v), eventlog.StringAttr("unit", "C")}})
					g.thermostat(i+1, v, sp)
				}
			}
			if n%5 == 0 {
				zone := 1 + rng.IntN(4)
				heating.Debug("pid loop", "zone", zone, "err", math.Round(rng.NormFloat64()*100)/100)
				heating.Info("valve position", "zone", zone, "open_pct", rng.IntN(101))
			}
			if n%50 == 25 {
				comms.Warn("slow response", "node", "wb/10"+fmt.Sprint(rng.IntN(4)), "ms", 400+rng.IntN(800))
			}
			if n%200 == 150 {
				comms.Error("lost contact", "node", "wb/103", "retry_in", "5s")
			}
		}
	}
}

// request makes one HTTP request of the gateway through its handler, in
// process: the access-log middleware writes its line and gives it its
// token.
func request(ctx context.Context, h http.Handler, rng *rand.Rand) {
	method, path := "GET", paths[rng.IntN(len(paths))]
	fault := false
	switch r := rng.IntN(100); {
	case r < 3:
		path = "/api/v1/nowhere"
	case r < 4:
		fault = true
	case r < 6:
		method, path = "PUT", fmt.Sprintf("/api/v1/zones/%d/valve", 1+rng.IntN(len(valves)))
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://gateway"+path, nil)
	if err != nil {
		return
	}
	req.RemoteAddr = fmt.Sprintf("127.0.0.1:%d", 40000+rng.IntN(20000))
	req.Header.Set("User-Agent", agents[rng.IntN(len(agents))])
	req.Header.Set("X-Request-ID", fmt.Sprintf("req-%08x", rng.Uint32())) // as the panel sends
	if fault {
		req.Header.Set(faultHeader, "1")
	}
	h.ServeHTTP(&response{header: http.Header{}}, req)
}

// faultHeader asks the simulated handler to fail, so that the demo shows
// errors.
const faultHeader = "X-Demo-Fault"

// handler is the gateway's HTTP API, simulated.
func (g *gateway) handler(httpLog *levels.Logger, rng *rand.Rand) http.Handler {
	body := make([]byte, 4096)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		start := time.Now()
		status := http.StatusOK
		switch {
		case r.Header.Get(faultHeader) != "":
			status = http.StatusInternalServerError
			httpLog.ErrorContext(ctx, "handler failed", "path", r.URL.Path, "err", "zone controller timeout")
			http.Error(w, "zone controller timeout", status)
		case r.Method == http.MethodPut:
			var zone int
			if _, err := fmt.Sscanf(r.URL.Path, "/api/v1/zones/%d/valve", &zone); err != nil || zone < 1 || zone > len(valves) {
				status = http.StatusNotFound
				http.NotFound(w, r)
				break
			}
			g.setValve(zone, !g.on[zone-1], levels.TokenFrom(ctx))
			status = http.StatusNoContent
			w.WriteHeader(status)
		case slices.Contains(paths, r.URL.Path):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body[:200+rng.IntN(len(body)-200)])
		default:
			status = http.StatusNotFound
			http.NotFound(w, r)
		}
		httpLog.DebugContext(ctx, "request handled", "path", r.URL.Path, "status", status, "latency_us", time.Since(start).Microseconds())
	})
}

// response is a ResponseWriter that keeps nothing.
type response struct{ header http.Header }

func (r *response) Header() http.Header         { return r.header }
func (r *response) Write(p []byte) (int, error) { return len(p), nil }
func (r *response) WriteHeader(int)             {}
