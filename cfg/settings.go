package cfg

import (
	"fmt"
	"slices"
	"strings"
)

// Setting is one effective key of a Config, as WriteTo prints it.
type Setting struct {
	Key    string // "section/key": "runtime/ram_cap", "stream.debug/rotate"
	Value  string // as written in a config file
	Origin Origin
	// Secret marks a value that must not be shown (http_token): printers
	// say that it is set, not what it is.
	Secret bool
}

// secret reports whether the key's value is a secret: http_token and
// the destinations' tokens.
func secret(key string) bool {
	return key == "runtime/http_token" || strings.HasPrefix(key, kindForward+".") && strings.HasSuffix(key, "/token")
}

// Settings lists every key of every section, in WriteTo's order.
func (c *Config) Settings() []Setting {
	var out []Setting
	out = appendSettings(out, c, kindRuntime, &c.Runtime, runtimeKeys)
	for i := range c.Streams {
		out = appendSettings(out, c, kindStream+"."+c.Streams[i].Name, &c.Streams[i], streamKeys)
	}
	for i := range c.Loggers {
		out = appendSettings(out, c, kindLogger+"."+c.Loggers[i].Name, &c.Loggers[i], loggerKeys)
	}
	for i := range c.Forwards {
		out = appendSettings(out, c, kindForward+"."+c.Forwards[i].Name, &c.Forwards[i], forwardKeys)
	}
	return out
}

func appendSettings[T any](out []Setting, c *Config, id string, v *T, ss specs[T]) []Setting {
	for _, s := range ss {
		key := id + "/" + s.key
		val := s.get(v)
		out = append(out, Setting{Key: key, Value: val, Origin: c.Origins[key], Secret: secret(key) && val != "none"})
	}
	return out
}

// Diff lists the settings that differ between two configs, with where
// each new value comes from ("flush=1m (prod.cfg:3), max_line removed"),
// secrets not shown; "none" when none does.
func Diff(old, cur *Config) string {
	was := make(map[string]string)
	for _, s := range old.Settings() {
		was[s.Key] = s.Value
	}
	var out []string
	for _, s := range cur.Settings() {
		if v, ok := was[s.Key]; !ok || v != s.Value {
			value := s.Value
			if s.Secret {
				value = "(not shown)"
			}
			out = append(out, fmt.Sprintf("%s=%s (%s)", s.Key, value, s.Origin))
		}
		delete(was, s.Key)
	}
	for k := range was {
		out = append(out, k+" removed")
	}
	slices.Sort(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
