// Package demo simulates a WebBrick-style gateway on a gwlog runtime: HTTP
// requests on the access logger, temperature events on the EventLog
// loggers, and debug chatter at several levels from several named
// loggers, so that every stream has something to show.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/levels"
)

// Options configure Run. The zero value means the defaults.
type Options struct {
	// Rate scales the pace: 1 (the default) is ten requests and four
	// temperature readings a second.
	Rate float64
	// Seed seeds the simulation; zero means a fixed seed.
	Seed uint64
}

// tick is the pace at Rate 1.
const tick = 100 * time.Millisecond

var (
	paths   = []string{"/api/v1/status", "/api/v1/zones", "/api/v1/zones/3", "/panel/", "/events"}
	agents  = []string{"webbrick-panel/1.0", "curl/8.5.0", "Mozilla/5.0"}
	sources = []string{"wb/100/CT/1", "wb/100/CT/2", "wb/101/CT/1", "wb/102/CT/4"}
)

// Run simulates until ctx ends.
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
	access := rt.Logger("access")
	httpLog := rt.Logger("WebBrickGateway.HTTP")
	heating := rt.Logger("WebBrickGateway.Heating")
	comms := rt.Logger("WebBrickGateway.Comms")
	ct := rt.Logger("EventLog.webbrick.CT")

	t := time.NewTicker(time.Duration(float64(tick) / rate))
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			request(ctx, access, httpLog, rng, now)
			if n%10 == 0 {
				for i, src := range sources {
					// A slow daily-ish swing with a little noise, per source.
					phase := float64(n)/600 + float64(i)
					v := 19.5 + float64(i) + 2.5*math.Sin(phase) + rng.NormFloat64()*0.1
					ct.Info("webbrick/CT "+src, "val", math.Round(v*100)/100, "unit", "C")
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

// request writes one access line, Apache combined format, and the
// handler's detail at DEBUG.
func request(ctx context.Context, access, httpLog *levels.Logger, rng *rand.Rand, now time.Time) {
	path := paths[rng.IntN(len(paths))]
	status, size := 200, 200+rng.IntN(4000)
	switch r := rng.IntN(100); {
	case r < 3:
		status, size = 404, 0
	case r < 4:
		status, size = 500, 0
	}
	token := fmt.Sprintf("req-%08x", rng.Uint32())
	ctx = levels.WithToken(ctx, token)
	access.InfoContext(ctx, fmt.Sprintf(`127.0.0.1 - - [%s] "GET %s HTTP/1.1" %d %d "-" "%s"`,
		now.Format("02/Jan/2006:15:04:05 -0700"), path, status, size, agents[rng.IntN(len(agents))]))
	httpLog.DebugContext(ctx, "request handled", "path", path, "status", status, "latency_us", 200+rng.IntN(5000))
	if status == 500 {
		httpLog.ErrorContext(ctx, "handler failed", "path", path, "err", "zone controller timeout")
	}
}
