// Package daemon is gwlogd: a gwlog runtime with its read-back HTTP API,
// an optional demo gateway, and a clean stop.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/internal/demo"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/syslog"
)

// DefaultHTTP is the address of the read-back API.
const DefaultHTTP = "127.0.0.1:8514"

// ErrUsage is returned for a bad command line or config: exit code 2.
var ErrUsage = errors.New("usage")

// Config is what gwlogd's flags set. The zero value means the defaults.
type Config struct {
	// HTTP is the read-back API's address; "" means DefaultHTTP, "none"
	// turns it off. Only loopback addresses are accepted.
	HTTP string
	// Demo runs the simulated gateway.
	Demo bool
	// Demo configures it.
	DemoOptions demo.Options
	// Options configure the runtime.
	Options gwlog.Options
	// Syslog is the UDP address of the local syslog ingest, loopback only;
	// empty means none.
	Syslog string
	// SyslogSocket is the path of its unix datagram socket ("/dev/log"
	// when root); empty means none.
	SyslogSocket string
	// Ready, when set, is called with the API's bound address once it
	// serves (tests listen on port 0).
	Ready func(addr string)
	// SyslogReady, when set, is called with the ingest's UDP address.
	SyslogReady func(addr string)
	// Reload receives a value for every reload request (SIGHUP).
	Reload <-chan struct{}
}

// Run runs the daemon until ctx ends, then stops the demo and the API,
// flushes and closes the runtime, and returns nil.
func Run(ctx context.Context, c Config) error {
	rt, err := gwlog.Open(c.Options)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	defer rt.Close()
	limitMemory(rt)
	screen := rt.Logger(gwlog.ScreenLogger)
	screen.Info("gwlogd starting", "pid", os.Getpid(), "profile", rt.Config().Runtime.Profile,
		"configs", len(c.Options.Configs), "ram_cap", rt.Stats().RAMCap, "demo", c.Demo)

	var wg sync.WaitGroup
	stop := func() {}
	if c.HTTP != "none" {
		addr := c.HTTP
		if addr == "" {
			addr = DefaultHTTP
		}
		if err := loopback(addr); err != nil {
			screen.Error("gwlogd cannot start", "err", err)
			return err
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			screen.Error("gwlogd cannot start", "err", err)
			return fmt.Errorf("http: %w", err)
		}
		// Requests live in base, so that stopping ends live followers
		// instead of waiting for them.
		base, cancelBase := context.WithCancel(context.Background())
		srv := &http.Server{
			Handler:           rt.HTTPHandler(),
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return base },
		}
		wg.Go(func() { _ = srv.Serve(ln) })
		stop = func() {
			cancelBase()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}
		screen.Info("serving the read-back API", "addr", "http://"+ln.Addr().String())
		if c.Ready != nil {
			c.Ready(ln.Addr().String())
		}
	}
	if c.Syslog != "" || c.SyslogSocket != "" {
		srv, err := syslog.Listen(syslog.ServerOptions{UDP: c.Syslog, Unix: c.SyslogSocket, Handle: ingest(rt)})
		if err != nil {
			screen.Error("gwlogd cannot start", "err", err)
			stop()
			wg.Wait()
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		defer srv.Close()
		if a := srv.UDPAddr(); a != nil {
			screen.Info("syslog ingest", "udp", a.String(), "socket", c.SyslogSocket)
			if c.SyslogReady != nil {
				c.SyslogReady(a.String())
			}
		}
	}
	dctx, cancelDemo := context.WithCancel(ctx)
	defer cancelDemo()
	if c.Demo {
		wg.Go(func() { demo.Run(dctx, rt, c.DemoOptions) })
	}
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-c.Reload:
			// A failure is on the error stream with its file:line
			// already; the console says so at WARNING, which keeps it
			// out of the error stream a second time.
			if err := rt.Reload(); err != nil {
				screen.Warn("config reload failed, running config kept", "err", err)
			} else {
				limitMemory(rt)
				screen.Info("config reloaded", "files", len(c.Options.Configs))
			}
		}
	}
	cancelDemo()
	stop()
	wg.Wait()
	var drops uint64
	for _, s := range rt.Stats().Streams {
		drops += s.Drops
	}
	screen.Info("gwlogd stopping", "drops", drops)
	return nil
}

// memoryHeadroom is what gwlogd may use beside its rings before the Go
// collector works harder: measured under qemu-arm with the demo at 1000
// requests a second, the process stays within its rings plus 11 MiB.
const memoryHeadroom = 8 << 20

// limitMemory sets the Go memory limit to the rings plus headroom, unless
// GOMEMLIMIT says otherwise. The rings are long-lived heap: without a
// limit the collector lets garbage grow as large as they are before it
// runs, and a gateway's RAM is small.
func limitMemory(rt *gwlog.Runtime) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(rt.Stats().RAMUsed + memoryHeadroom)
}

// ingest logs syslog packets into the tree: app name → logger
// syslog.<app>, severity → level, host, pid and msgid as attrs. A
// malformed or oversized packet is kept as a raw line on the logger
// "syslog", at WARNING.
func ingest(rt *gwlog.Runtime) func(*syslog.Message, []byte, error) {
	raw := rt.Logger("syslog")
	return func(m *syslog.Message, b []byte, err error) {
		if err != nil {
			raw.LogAttrs(nil, levels.WARNING, string(b[:min(len(b), 1024)]), slog.String("err", err.Error()))
			return
		}
		app := m.AppName
		if app == "" {
			app = "unknown"
		}
		l := rt.Tree().GetBounded("syslog." + strings.ReplaceAll(app, ".", "_"))
		lv := syslog.Level(m.Severity)
		if !l.Enabled(nil, lv) {
			return
		}
		var attrs [4]slog.Attr
		a := attrs[:0]
		if m.Hostname != "" {
			a = append(a, slog.String("host", m.Hostname))
		}
		if m.ProcID != "" {
			a = append(a, slog.String("pid", m.ProcID))
		}
		if m.MsgID != "" {
			a = append(a, slog.String("msgid", m.MsgID))
		}
		l.LogAttrs(nil, lv, m.Msg, a...)
	}
}

// loopback refuses addresses that would expose the unauthenticated API
// beyond this machine.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: -http %q: %w", ErrUsage, addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: -http %q: only loopback addresses are served (the read-back API has no authentication)", ErrUsage, addr)
}
