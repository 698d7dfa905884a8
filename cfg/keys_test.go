package cfg

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

// A forward needs to and streams; keyCase adds them unless tested.
const forwardNeeds = "to = udp://127.0.0.1:514\nstreams = error\n"

// keyCase is a good and a bad value of a key. The key is on line 2 of
// log.cfg, after its section's header.
type keyCase struct {
	name    string
	section string
	key     string
	good    string
	extra   string // lines after the key's
	get     func(*Config) any
	want    any
	bad     string
	err     string // without "log.cfg:2: [section] key: "
}

// testKeys parses each case's good value, which must decode to want and
// come from line 2, and its bad value, which must fail with err.
func testKeys(t *testing.T, tests []keyCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := func(v string) string { return "[" + tt.section + "]\n" + tt.key + " = " + v + "\n" + tt.extra }
			c := mustParse(t, src("log.cfg", text(tt.good)))
			assert.Equal(t, tt.want, tt.get(c))
			assert.Equal(t, Origin{File: "log.cfg", Line: 2}, c.Origins[tt.section+"/"+tt.key])

			err := parseErr(t, src("log.cfg", text(tt.bad)))
			assert.Equal(t, "log.cfg:2: ["+tt.section+"] "+tt.key+": "+tt.err, err)
		})
	}
}

// TestRuntimeKeys, TestStreamKeys, TestLoggerKeys and TestForwardKeys
// parse a good and a bad value of every key.
func TestRuntimeKeys(t *testing.T) {
	testKeys(t, []keyCase{
		{"profile", "runtime", "profile", "Disk", "", func(c *Config) any { return c.Runtime.Profile }, "disk",
			"max", `want minimal or disk, got "max"`},
		{"ram_cap", "runtime", "ram_cap", "64 MB", "", func(c *Config) any { return c.Runtime.RAMCap }, int64(64 << 20),
			"lots", `want a size such as 100MiB, got "lots"`},
		{"ram_cap zero", "runtime", "ram_cap", "1.5GiB", "", func(c *Config) any { return c.Runtime.RAMCap }, int64(3 << 29),
			"0", `want a size from 1B to 1024GiB such as 100MiB, got "0"`},
		{"ram_cap too large", "runtime", "ram_cap", "1024GiB", "", func(c *Config) any { return c.Runtime.RAMCap }, int64(MaxRAMCap),
			"99999999GiB", `want a size from 1B to 1024GiB such as 100MiB, got "99999999GiB"`},
		{"disk path", "runtime", "disk", "/media/usb0/gwlog", "", func(c *Config) any { return [2]any{c.Runtime.Disk, c.Runtime.Force} }, [2]any{"/media/usb0/gwlog", false},
			"none force", `want none, a directory, or a directory and force, got "none force"`},
		{"disk force", "runtime", "disk", "/mnt/my disk  FORCE", "", func(c *Config) any { return [2]any{c.Runtime.Disk, c.Runtime.Force} }, [2]any{"/mnt/my disk", true},
			"NONE force", `want none, a directory, or a directory and force, got "NONE force"`},
		{"disk none", "runtime", "disk", "None", "", func(c *Config) any { return [2]any{c.Runtime.Disk, c.Runtime.Force} }, [2]any{"", false},
			"none FORCE", `want none, a directory, or a directory and force, got "none FORCE"`},
		{"disk_cap", "runtime", "disk_cap", "2GB", "", func(c *Config) any { return c.Runtime.DiskCap }, int64(2 << 30),
			"2TiB", `want a size such as 1GiB, got "2TiB"`},
		{"flush", "runtime", "flush", "1m30s", "", func(c *Config) any { return c.Runtime.Flush }, 90 * time.Second,
			"10ms", `want a duration of at least 1s, got "10ms"`},
		{"flush syntax", "runtime", "flush", "1s", "", func(c *Config) any { return c.Runtime.Flush }, time.Second,
			"soon", `want a duration such as 30s, got "soon"`},
		{"flush_urgent", "runtime", "flush_urgent", "2s", "", func(c *Config) any { return c.Runtime.FlushUrgent }, 2 * time.Second,
			"0", `want a duration of at least 1s, got "0"`},
		{"flush_urgent syntax", "runtime", "flush_urgent", "1m", "", func(c *Config) any { return c.Runtime.FlushUrgent }, time.Minute,
			"now", `want a duration such as 5s, got "now"`},
		{"disk_write_budget", "runtime", "disk_write_budget", "20MiB/day", "", func(c *Config) any { return c.Runtime.DiskWriteBudget }, int64(20 << 20),
			"20MiB", `want none or a size a day such as 50MiB/day, got "20MiB"`},
		{"disk_write_budget none", "runtime", "disk_write_budget", "none", "", func(c *Config) any { return c.Runtime.DiskWriteBudget }, int64(0),
			"0/day", `want none or a size a day such as 50MiB/day, got "0/day"`},
		{"disk_write_budget case", "runtime", "disk_write_budget", "1GiB/DAY", "", func(c *Config) any { return c.Runtime.DiskWriteBudget }, int64(1 << 30),
			"lots/day", `want none or a size a day such as 50MiB/day, got "lots/day"`},
		{"reload", "runtime", "reload", "0", "", func(c *Config) any { return c.Runtime.Reload }, time.Duration(0),
			"500ms", `want 0 (disabled) or a duration of at least 1s, got "500ms"`},
		{"reload days", "runtime", "reload", "1d", "", func(c *Config) any { return c.Runtime.Reload }, 24 * time.Hour,
			"-1m", `want a duration such as 60s, or 0 to disable, got "-1m"`},
		{"max_line", "runtime", "max_line", "64B", "", func(c *Config) any { return c.Runtime.MaxLine }, 64,
			"63", `want a size from 64B to 1MiB, got "63"`},
		{"max_line top", "runtime", "max_line", "1MiB", "", func(c *Config) any { return c.Runtime.MaxLine }, 1 << 20,
			"2MiB", `want a size from 64B to 1MiB, got "2MiB"`},
		{"http_token", "runtime", "http_token", "s3cr3t-Token_0123~+/==", "", func(c *Config) any { return c.Runtime.HTTPToken }, "s3cr3t-Token_0123~+/==",
			"short", tokenErr},
		{"http_token none", "runtime", "http_token", "NONE", "", func(c *Config) any { return c.Runtime.HTTPToken }, "",
			"0123456789abcdef;x", tokenErr},
	})
}

func TestStreamKeys(t *testing.T) {
	stream := func(c *Config) Stream { return c.Streams[3] } // [stream.debug]
	testKeys(t, []keyCase{
		{"rotate", "stream.debug", "rotate", "both 10m,2MiB", "", func(c *Config) any { return stream(c).Rotate },
			ramlog.Rotation{Kind: ramlog.RotateBoth, Every: 10 * time.Minute, Size: 2 << 20},
			"sise 1MiB", `want "size N", "time UNIT", "both UNIT,N" or "none", got "sise 1MiB"`},
		{"rotate why", "stream.debug", "rotate", "none", "", func(c *Config) any { return stream(c).Rotate },
			ramlog.Rotation{Kind: ramlog.RotateNone},
			"size 0", `want "size N", "time UNIT", "both UNIT,N" or "none", got "size 0": the size must be a positive size such as 1MiB`},
		{"keep", "stream.debug", "keep", "0", "", func(c *Config) any { return stream(c).Keep }, 0,
			"1001", `want a whole number from 0 to 1000, got "1001"`},
		{"keep sign", "stream.debug", "keep", "1000", "", func(c *Config) any { return stream(c).Keep }, 1000,
			"-1", `want a whole number from 0 to 1000, got "-1"`},
		{"ram", "stream.debug", "ram", "8MiB", "", func(c *Config) any { return stream(c).RAM }, int64(8 << 20),
			"8 megs", `want a size such as 4MiB, or 0 to derive it from rotate and keep, got "8 megs"`},
		{"disk_keep", "stream.debug", "disk_keep", "1d12h", "", func(c *Config) any { return stream(c).DiskKeep }, 36 * time.Hour,
			"2w", `want a duration such as 48h or 14d, got "2w"`},
		{"format", "stream.debug", "format", "%(levelname)-8s %(message)s;%(attrs)s", "", func(c *Config) any { return stream(c).Format }, "%(levelname)-8s %(message)s;%(attrs)s",
			"%(levelnam)s", `unknown field "levelnam" at offset 0, got "%(levelnam)s"`},
		{"format conversion", "stream.debug", "format", "%%(message)s", "", func(c *Config) any { return stream(c).Format }, "%%(message)s",
			"%(message)d", `conversion 'd' does not fit %(message) at offset 0, got "%(message)d"`},
		{"format preset", "stream.debug", "format", "json", "", func(c *Config) any { return stream(c).Format }, "json",
			"%(message)s %(nope)s", `unknown field "nope" at offset 12, got "%(message)s %(nope)s"`},
		{"format access", "stream.debug", "format", "w3c", "", func(c *Config) any { return stream(c).Format }, "w3c",
			"%h %Z", `access format: offset 3: unknown code %Z, got "%h %Z"`},
		{"format apache", "stream.debug", "format", `%h %>s "%r" %D`, "", func(c *Config) any { return stream(c).Format }, `%h %>s "%r" %D`,
			"%{Host", `access format: offset 0: unclosed {, got "%{Host"`},
		{"level", "stream.debug", "level", "warn", "", func(c *Config) any { return stream(c).Level }, levels.WARNING,
			"LOUD", `want a level (NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF or 0-50), got "LOUD"`},
		{"level number", "stream.debug", "level", "15", "", func(c *Config) any { return stream(c).Level }, levels.Level(15),
			"51", `want a level (NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF or 0-50), got "51"`},
		{"compress", "stream.debug", "compress", "GZIP", "", func(c *Config) any { return stream(c).Compress }, "gzip",
			"zip", `want none or gzip, got "zip"`},
		{"ram_compress", "stream.debug", "ram_compress", "NONE", "", func(c *Config) any { return stream(c).RAMCompress }, "none",
			"zstd", `want gzip or none, got "zstd"`},
		{"console", "stream.debug", "console", "on", "", func(c *Config) any { return stream(c).Console }, true,
			"maybe", `want yes or no (true/false, on/off), got "maybe"`},
		{"dedup", "stream.debug", "dedup", "30s", "", func(c *Config) any { return stream(c).Dedup }, 30 * time.Second,
			"-1s", `want off or a duration such as 30s, got "-1s"`},
		{"dedup off", "stream.debug", "dedup", "OFF", "", func(c *Config) any { return stream(c).Dedup }, time.Duration(0),
			"2h", `want off or a duration from 1s to 1h, got "2h"`},
		{"dedup none", "stream.debug", "dedup", "None", "", func(c *Config) any { return stream(c).Dedup }, time.Duration(0),
			"500ms", `want off or a duration from 1s to 1h, got "500ms"`},
		{"dedup zero", "stream.debug", "dedup", "0", "", func(c *Config) any { return stream(c).Dedup }, time.Duration(0),
			"30", `want off or a duration such as 30s, got "30"`},
		{"dedup bounds", "stream.debug", "dedup", "1h", "", func(c *Config) any { return stream(c).Dedup }, time.Hour,
			"1d", `want off or a duration from 1s to 1h, got "1d"`},
		{"dedup least", "stream.debug", "dedup", "1s", "", func(c *Config) any { return stream(c).Dedup }, time.Second,
			"100000d", `want off or a duration from 1s to 1h, got "100000d"`},
	})
}

func TestLoggerKeys(t *testing.T) {
	logger := func(c *Config) Logger { return c.Loggers[len(c.Loggers)-1] }
	testKeys(t, []keyCase{
		{"logger level", "logger.WebBrickGateway.Heating", "level", "DEBUG for 15m", "", func(c *Config) any { return [2]any{logger(c).Level, logger(c).For} }, [2]any{levels.DEBUG, 15 * time.Minute},
			"DEBUG for ever", `want LEVEL for DURATION with a duration above 0 such as DEBUG for 15m, got "DEBUG for ever"`},
		{"logger level zero for", "logger.x", "level", "Level 15 FOR 1d", "", func(c *Config) any { return [2]any{logger(c).Level, logger(c).For} }, [2]any{levels.Level(15), 24 * time.Hour},
			"DEBUG for 0s", `want LEVEL for DURATION with a duration above 0 such as DEBUG for 15m, got "DEBUG for 0s"`},
		{"logger level name", "logger.x", "level", "off", "", func(c *Config) any { return [2]any{logger(c).Level, logger(c).For} }, [2]any{levels.OFF, time.Duration(0)},
			"LOUD for 1h", `want a level (NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF or 0-50), optionally followed by for DURATION such as DEBUG for 15m, got "LOUD for 1h"`},
		{"propagate", "logger.x", "propagate", "No", "", func(c *Config) any { return logger(c).Propagate }, false,
			"nah", `want yes or no (true/false, on/off), got "nah"`},
		{"logger streams", "logger.x", "streams", "debug,error", "", func(c *Config) any { return logger(c).Streams }, []string{"debug", "error"},
			"debug error", `want stream names separated by commas, or none, got "debug error"`},
		{"logger streams none", "logger.x", "streams", "none", "", func(c *Config) any { return logger(c).Streams }, []string(nil),
			"debug, debug", `want stream names separated by commas, or none, got "debug, debug"`},
	})
}

func TestForwardKeys(t *testing.T) {
	forward := func(c *Config) Forward { return c.Forwards[0] }
	testKeys(t, []keyCase{
		{"type", "forward.hook", "type", "Webhook", "to = https://hooks.example/gw\nstreams = error\n", func(c *Config) any { return [2]any{forward(c).Type, forward(c).Level} }, [2]any{"webhook", levels.WARNING},
			"email", `want syslog, webhook, loki, otlp or influx, got "email"`},
		{"to", "forward.central", "to", "tcp://[::1]:601", "streams = error\n", func(c *Config) any { return forward(c).To }, "tcp://[::1]:601",
			"udp://collector", `want a syslog address (udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH) or a webhook URL (http:// or https://), got "udp://collector"`},
		{"to unix", "forward.central", "to", "unix:///dev/log", "streams = error\n", func(c *Config) any { return forward(c).To }, "unix:///dev/log",
			"unix://dev/log", `want a syslog address (udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH) or a webhook URL (http:// or https://), got "unix://dev/log"`},
		{"protocol", "forward.central", "protocol", "RFC3164", forwardNeeds, func(c *Config) any { return forward(c).Protocol }, "rfc3164",
			"rfc9999", `want rfc5424 or rfc3164, got "rfc9999"`},
		{"priority", "forward.central", "priority", "local3.info", forwardNeeds, func(c *Config) any { return [2]int{forward(c).Facility, forward(c).Severity} }, [2]int{19, 6},
			"local9.info", `want FACILITY.SEVERITY with syslog names such as user.notice or local3.info, got "local9.info"`},
		{"priority kern", "forward.central", "priority", "KERN.emerg", forwardNeeds, func(c *Config) any { return [2]int{forward(c).Facility, forward(c).Severity} }, [2]int{0, 0},
			"user.warn", `want FACILITY.SEVERITY with syslog names such as user.notice or local3.info, got "user.warn"`},
		{"forward level", "forward.central", "level", "ERROR", forwardNeeds, func(c *Config) any { return forward(c).Level }, levels.ERROR,
			"bad", `want a level (NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF or 0-50), got "bad"`},
		{"forward streams", "forward.central", "streams", "error, EventLog", "to = udp://h:514\n", func(c *Config) any { return forward(c).Streams }, []string{"error", "EventLog"},
			"none", `want one or more stream names separated by commas, got "none"`},
		{"queue", "forward.central", "queue", "16KiB", forwardNeeds, func(c *Config) any { return forward(c).Queue }, int64(16 << 10),
			"big", `want a size such as 4MiB, got "big"`},
		{"replay_rate", "forward.central", "replay_rate", "50", forwardNeeds, func(c *Config) any { return forward(c).ReplayRate }, 50,
			"0", `want a whole number of lines per second from 1 to 1000000, got "0"`},
		{"fail_silent", "forward.central", "fail_silent", "TRUE", forwardNeeds, func(c *Config) any { return forward(c).FailSilent }, true,
			"sometimes", `want yes or no (true/false, on/off), got "sometimes"`},
		{"loki", "forward.fleet", "type", "loki", "to = http://127.0.0.1:9428/insert/loki/api/v1/push\nstreams = error\n",
			func(c *Config) any { return [3]any{forward(c).Type, forward(c).Labels, forward(c).ReplayRate} }, [3]any{"loki", []string{"level"}, 10000},
			"graylog", `want syslog, webhook, loki, otlp or influx, got "graylog"`},
		{"labels", "forward.fleet", "labels", "Logger, level", lokiNeeds, func(c *Config) any { return forward(c).Labels }, []string{"logger", "level"},
			"pid", `want none, or level and logger separated by commas (gateway, host and stream are always sent), got "pid"`},
		{"labels always sent", "forward.fleet", "labels", "host, stream, level", lokiNeeds, func(c *Config) any { return forward(c).Labels }, []string{"level"},
			"stream, pid", `want none, or level and logger separated by commas (gateway, host and stream are always sent), got "stream, pid"`},
		{"events", "forward.tsdb", "events", "webbrick/CT, webbrick/DI", "type = influx\nto = http://127.0.0.1:8428\n",
			func(c *Config) any { return forward(c).Events }, []string{"webbrick/CT", "webbrick/DI"},
			"a,,b", `want all, or event type prefixes separated by commas such as webbrick/CT, webbrick/DI, got "a,,b"`},
		{"budget", "forward.fleet", "budget", "20MB/day", lokiNeeds, func(c *Config) any { return [2]any{forward(c).Budget, forward(c).BudgetPeriod} },
			[2]any{int64(20 << 20), 24 * time.Hour}, "20MB", `want ` + budgetWant + `, got "20MB"`},
		{"budget period", "forward.fleet", "budget", "1MiB / 6h", lokiNeeds, func(c *Config) any { return [2]any{forward(c).Budget, forward(c).BudgetPeriod} },
			[2]any{int64(1 << 20), 6 * time.Hour}, "/day", `want ` + budgetWant + `, got "/day"`},
		{"budget_level", "forward.fleet", "budget_level", "warning", lokiNeeds, func(c *Config) any { return forward(c).BudgetLevel }, levels.WARNING,
			"loud", `want a level (NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF or 0-50), got "loud"`},
		{"token", "forward.fleet", "token", "s3cret.T0ken", lokiNeeds, func(c *Config) any { return forward(c).Token }, "s3cret.T0ken",
			"not a token", `want none or a token of A-Z a-z 0-9 - . _ ~ + / =, got something else (not shown: it is a secret)`},
		{"ca", "forward.fleet", "ca", "/etc/gwlog/ca.pem", lokiNeeds, func(c *Config) any { return forward(c).CA }, "/etc/gwlog/ca.pem",
			"ca.pem", `want none or the absolute path of a PEM file, got "ca.pem"`},
	})
}

// lokiNeeds are the keys a loki forward needs besides the one tested.
const lokiNeeds = "type = loki\nto = http://127.0.0.1:9428/insert/loki/api/v1/push\nstreams = error\n"

// TestFleetForwardErrors: what does not fit a fleet destination's type is
// an error naming the file and line.
func TestFleetForwardErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"url for syslog", "[forward.x]\ntype = loki\nto = udp://127.0.0.1:514\nstreams = error\n",
			`log.cfg:3: [forward.x] to: want an http:// or https:// URL for type loki, got "udp://127.0.0.1:514"`},
		{"url that does not parse", "[forward.x]\ntype = otlp\nto = http://[::1\nstreams = error\n",
			`log.cfg:3: [forward.x] to: want a syslog address (udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH) or a webhook URL (http:// or https://), got "http://[::1"`},
		{"events for loki", "[forward.x]\ntype = loki\nto = http://h:1\nstreams = error\nevents = all\nevents = a/b\n",
			"log.cfg:6: [forward.x] events: duplicate key (first set on line 5)"},
		{"events for syslog", "[forward.x]\nto = udp://h:514\nstreams = error\nevents = webbrick\n",
			"log.cfg:4: [forward.x] events: events are shipped by type influx only, this is type syslog"},
		{"budget for syslog", "[forward.x]\nto = udp://h:514\nstreams = error\nbudget = 1MB/day\n",
			"log.cfg:4: [forward.x] budget: a budget is kept by types loki, otlp and influx, this is type syslog"},
		{"streams for influx", "[forward.x]\ntype = influx\nto = http://h:8428\nstreams = error\n",
			"log.cfg:4: [forward.x] streams: type influx ships events (events = …), not streams"},
		{"gateway name", "[runtime]\nname = gw 1\n",
			`log.cfg:2: [runtime] name: want none or a name of up to 64 letters, digits, '.', '_' and '-', got "gw 1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, parseErr(t, src("log.cfg", tt.text)))
		})
	}
}

func TestForwardTokenIsNotPrinted(t *testing.T) {
	c := mustParse(t, src("log.cfg", "[forward.x]\n"+lokiNeeds+"token = s3cret.T0ken\n"))
	var b strings.Builder
	_, err := c.WriteTo(&b)
	require.NoError(t, err)
	assert.NotContains(t, b.String(), "s3cret")
	assert.Contains(t, b.String(), "token = none  ; log.cfg:5 (a token is set there; not shown)")
}

func FuzzParseBudget(f *testing.F) {
	for _, s := range []string{"20MB/day", "1MiB/hour", "100MB/7d", "none", "0", "5/1m", "1B/59s", "/day", "20MB/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		n, d, err := ParseBudget(v)
		if err != nil || n == 0 {
			return
		}
		if n < 0 || d < time.Minute {
			t.Fatalf("ParseBudget(%q) = %d, %v", v, n, d)
		}
		n2, d2, err := ParseBudget(FormatBudget(n, d))
		if err != nil || n2 != n || d2 != d {
			t.Fatalf("ParseBudget(FormatBudget(%d, %v)) = %d, %v, %v", n, d, n2, d2, err)
		}
	})
}

// tokenErr is the error of a bad http_token, which does not repeat it.
const tokenErr = "want none or a token of 16 to 512 characters from A-Z a-z 0-9 - . _ ~ + / (then = padding), got something else (not shown: it is a secret)"

func TestCheckHTTPToken(t *testing.T) {
	tests := []struct {
		name string
		tok  string
		ok   bool
	}{
		{"sixteen", "0123456789abcdef", true},
		{"alphabet", "AZaz09-._~+/xxxxxxx", true},
		{"padded", "c2VjcmV0LXNlY3JldC0x==", true},
		{"longest", strings.Repeat("a", MaxHTTPToken), true},
		{"empty", "", false},
		{"fifteen", "0123456789abcde", false},
		{"too long", strings.Repeat("a", MaxHTTPToken+1), false},
		{"only padding", strings.Repeat("=", 20), false},
		{"padding inside", "0123456789=abcdef", false},
		{"space", "0123456789 abcdef", false},
		{"comma", "0123456789,abcdef", false},
		{"quote", `0123456789"abcdef`, false},
		{"non-ASCII", "0123456789abcdéf", false},
		{"control", "0123456789abcdef\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckHTTPToken(tt.tok)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrValue)
			if tt.tok != "" {
				assert.NotContains(t, err.Error(), tt.tok, "the token is a secret")
			}
		})
	}
}

func TestHTTPTokenNotEchoed(t *testing.T) {
	secret := "almost-a-good-token but for the space"
	err := parseErr(t, src("prod.cfg", "[runtime]\nhttp_token = "+secret+"\n"))
	assert.Equal(t, "prod.cfg:2: [runtime] http_token: "+tokenErr, err)
	assert.NotContains(t, err, "almost")
}

// TestDefaults checks the values of keys nobody sets.
func TestDefaults(t *testing.T) {
	c := mustParse(t, src("prod.cfg", "[stream.zigbee]\n[logger.Zigbee]\n[forward.central]\n"+forwardNeeds))
	assert.Equal(t, Stream{
		Name:        "zigbee",
		Rotate:      ramlog.Rotation{Kind: ramlog.RotateSize, Size: 1 << 20},
		Keep:        5,
		RAMCompress: "gzip",
		DiskKeep:    14 * 24 * time.Hour,
		Format:      levels.DefaultPattern,
	}, c.Streams[len(c.Streams)-1])
	assert.Equal(t, Logger{Name: "Zigbee", Propagate: true}, c.Loggers[len(c.Loggers)-1])
	assert.Equal(t, []Forward{{
		Name: "central", Type: "syslog", To: "udp://127.0.0.1:514", Protocol: "rfc5424",
		Facility: 1, Severity: 5, Level: levels.NOTSET, Streams: []string{"error"},
		Queue: 4 << 20, ReplayRate: 1000, Labels: []string{"level"}, BudgetLevel: levels.ERROR,
	}}, c.Forwards)
}

func TestForwardChecks(t *testing.T) {
	tests := []struct {
		name, text, err string
	}{
		{"no to", "[forward.central]\nstreams = error\n",
			"log.cfg:1: [forward.central] to: missing; want udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH (type syslog) or an http:// or https:// URL (type webhook)"},
		{"no streams", "[forward.central]\nto = udp://h:514\n",
			"log.cfg:1: [forward.central] streams: missing; want one or more stream names separated by commas"},
		{"webhook to syslog", "[forward.central]\ntype = webhook\nto = udp://h:514\nstreams = error\n",
			`log.cfg:3: [forward.central] to: want an http:// or https:// URL for type webhook, got "udp://h:514"`},
		{"syslog to webhook", "[forward.central]\nto = https://h/x\nstreams = error\n",
			`log.cfg:2: [forward.central] to: want udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH for type syslog, got "https://h/x"`},
		{"unknown stream", "[forward.central]\nto = udp://h:514\nstreams = error, eventlog\n",
			`log.cfg:3: [forward.central] streams: want declared streams (access, error, EventLog, debug, screen), got "eventlog"`},
		{"bad to reported once", "[forward.central]\nto = udp://h\nstreams = error\n",
			`log.cfg:2: [forward.central] to: want a syslog address (udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH) or a webhook URL (http:// or https://), got "udp://h"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.err, parseErr(t, src("log.cfg", tt.text)))
		})
	}
}

func TestStreamReferences(t *testing.T) {
	err := parseErr(t,
		src("log.cfg", "[logger.root]\nstreams = debug, dbug\n"),
		src("prod.cfg", "[stream.zigbee]\n[logger.Zigbee]\nstreams = zigbee, zgbee\n"))
	assert.Equal(t, `log.cfg:2: [logger.root] streams: want declared streams (access, error, EventLog, debug, screen, zigbee), got "dbug"
prod.cfg:3: [logger.Zigbee] streams: want declared streams (access, error, EventLog, debug, screen, zigbee), got "zgbee"`, err)

	// A stream declared by a later file may be named earlier.
	c := mustParse(t, src("log.cfg", "[logger.Zigbee]\nstreams = zigbee\n"), src("prod.cfg", "[stream.zigbee]\n"))
	require.Len(t, c.Loggers, 5)
	assert.Equal(t, []string{"zigbee"}, c.Loggers[4].Streams)
}
