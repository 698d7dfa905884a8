package gwlog

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/forward"
	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
	"github.com/gwlog/gwlog/syslog"
)

// startForwards (re)starts the syslog destinations of p when they differ
// from those running; rt.mu is held. A destination that cannot start is
// reported; the others run.
func (rt *Runtime) startForwards(p *plan) error {
	if rt.forwarding != nil && reflect.DeepEqual(rt.forwarding, p.conf.Forwards) {
		return nil
	}
	rt.stopForwards()
	var errs []error
	for _, fw := range p.conf.Forwards {
		var streams []*ramlog.Stream
		for _, name := range fw.Streams {
			if s, ok := rt.streams[name]; ok {
				streams = append(streams, s)
			}
		}
		if fw.Type == "webhook" {
			var targets []levels.Target // error, and debug which collects everything
			for _, name := range []string{Error, Debug} {
				if t, ok := rt.targets[name]; ok {
					targets = append(targets, t)
				}
			}
			w, err := forward.StartWebhook(forward.WebhookOptions{
				Name: fw.Name, URL: fw.To, Level: fw.Level, Streams: streams, FailSilent: fw.FailSilent,
				OnError: func(err error) {
					for _, t := range targets {
						rt.noteTo(t, levels.ERROR, "webhook failing", slog.String("err", err.Error()))
					}
				},
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %sforward %s: %w", ErrConfig, p.where("forward."+fw.Name, "to"), fw.Name, err))
				continue
			}
			rt.webhooks = append(rt.webhooks, namedWebhook{fw.Name, w})
			continue
		}
		proto := syslog.RFC5424
		if fw.Protocol == "rfc3164" {
			proto = syslog.RFC3164
		}
		f, err := forward.Start(forward.Options{
			Name: fw.Name, To: fw.To, Protocol: proto, Facility: fw.Facility, Severity: fw.Severity,
			Level: fw.Level, Streams: streams, ReplayRate: fw.ReplayRate,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %sforward %s: %w", ErrConfig, p.where("forward."+fw.Name, "to"), fw.Name, err))
			continue
		}
		rt.forwards = append(rt.forwards, namedForward{fw.Name, f})
	}
	rt.forwarding = append([]cfg.Forward{}, p.conf.Forwards...)
	return errors.Join(errs...)
}

// stopForwards stops every destination; rt.mu is held or the runtime is
// closing.
func (rt *Runtime) stopForwards() {
	for _, f := range rt.forwards {
		f.Close()
	}
	for _, w := range rt.webhooks {
		w.Close()
	}
	rt.forwards, rt.webhooks, rt.forwarding = nil, nil, nil
}

type namedWebhook struct {
	name string
	*forward.Webhook
}

type namedForward struct {
	name string
	*forward.Forwarder
}
