// Package daemon is gwlogd: a gwlog runtime with its read-back HTTP API,
// an optional demo gateway, and a clean stop.
package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/demo"
	"github.com/gwlog/gwlog/internal/units"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/syslog"
)

// DefaultHTTP is the address of the read-back API.
const DefaultHTTP = "127.0.0.1:8514"

// ErrUsage is returned for a bad command line or config: exit code 2.
var ErrUsage = errors.New("usage")

// usageError is a bad config, which names the file or option already:
// it matches ErrUsage without saying "usage" before that.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

// Unwrap returns ErrUsage and the cause.
func (e *usageError) Unwrap() []error { return []error{ErrUsage, e.err} }

// Config is what gwlogd's flags set. The zero value means the defaults.
type Config struct {
	// HTTP is the read-back API's address; "" means DefaultHTTP, "none"
	// turns it off. An address beyond loopback needs a token.
	HTTP string
	// HTTPToken is the bearer token every request to the API must carry
	// (httplog.RequireToken); empty means the config's [runtime]
	// http_token. Without either, the API is served on loopback only,
	// open to local users.
	HTTPToken string
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
	// when root); empty means none. A path where another process's
	// socket answers is refused (syslog.ErrInUse).
	SyslogSocket string
	// SyslogReadBuffer is the ingest's receive buffers in bytes; zero
	// means syslog.DefaultReadBuffer.
	SyslogReadBuffer int
	// Ready, when set, is called with the API's bound address once it
	// serves (tests listen on port 0).
	Ready func(addr string)
	// SyslogReady, when set, is called with the ingest's UDP address.
	SyslogReady func(addr string)
	// Reload receives a value for every reload request (SIGHUP).
	Reload <-chan struct{}
}

// Run runs the daemon until ctx ends, then stops the demo and the API,
// flushes and closes the runtime, and returns nil. When ctx ends while
// the runtime opens, Run returns nil at once.
func Run(ctx context.Context, c Config) error {
	rt, err := open(ctx, func() (*gwlog.Runtime, error) { return gwlog.Open(c.Options) })
	if err != nil {
		return &usageError{err}
	}
	if rt == nil {
		return nil
	}
	defer rt.Close()
	d := &gwlogd{c: c, rt: rt, addr: c.HTTP, stopAPI: func() {}}
	if d.addr == "" {
		d.addr = DefaultHTTP
	}
	// Refused before anything is logged, so that the error is the one
	// line the user sees.
	if err := d.checkAPI(); err != nil {
		return err
	}
	limitMemory(rt)
	d.screen = rt.Logger(gwlog.ScreenLogger)
	ramCap, why := rt.RAMCap()
	if c.Options.RAMCap != 0 {
		why = "set by -ram-cap"
	}
	d.screen.Info("gwlogd starting", "pid", os.Getpid(), "profile", rt.Config().Runtime.Profile,
		"configs", len(c.Options.Configs), "ram_cap", units.FormatSize(ramCap), "ram_cap_from", why, "demo", c.Demo)
	if err := d.serveAPI(); err != nil {
		return err
	}
	ingest, err := d.listenSyslog()
	if err != nil {
		d.stop()
		return err
	}
	if ingest != nil {
		defer ingest.Close()
	}
	dctx, cancelDemo := context.WithCancel(ctx)
	defer cancelDemo()
	if c.Demo {
		d.wg.Go(func() { demo.Run(dctx, rt, c.DemoOptions) })
	}
	d.wait(ctx)
	cancelDemo()
	d.stop()
	d.screen.Info("gwlogd stopping", "drops", drops(rt))
	return nil
}

// open returns what openRT opens, or nil when ctx ends first: gwlogd's
// signals are caught from its first instant, and one must stop it even
// while a config file or a disk keeps Open waiting. A runtime opened
// after that is closed.
func open(ctx context.Context, openRT func() (*gwlog.Runtime, error)) (*gwlog.Runtime, error) {
	type opened struct {
		rt  *gwlog.Runtime
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		rt, err := openRT()
		ch <- opened{rt, err}
	}()
	select {
	case o := <-ch:
		return o.rt, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.rt != nil {
				o.rt.Close()
			}
		}()
		return nil, nil
	}
}

// gwlogd is a running daemon: its runtime and what Run started around it.
type gwlogd struct {
	c      Config
	rt     *gwlog.Runtime
	screen *levels.Logger
	// addr is the API's address, "none" when it is off; token is the
	// token it requires, "" for none.
	addr, token string
	// wg holds the API's server and the demo; stopAPI ends the server's
	// requests and shuts it down.
	wg      sync.WaitGroup
	stopAPI func()
}

// checkAPI sets the API's token and refuses an address beyond loopback
// without one.
func (d *gwlogd) checkAPI() error {
	if d.addr == "none" {
		return nil
	}
	token, err := httpToken(d.c, d.rt.Config())
	if err != nil {
		return err
	}
	d.token = token
	return exposed(d.addr, token)
}

// serveAPI serves the read-back API on d.addr, unless it is "none", and
// sets stopAPI to stop it.
func (d *gwlogd) serveAPI() error {
	if d.addr == "none" {
		return nil
	}
	handler := d.rt.HTTPHandler()
	if d.token != "" {
		handler = httplog.RequireToken(handler, d.token)
	}
	ln, err := net.Listen("tcp", d.addr)
	if err != nil {
		d.screen.Error("gwlogd cannot start", "err", err)
		return fmt.Errorf("http: %w", err)
	}
	// Requests live in base, so that stopping ends live followers instead
	// of waiting for them.
	base, cancelBase := context.WithCancel(context.Background())
	srv := httplog.NewServer(handler, httplog.ServerOptions{Context: base})
	d.wg.Go(func() { _ = srv.Serve(ln) })
	d.stopAPI = func() {
		cancelBase()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	d.screen.Info("serving the read-back API", "addr", "http://"+ln.Addr().String(), "token", d.token != "")
	if d.c.Ready != nil {
		d.c.Ready(ln.Addr().String())
	}
	return nil
}

// listenSyslog starts the local syslog ingest when the config asks for
// one, and returns it (nil when it does not) for the caller to close. Its
// counters are in the runtime's Stats; what the kernel drops is said on
// the logger "syslog" at most once a minute.
func (d *gwlogd) listenSyslog() (*syslog.Server, error) {
	if d.c.Syslog == "" && d.c.SyslogSocket == "" {
		return nil, nil
	}
	srv, err := syslog.Listen(syslog.ServerOptions{
		UDP: d.c.Syslog, Unix: d.c.SyslogSocket, ReadBuffer: d.c.SyslogReadBuffer,
		MaxMessage: ingestMax(cmp.Or(d.c.Options.MaxLine, d.rt.Config().Runtime.MaxLine)),
		Handle:     d.rt.SyslogHandler(), Lost: syslog.LossLogger(d.rt.Tree()),
	})
	if err != nil {
		d.screen.Error("gwlogd cannot start", "err", err)
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	d.rt.SetIngest(srv.Stats)
	if a := srv.UDPAddr(); a != nil {
		d.screen.Info("syslog ingest", "udp", a.String(), "socket", d.c.SyslogSocket)
		if d.c.SyslogReady != nil {
			d.c.SyslogReady(a.String())
		}
	} else {
		d.screen.Info("syslog ingest", "socket", d.c.SyslogSocket)
	}
	return srv, nil
}

// lineRoom is what a syslog message's line adds to it, at most, with the
// default pattern: time, level, the logger syslog.<app>, the host, pid
// and msgid attrs (from the packet's header, as long there) and the
// marker of a cut message.
const lineRoom = 512

// ingestMax is the most of a syslog packet the ingest keeps, for lines of
// at most maxLine bytes ([runtime] max_line, as at start): a cut message
// fits its line whole, marker included, rather than lose the marker to
// the line's own cut. It is at least the 480 bytes RFC 5424 has every
// receiver take.
func ingestMax(maxLine int) int {
	return max(maxLine-lineRoom, 480)
}

// wait reloads the config on every request until ctx ends.
func (d *gwlogd) wait(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.c.Reload:
			d.reload()
		}
	}
}

// reload reloads the config. A failure is on the error stream with its
// file:line already; the console says so at WARNING, which keeps it out
// of the error stream a second time.
func (d *gwlogd) reload() {
	if err := d.rt.Reload(); err != nil {
		d.screen.Warn("config reload failed, running config kept", "err", err)
		return
	}
	limitMemory(d.rt)
	d.screen.Info("config reloaded", "files", len(d.c.Options.Configs))
	if d.c.HTTPToken == "" && d.addr != "none" && d.rt.Config().Runtime.HTTPToken != d.token {
		d.screen.Warn("http_token changed: the API keeps the old one until gwlogd restarts")
	}
}

// stop stops the API and waits for it and the demo to end.
func (d *gwlogd) stop() {
	d.stopAPI()
	d.wg.Wait()
}

// drops returns how many lines rt's streams have dropped.
func drops(rt *gwlog.Runtime) uint64 {
	var n uint64
	for _, s := range rt.Stats().Streams {
		n += s.Drops
	}
	return n
}

// memoryHeadroom is what gwlogd may use beside its rings before the Go
// collector works harder: measured under qemu-arm with the demo at 1000
// requests a second, the process stays within its rings plus 11 MiB.
const memoryHeadroom = 8 << 20

// limitMemory sets the Go memory limit to the rings plus headroom (with
// a disk, to ram_cap plus headroom and the spill queue's floor), unless
// GOMEMLIMIT says otherwise. The rings are long-lived heap: without a
// limit the collector lets garbage grow as large as they are before it
// runs, and a gateway's RAM is small.
func limitMemory(rt *gwlog.Runtime) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	st := rt.Stats()
	limit := st.RAMUsed + memoryHeadroom
	if st.Disk != nil {
		// Copies on their way to the disk draw on the cap's free room,
		// and on QueueCap beyond it.
		limit = st.RAMCap + memoryHeadroom + st.Disk.QueueCap
	}
	debug.SetMemoryLimit(limit)
}

// httpToken returns the API's token: Config.HTTPToken (the -http-token
// flag or GWLOG_HTTP_TOKEN), else the config's http_token, else "". A
// malformed token is a usage error that does not repeat it.
func httpToken(c Config, conf *cfg.Config) (string, error) {
	if c.HTTPToken == "" {
		return conf.Runtime.HTTPToken, nil // validated by cfg
	}
	if err := cfg.CheckHTTPToken(c.HTTPToken); err != nil {
		return "", fmt.Errorf("%w: -http-token: want %s", ErrUsage, strings.TrimPrefix(err.Error(), cfg.ErrValue.Error()+": http_token: want "))
	}
	return c.HTTPToken, nil
}

// exposed refuses to serve the API beyond this machine without a token.
func exposed(addr, token string) error {
	ok, err := loopback(addr)
	switch {
	case err != nil:
		return err
	case !ok && token == "":
		return fmt.Errorf("%w: -http %q is not a loopback address: set an API token first ([runtime] http_token, -http-token or GWLOG_HTTP_TOKEN)", ErrUsage, addr)
	}
	return nil
}

// loopback reports whether addr (HOST:PORT) listens on this machine only:
// localhost or a loopback IP address. An empty host (":8514") means every
// interface.
func loopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("%w: -http %q: %w", ErrUsage, addr, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
