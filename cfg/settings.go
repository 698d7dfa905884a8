package cfg

// Setting is one effective key of a Config, as WriteTo prints it.
type Setting struct {
	Key    string // "section/key": "runtime/ram_cap", "stream.debug/rotate"
	Value  string // as written in a config file
	Origin Origin
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
		out = append(out, Setting{Key: key, Value: s.get(v), Origin: c.Origins[key]})
	}
	return out
}
