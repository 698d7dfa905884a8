package gwlog

import (
	"log/slog"
	"time"

	"github.com/gwlog/gwlog/cfg"
	"github.com/gwlog/gwlog/levels"
)

// temporary is a logger level raised for a while, by SetLevel with a
// duration or by "level = DEBUG for 15m" in config. When it runs out the
// logger goes back to what the config (or a pinned level) says.
type temporary struct {
	raised     levels.Level
	fromConfig bool
	key        string // the config setting that armed it
	timer      *time.Timer
}

// stop cancels the revert.
func (t *temporary) stop() { t.timer.Stop() }

// SetLevel sets the named logger's level. With d > 0 the level holds for d
// and then reverts by itself to what the config (or an earlier SetLevel
// for good) says — a field engineer's favourite when chasing an
// intermittent fault. With d == 0 it holds for good: config reloads do not
// change it. One line on the debug stream records it.
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
	if old, ok := rt.temps[name]; ok {
		old.stop()
		delete(rt.temps, name)
	}
	if d > 0 {
		tmp := &temporary{raised: lv}
		tmp.timer = time.AfterFunc(d, func() { rt.expire(name, tmp) })
		rt.temps[name] = tmp
		rt.note(Debug, levels.INFO, "level set for a while", slog.String("logger", name),
			slog.String("level", lv.String()), slog.Duration("for", d))
	} else {
		rt.pinned[name] = lv
		rt.note(Debug, levels.INFO, "level set", slog.String("logger", name), slog.String("level", lv.String()))
	}
	rt.tree.Configure(rt.loggerConfigs())
	return nil
}

// armConfigTemp returns the level a configured temporary setting gives
// its logger now, starting its clock the first time the setting is seen;
// rt.mu is held. A level set by SetLevel wins over it; a setting that ran
// out is not armed again while it stands.
func (rt *Runtime) armConfigTemp(l cfg.Logger) levels.Level {
	key := l.Level.String() + " for " + l.For.String() + " @ " + rt.plan.conf.Origins["logger."+l.Name+"/level"].String()
	if t, ok := rt.temps[l.Name]; ok {
		if !t.fromConfig || t.key == key {
			return t.raised // SetLevel's, or this setting's, still running
		}
		t.stop() // another setting replaces it
	}
	if rt.spent[l.Name] == key {
		return rt.afterTemp(l.Name)
	}
	tmp := &temporary{raised: l.Level, fromConfig: true, key: key}
	tmp.timer = time.AfterFunc(l.For, func() { rt.expire(l.Name, tmp) })
	rt.temps[l.Name] = tmp
	return l.Level
}

// afterTemp is the level of a logger whose configured temporary level ran
// out: inherited, or for the root the profile's.
func (rt *Runtime) afterTemp(name string) levels.Level {
	if name != "root" {
		return levels.NOTSET
	}
	if d, err := cfg.Default(rt.plan.conf.Runtime.Profile); err == nil {
		return d.Loggers[0].Level
	}
	return levels.WARNING
}

// expire ends a temporary level and applies what the config says.
func (rt *Runtime) expire(name string, tmp *temporary) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed || rt.temps[name] != tmp {
		return
	}
	delete(rt.temps, name)
	if tmp.fromConfig {
		rt.spent[name] = tmp.key
	}
	rt.tree.Configure(rt.loggerConfigs())
	rt.note(Debug, levels.INFO, "temporary level ended", slog.String("logger", name),
		slog.String("level", rt.tree.Level(name).String()))
}
