package cfg

// Setting is one effective key of a Config, as WriteTo prints it.
type Setting struct {
	Key    string // "section/key": "runtime/ram_cap", "stream.debug/rotate"
	Value  string // as written in a config file
	Origin Origin
	// Secret marks a value that must not be shown (http_token): printers
	// say that it is set, not what it is.
	Secret bool
}

// secretKeys are the keys whose values are secrets.
var secretKeys = map[string]bool{"runtime/http_token": true}

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
		out = append(out, Setting{Key: key, Value: val, Origin: c.Origins[key], Secret: secretKeys[key] && val != "none"})
	}
	return out
}
