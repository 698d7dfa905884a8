package gwlog

import (
	"log/slog"
	"time"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/levels"
)

// temporary is a logger level set for a while (SetLevel with a duration,
// or "level = DEBUG for 15m"), or set for good through SetLevel.
type temporary struct {
	raised     levels.Level
	revert     levels.Level // the level after expiry
	expired    bool
	fromConfig bool
	key        string // the config setting that armed it, to arm it once
	timer      *time.Timer
}

// stop cancels the revert, if one is pending.
func (t *temporary) stop() {
	if t.timer != nil {
		t.timer.Stop()
	}
}

func (t *temporary) level() levels.Level {
	if t.expired {
		return t.revert
	}
	return t.raised
}

// SetLevel sets the named logger's level. With d > 0 the level holds for d
// and then reverts by itself to the level the logger had before — a field
// engineer's favourite when chasing an intermittent fault. With d == 0 it
// holds until changed again. Either way it survives config reloads, and
// one line on the debug stream records it.
func (rt *Runtime) SetLevel(name string, lv levels.Level, d time.Duration) error {
	name = levels.Canonical(name)
	if name == "" {
		name = "root"
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return ErrClosed
	}
	prev := rt.tree.Level(name)
	if old, ok := rt.temps[name]; ok {
		old.stop()
		if !old.expired {
			prev = old.revert
		}
	}
	tmp := &temporary{raised: lv, revert: prev}
	rt.temps[name] = tmp
	if d > 0 {
		tmp.timer = time.AfterFunc(d, func() { rt.expire(name, tmp) })
		rt.note(Debug, levels.INFO, "level raised for a while", slog.String("logger", name),
			slog.String("level", lv.String()), slog.Duration("for", d), slog.String("then", prev.String()))
	} else {
		tmp.revert = lv
		rt.note(Debug, levels.INFO, "level set", slog.String("logger", name), slog.String("level", lv.String()))
	}
	rt.tree.SetLevel(name, lv)
	return nil
}

// armConfigTemp starts the clock of a configured temporary level the
// first time its setting is seen; rt.mu is held.
func (rt *Runtime) armConfigTemp(l cfg.Logger) {
	key := l.Level.String() + " for " + l.For.String() + " @ " + rt.plan.conf.Origins["logger."+l.Name+"/level"].String()
	if old, ok := rt.temps[l.Name]; ok {
		if old.key == key {
			return // armed already (or run out): a reload does not restart it
		}
		old.stop()
	}
	revert := levels.NOTSET
	if l.Name == "root" {
		revert = levels.WARNING
		if d, err := cfg.Default(rt.plan.conf.Runtime.Profile); err == nil {
			revert = d.Loggers[0].Level
		}
	}
	tmp := &temporary{raised: l.Level, revert: revert, fromConfig: true, key: key}
	tmp.timer = time.AfterFunc(l.For, func() { rt.expire(l.Name, tmp) })
	rt.temps[l.Name] = tmp
}

// expire ends a temporary level.
func (rt *Runtime) expire(name string, tmp *temporary) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed || rt.temps[name] != tmp {
		return
	}
	tmp.expired = true
	rt.tree.SetLevel(name, tmp.revert)
	rt.note(Debug, levels.INFO, "temporary level ended", slog.String("logger", name), slog.String("level", tmp.revert.String()))
}
