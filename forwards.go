package gwlog

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

// running is one destination that runs: its config, the streams it
// follows, their patterns (by which it reads its lines) and the gateway
// name it was started with.
type running struct {
	conf     cfg.Forward
	streams  []*ramlog.Stream
	patterns []string
	gateway  string
	io.Closer
}

// startForwards starts the destinations of p that are not running as
// they are, and stops those that p changed or left out; rt.mu is held. A
// destination whose config, streams and gateway name are the same keeps
// running, so that a reload neither repeats nor loses anything of it. A
// destination that cannot start is reported; the others run.
func (rt *Runtime) startForwards(p *plan) error {
	var errs []error
	var forwards []namedForward
	var webhooks []namedWebhook
	var shippers []namedShipper
	next := make(map[string]running)
	for _, fw := range p.conf.Forwards {
		var streams []*ramlog.Stream
		var patterns []string
		var scanners []*levels.Scanner // the streams' lines are read by their patterns
		for _, name := range fw.Streams {
			if s, ok := rt.streams[name]; ok {
				f := rt.targets[name].Format
				streams = append(streams, s)
				patterns, scanners = append(patterns, f.Pattern()), append(scanners, f.Scanner())
			}
		}
		gateway := p.conf.Runtime.Name
		if old, ok := rt.forwarding[fw.Name]; ok {
			if reflect.DeepEqual(old.conf, fw) && slices.Equal(old.streams, streams) &&
				slices.Equal(old.patterns, patterns) && old.gateway == gateway {
				next[fw.Name] = old
				delete(rt.forwarding, fw.Name)
				switch c := old.Closer.(type) {
				case *forward.Forwarder:
					forwards = append(forwards, namedForward{fw.Name, c})
				case *forward.Webhook:
					webhooks = append(webhooks, namedWebhook{fw.Name, c})
				case *forward.Shipper:
					shippers = append(shippers, namedShipper{fw.Name, c})
				}
				continue
			}
		}
		where := p.where("forward."+fw.Name, "to", "type")
		var c io.Closer
		var err error
		switch fw.Type {
		case "webhook":
			var w *forward.Webhook
			if w, err = rt.startWebhook(fw, streams, scanners); err == nil {
				webhooks, c = append(webhooks, namedWebhook{fw.Name, w}), w
			}
		case forward.Loki, forward.OTLP, forward.Influx:
			var s *forward.Shipper
			if s, err = rt.startShipper(fw, streams, scanners, gateway); err == nil {
				shippers, c = append(shippers, namedShipper{fw.Name, s}), s
			}
		default:
			proto := syslog.RFC5424
			if fw.Protocol == "rfc3164" {
				proto = syslog.RFC3164
			}
			var f *forward.Forwarder
			f, err = forward.Start(forward.Options{
				Name: fw.Name, To: fw.To, Protocol: proto, Facility: fw.Facility, Severity: fw.Severity,
				Level: fw.Level, Streams: streams, Scanners: scanners, ReplayRate: fw.ReplayRate,
			})
			if err == nil {
				forwards, c = append(forwards, namedForward{fw.Name, f}), f
			}
		}
		switch {
		case errors.Is(err, forward.ErrCA):
			where = p.where("forward."+fw.Name, "ca")
		case errors.Is(err, forward.ErrNoLevel):
			where = p.where("forward."+fw.Name, "streams")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %sforward %s: %w", ErrConfig, where, fw.Name, err))
			continue
		}
		next[fw.Name] = running{conf: fw, streams: streams, patterns: patterns, gateway: gateway, Closer: c}
	}
	rt.stopForwards() // those left: changed or gone
	rt.forwards, rt.webhooks, rt.shippers, rt.forwarding = forwards, webhooks, shippers, next
	return errors.Join(errs...)
}

// noteErrors returns an OnError that notes a destination's failures on
// the error and debug streams.
func (rt *Runtime) noteErrors(msg string) func(error) {
	var targets []levels.Target // error, and debug which collects everything
	for _, name := range []string{Error, Debug} {
		if t, ok := rt.targets[name]; ok {
			targets = append(targets, t)
		}
	}
	return func(err error) {
		for _, t := range targets {
			rt.noteTo(t, levels.ERROR, msg, slog.String("err", err.Error()))
		}
	}
}

func (rt *Runtime) startWebhook(fw cfg.Forward, streams []*ramlog.Stream, scanners []*levels.Scanner) (*forward.Webhook, error) {
	return forward.StartWebhook(forward.WebhookOptions{
		Name: fw.Name, URL: fw.To, Level: fw.Level, Streams: streams, Scanners: scanners, FailSilent: fw.FailSilent,
		OnError: rt.noteErrors(forward.WebhookFailing),
	})
}

func (rt *Runtime) startShipper(fw cfg.Forward, streams []*ramlog.Stream, scanners []*levels.Scanner, gateway string) (*forward.Shipper, error) {
	o := forward.ShipOptions{
		Name: fw.Name, Kind: fw.Type, URL: fw.To, Token: fw.Token, CA: fw.CA, Gateway: gateway,
		Labels: fw.Labels, Level: fw.Level, Streams: streams, Scanners: scanners, EventTypes: fw.Events,
		Budget: fw.Budget, BudgetPeriod: fw.BudgetPeriod, BudgetLevel: fw.BudgetLevel, ReplayRate: fw.ReplayRate,
	}
	if !fw.FailSilent {
		o.OnError = rt.noteErrors("forward failing")
	}
	if fw.Type == forward.Influx {
		o.Events = rt.events
	}
	return forward.StartShip(o)
}

// stopForwards stops every destination in rt.forwarding; rt.mu is held
// or the runtime is closing.
func (rt *Runtime) stopForwards() {
	for _, r := range rt.forwarding {
		r.Close()
	}
	rt.forwards, rt.webhooks, rt.shippers, rt.forwarding = nil, nil, nil, nil
}

type namedWebhook struct {
	name string
	*forward.Webhook
}

type namedForward struct {
	name string
	*forward.Forwarder
}

type namedShipper struct {
	name string
	*forward.Shipper
}
