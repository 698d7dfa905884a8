package cfg

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/levels"
	"github.com/gwlog/gwlog/ramlog"
)

func TestDefault(t *testing.T) {
	minimal := mustDefault(t, "")
	assert.Equal(t, values(mustDefault(t, "minimal")), values(minimal))
	assert.Equal(t, Runtime{Profile: "minimal", RAMCap: 100 << 20, EventRAM: 8 << 20, DiskCap: 1 << 30,
		Flush: 5 * time.Minute, FlushUrgent: 5 * time.Second, Reload: time.Minute, MaxLine: 16 << 10}, minimal.Runtime)
	var names []string
	for _, s := range minimal.Streams {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"access", "error", "EventLog", "debug", "screen"}, names)
	assert.Equal(t, Logger{Name: "root", Level: levels.WARNING, Propagate: true, Streams: []string{"debug", "error"}}, minimal.Loggers[0])
	assert.Empty(t, minimal.Files)
	assert.Equal(t, Origin{}, minimal.Origins["runtime/ram_cap"])
	assert.Equal(t, "default", minimal.Origins["runtime/ram_cap"].String())

	disk := mustDefault(t, "disk")
	assert.Equal(t, "disk", disk.Runtime.Profile)
	assert.Equal(t, "/var/log/gwlog", disk.Runtime.Disk)
	assert.Equal(t, levels.INFO, disk.Loggers[0].Level)

	_, err := Default("maximal")
	assert.ErrorIs(t, err, ErrValue)
	assert.EqualError(t, err, `cfg: invalid value: profile "maximal": want minimal or disk`)
}

// TestProfiles checks that each embedded profile names itself and that
// nothing else is embedded.
func TestProfiles(t *testing.T) {
	entries, err := fs.ReadDir(profileFS, "profiles")
	require.NoError(t, err)
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	assert.ElementsMatch(t, []string{"minimal.cfg", "disk.cfg"}, files)
	for _, name := range profileNames {
		t.Run(name, func(t *testing.T) {
			data, err := profileFS.ReadFile("profiles/" + name + ".cfg")
			require.NoError(t, err)
			c := mustParse(t, Source{Name: name + ".cfg", Data: data})
			assert.Equal(t, name, c.Runtime.Profile)
			assert.Equal(t, values(mustDefault(t, name)), values(c))
		})
	}
}

func TestSyntax(t *testing.T) {
	tests := []struct {
		name, text, err string
	}{
		{"key before section", "ram_cap = 1MiB\n",
			"log.cfg:1: ram_cap: key before any [section] header"},
		{"no equals", "[runtime]\nram_cap 1MiB\n",
			`log.cfg:2: want [section], key = value or a comment, got "ram_cap 1MiB"`},
		{"no key", "[runtime]\n = 1MiB\n",
			`log.cfg:2: want key = value, got "= 1MiB"`},
		{"unclosed header", "[stream.debug\nkeep = 1\n",
			`log.cfg:1: want [section], key = value or a comment, got "[stream.debug"`},
		{"unknown section", "[strem.debug]\nkeep = 1\nnonsense = 2\n",
			"log.cfg:1: [strem.debug] unknown section; want [runtime], [stream.NAME], [logger.NAME] or [forward.NAME]"},
		{"runtime with a name", "[runtime.x]\n",
			"log.cfg:1: [runtime.x] want [runtime] without a name"},
		{"stream without a name", "[stream]\n",
			`log.cfg:1: [stream] want [stream.NAME] with NAME a plain file name, without white space or any of / \ , ; # [ ], and not none; got ""`},
		{"stream path", "[stream.a/b]\n",
			`log.cfg:1: [stream.a/b] want [stream.NAME] with NAME a plain file name, without white space or any of / \ , ; # [ ], and not none; got "a/b"`},
		{"stream none", "[stream.None]\n",
			`log.cfg:1: [stream.None] want [stream.NAME] with NAME a plain file name, without white space or any of / \ , ; # [ ], and not none; got "None"`},
		{"stream dotdot", "[stream...]\n",
			`log.cfg:1: [stream...] want [stream.NAME] with NAME a plain file name, without white space or any of / \ , ; # [ ], and not none; got ".."`},
		{"logger dots", "[logger...]\n",
			`log.cfg:1: [logger...] want [logger.NAME] with NAME a dotted logger name without white space or brackets, or root; got ".."`},
		{"logger space", "[logger.a b]\n",
			`log.cfg:1: [logger.a b] want [logger.NAME] with NAME a dotted logger name without white space or brackets, or root; got "a b"`},
		{"forward dotted", "[forward.a.b]\n",
			`log.cfg:1: [forward.a.b] want [forward.NAME] with NAME of letters, digits, _ and -; got "a.b"`},
		{"unknown key", "[stream.debug]\nrotat = size 1MiB\n",
			"log.cfg:2: [stream.debug] rotat: unknown key; want rotate, keep, ram, disk_keep, format, level, compress, ram_compress, console or dedup"},
		{"unknown runtime key", "[runtime]\nram = 1MiB\n",
			"log.cfg:2: [runtime] ram: unknown key; want profile, ram_cap, event_ram, disk, disk_cap, flush, flush_urgent, disk_write_budget, reload, monitor, max_line, http_token or name"},
		{"unknown logger key", "[logger.root]\nhandlers = debug\n",
			"log.cfg:2: [logger.root] handlers: unknown key; want level, propagate or streams"},
		{"unknown forward key", "[forward.x]\nhost = a\n" + forwardNeeds,
			"log.cfg:2: [forward.x] host: unknown key; want type, to, protocol, priority, level, streams, queue, replay_rate, fail_silent, labels, events, budget, budget_level, token or ca"},
		{"duplicate key", "[runtime]\nram_cap = 1MiB\n\nRAM_CAP = 2MiB\n",
			"log.cfg:4: [runtime] ram_cap: duplicate key (first set on line 2)"},
		{"duplicate across repeated section", "[logger.a.b]\nlevel = INFO\n[runtime]\n[logger.a..b]\nlevel = DEBUG\n",
			"log.cfg:5: [logger.a.b] level: duplicate key (first set on line 2)"},
		{"duplicate empty", "[runtime]\nflush =\nflush = 1s\n",
			"log.cfg:3: [runtime] flush: duplicate key (first set on line 2)"},
		{"control character", "[runtime]\nflush = 1s\x00\n",
			"log.cfg:2: control character U+0000 at byte 10"},
		{"carriage return inside", "[runtime]\nflush = 1s\rreload = 0\n",
			"log.cfg:2: control character U+000D at byte 10"},
		{"invalid UTF-8", "[runtime]\n# caf\xe9\n",
			"log.cfg:2: invalid UTF-8 at byte 5"},
		{"bad header skips its keys", "[stream.\x01]\nnonsense = 1\n",
			"log.cfg:1: control character U+0001 at byte 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.err, parseErr(t, src("log.cfg", tt.text)))
		})
	}
}

func TestSyntaxAccepted(t *testing.T) {
	debug := func(c *Config) Stream { return c.Streams[3] }
	tests := []struct {
		name, text string
		check      func(t *testing.T, c *Config)
	}{
		{"comments", "# one\n; two\n   # indented\n[runtime]  # after a header\nram_cap = 2MiB # after a value\nflush = 2s\t; after a tab\n",
			func(t *testing.T, c *Config) {
				assert.Equal(t, int64(2<<20), c.Runtime.RAMCap)
				assert.Equal(t, 2*time.Second, c.Runtime.Flush)
			}},
		{"semicolon inside a value", "[runtime]\ndisk = /mnt/a;b#c\n",
			func(t *testing.T, c *Config) { assert.Equal(t, "/mnt/a;b#c", c.Runtime.Disk) }},
		{"comment right after equals", "[stream.debug]\nformat =# nothing\n",
			func(t *testing.T, c *Config) { assert.Equal(t, levels.DefaultPattern, debug(c).Format) }},
		{"keys and kinds are case-insensitive", "[Stream.debug]\n  KEEP=9  \n",
			func(t *testing.T, c *Config) {
				assert.Equal(t, 9, debug(c).Keep)
				assert.Equal(t, Origin{File: "log.cfg", Line: 2}, c.Origins["stream.debug/keep"])
			}},
		{"CRLF and BOM", "\uFEFF[runtime]\r\nram_cap = 3MiB\r\n",
			func(t *testing.T, c *Config) { assert.Equal(t, int64(3<<20), c.Runtime.RAMCap) }},
		{"no final newline", "[runtime]\nram_cap = 3MiB",
			func(t *testing.T, c *Config) { assert.Equal(t, int64(3<<20), c.Runtime.RAMCap) }},
		{"value with equals", "[forward.hook]\ntype = webhook\nto = https://h/x?a=b\nstreams = error\n",
			func(t *testing.T, c *Config) { assert.Equal(t, "https://h/x?a=b", c.Forwards[0].To) }},
		{"section merged within a file", "[stream.debug]\nkeep = 9\n[runtime]\n[stream.debug]\nram = 1MiB\n",
			func(t *testing.T, c *Config) {
				assert.Equal(t, 9, debug(c).Keep)
				assert.Equal(t, int64(1<<20), debug(c).RAM)
			}},
		{"logger names are canonical", "[logger..WebBrickGateway..Heating.]\nlevel = DEBUG\n[logger.root]\nlevel = ERROR\n",
			func(t *testing.T, c *Config) {
				assert.Equal(t, "root", c.Loggers[0].Name)
				assert.Equal(t, levels.ERROR, c.Loggers[0].Level)
				assert.Equal(t, "WebBrickGateway.Heating", c.Loggers[4].Name)
				assert.Equal(t, Origin{File: "log.cfg", Line: 2}, c.Origins["logger.WebBrickGateway.Heating/level"])
			}},
		{"stream names with dots", "[stream.zigbee.log]\n[logger.z]\nstreams = zigbee.log\n",
			func(t *testing.T, c *Config) { assert.Equal(t, "zigbee.log", c.Streams[5].Name) }},
		{"empty file", "",
			func(t *testing.T, c *Config) { assert.Equal(t, values(mustDefault(t, "")), values(c)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustParse(t, src("log.cfg", tt.text)))
		})
	}
}

// TestAllProblems checks that every problem in every file is reported, in
// file and line order, and that each wraps its sentinel.
func TestAllProblems(t *testing.T) {
	_, err := Parse(
		src("log.cfg", "[runtime]\nram_cap = lots\nbogus = 1\n[stream.debug]\nrotate = sise 1MiB\nrotate = size 2MiB\n"),
		src("prod.cfg", "oops\n[loger.x]\n[logger.root]\nstreams = dbug\n[forward.central]\nstreams = error\n"),
	)
	require.Error(t, err)
	var es Errors
	require.ErrorAs(t, err, &es)
	assert.Equal(t, `log.cfg:2: [runtime] ram_cap: want a size such as 100MiB, got "lots"
log.cfg:3: [runtime] bogus: unknown key; want profile, ram_cap, event_ram, disk, disk_cap, flush, flush_urgent, disk_write_budget, reload, monitor, max_line, http_token or name
log.cfg:5: [stream.debug] rotate: want "size N", "time UNIT", "both UNIT,N" or "none", got "sise 1MiB"
log.cfg:6: [stream.debug] rotate: duplicate key (first set on line 5)
prod.cfg:1: want [section], key = value or a comment, got "oops"
prod.cfg:2: [loger.x] unknown section; want [runtime], [stream.NAME], [logger.NAME] or [forward.NAME]
prod.cfg:4: [logger.root] streams: want declared streams (access, error, EventLog, debug, screen), got "dbug"
prod.cfg:5: [forward.central] to: missing; want udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH (type syslog) or an http:// or https:// URL (type webhook)`, err.Error())
	sentinels := []error{ErrValue, ErrUnknown, ErrValue, ErrDuplicate, ErrSyntax, ErrUnknown, ErrReference, ErrMissing}
	require.Len(t, es, len(sentinels))
	for i, s := range sentinels {
		assert.ErrorIs(t, es[i], s, es[i].Error())
		assert.ErrorIs(t, err, s)
	}
	assert.Equal(t, &Error{File: "prod.cfg", Line: 4, Section: "logger.root", Key: "streams",
		Msg: `want declared streams (access, error, EventLog, debug, screen), got "dbug"`, Err: ErrReference, src: 1}, es[6])

	var one *Error
	require.ErrorAs(t, err, &one)
	assert.Equal(t, "log.cfg", one.File)
	assert.Equal(t, 2, one.Line)
	assert.False(t, errors.Is(err, ramlog.ErrRotate), "cfg errors do not leak ramlog's sentinels")
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"full", &Error{File: "prod.cfg", Line: 12, Section: "stream.debug", Key: "rotate", Msg: "m"}, "prod.cfg:12: [stream.debug] rotate: m"},
		{"no key", &Error{File: "prod.cfg", Line: 3, Section: "strem.x", Msg: "m"}, "prod.cfg:3: [strem.x] m"},
		{"no section", &Error{File: "prod.cfg", Line: 3, Msg: "m"}, "prod.cfg:3: m"},
		{"key only", &Error{File: "prod.cfg", Line: 3, Key: "k", Msg: "m"}, "prod.cfg:3: k: m"},
		{"no line", &Error{File: "prod.cfg", Msg: "m"}, "prod.cfg: m"},
		{"profile", &Error{Msg: "m"}, "default: m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

// overrideBase is a log.cfg that the override tests override.
const overrideBase = `[runtime]
ram_cap = 64MiB
flush = 10s

[stream.debug]
keep = 9
level = INFO

[logger.root]
level = ERROR
`

func TestOverride(t *testing.T) {
	logCfg := src("log.cfg", overrideBase)
	t.Run("key by key", func(t *testing.T) {
		c := mustParse(t, logCfg, src("prod.cfg", "[runtime]\nflush = 5s\n"))
		assert.Equal(t, int64(64<<20), c.Runtime.RAMCap)
		assert.Equal(t, 5*time.Second, c.Runtime.Flush)
		assert.Equal(t, time.Minute, c.Runtime.Reload)
		assert.Equal(t, Origin{File: "log.cfg", Line: 2}, c.Origins["runtime/ram_cap"])
		assert.Equal(t, Origin{File: "prod.cfg", Line: 2}, c.Origins["runtime/flush"])
		assert.Equal(t, Origin{}, c.Origins["runtime/reload"])
		assert.Equal(t, "prod.cfg:2", c.Origins["runtime/flush"].String())
		assert.Equal(t, []string{"log.cfg", "prod.cfg"}, c.Files)
	})
	t.Run("empty value resets to the profile", func(t *testing.T) {
		c := mustParse(t, logCfg, src("prod.cfg", "[stream.debug]\nkeep =\n[runtime]\nram_cap =  ; back to the default\n"))
		assert.Equal(t, 5, c.Streams[3].Keep)
		assert.Equal(t, int64(100<<20), c.Runtime.RAMCap)
		assert.Equal(t, Origin{}, c.Origins["stream.debug/keep"])
		assert.Equal(t, Origin{}, c.Origins["runtime/ram_cap"])
	})
	t.Run("empty value unsets what the profile lacks", func(t *testing.T) {
		c := mustParse(t, logCfg, src("prod.cfg", "[stream.debug]\nlevel =\n"))
		assert.Equal(t, levels.NOTSET, c.Streams[3].Level)
		assert.NotContains(t, c.Origins, "stream.debug/level")
	})
	t.Run("later file wins", func(t *testing.T) {
		c := mustParse(t, logCfg, src("a.cfg", "[logger.root]\nlevel = INFO\n"), src("b.cfg", "[logger.root]\nlevel = DEBUG for 1h\n"))
		assert.Equal(t, levels.DEBUG, c.Loggers[0].Level)
		assert.Equal(t, time.Hour, c.Loggers[0].For)
		assert.Equal(t, Origin{File: "b.cfg", Line: 2}, c.Origins["logger.root/level"])
	})
	t.Run("logger streams none", func(t *testing.T) {
		c := mustParse(t, src("prod.cfg", "[logger.root]\nstreams = none\n"))
		assert.Nil(t, c.Loggers[0].Streams)
		c = mustParse(t, src("log.cfg", "[logger.root]\nstreams = none\n"), src("prod.cfg", "[logger.root]\nstreams =\n"))
		assert.Equal(t, []string{"debug", "error"}, c.Loggers[0].Streams)
	})
	t.Run("key overridden by a bad value", func(t *testing.T) {
		err := parseErr(t, logCfg, src("prod.cfg", "[runtime]\nram_cap = 0\n"))
		assert.Equal(t, `prod.cfg:2: [runtime] ram_cap: want a size from 1B to 1024GiB such as 100MiB, got "0"`, err)
		err = parseErr(t, logCfg, src("prod.cfg", "[runtime]\nram_cap = 99999999GiB\n"))
		assert.Equal(t, `prod.cfg:2: [runtime] ram_cap: want a size from 1B to 1024GiB such as 100MiB, got "99999999GiB"`, err)
	})
	t.Run("bad value overridden later is still reported", func(t *testing.T) {
		err := parseErr(t, src("log.cfg", "[runtime]\nflush = never\n"), src("prod.cfg", "[runtime]\nflush = 5s\n"))
		assert.Equal(t, `log.cfg:2: [runtime] flush: want a duration such as 30s, got "never"`, err)
	})
}

// TestOverrideAddsSections checks that sections only an override declares
// follow the profile's, in order of first appearance.
func TestOverrideAddsSections(t *testing.T) {
	logCfg := src("log.cfg", overrideBase)
	c := mustParse(t, logCfg, src("prod.cfg", `[logger.Zigbee]
streams = zigbee
propagate = no
[stream.zigbee]
rotate = size 256KiB
[stream.audit]
[forward.central]
to = udp://10.0.0.1:514
streams = error, zigbee
`))
	var names []string
	for _, s := range c.Streams {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"access", "error", "EventLog", "debug", "screen", "zigbee", "audit"}, names)
	assert.Equal(t, ramlog.Rotation{Kind: ramlog.RotateSize, Size: 256 << 10}, c.Streams[5].Rotate)
	assert.Equal(t, Logger{Name: "Zigbee", Propagate: false, Streams: []string{"zigbee"}}, c.Loggers[4])
	require.Len(t, c.Forwards, 1)
	assert.Equal(t, []string{"error", "zigbee"}, c.Forwards[0].Streams)
	assert.Equal(t, Origin{File: "prod.cfg", Line: 8}, c.Origins["forward.central/to"])
}

// TestOverrideProfile checks a profile chosen or reset by a later file.
func TestOverrideProfile(t *testing.T) {
	t.Run("profile switch in prod.cfg", func(t *testing.T) {
		c := mustParse(t, src("log.cfg", "[runtime]\nprofile = minimal\nram_cap = 64MiB\n"), src("prod.cfg", "[runtime]\nprofile = disk\n"))
		assert.Equal(t, "disk", c.Runtime.Profile)
		assert.Equal(t, "/var/log/gwlog", c.Runtime.Disk)
		assert.Equal(t, int64(64<<20), c.Runtime.RAMCap)
		assert.Equal(t, levels.INFO, c.Loggers[0].Level)
		assert.Equal(t, Origin{File: "prod.cfg", Line: 2}, c.Origins["runtime/profile"])
	})
	t.Run("profile reset", func(t *testing.T) {
		c := mustParse(t, src("log.cfg", "[runtime]\nprofile = disk\n"), src("prod.cfg", "[runtime]\nprofile =\n"))
		assert.Equal(t, values(mustDefault(t, "minimal")), values(c))
	})
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("log.cfg", []byte("[runtime]\nram_cap = 64MiB\n"), 0o644))
	require.NoError(t, os.WriteFile("prod.cfg", []byte("[runtime]\n\nflush = 5s\n"), 0o644))

	tests := []struct {
		name  string
		paths []string
		files []string
		err   string
	}{
		{"both", []string{"log.cfg", "prod.cfg"}, []string{"log.cfg", "prod.cfg"}, ""},
		{"optional present", []string{"log.cfg", "prod.cfg?"}, []string{"log.cfg", "prod.cfg"}, ""},
		{"optional missing", []string{"log.cfg", "site.cfg?"}, []string{"log.cfg"}, ""},
		{"required missing", []string{"log.cfg", "site.cfg"}, nil, "cfg: open site.cfg: no such file or directory"},
		{"required missing in a directory", []string{"nothere/log.cfg"}, nil, "cfg: open nothere/log.cfg: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.paths...)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				assert.ErrorIs(t, err, fs.ErrNotExist)
				assert.Nil(t, c)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.files, c.Files)
			assert.Equal(t, int64(64<<20), c.Runtime.RAMCap)
			assert.Equal(t, Origin{File: "log.cfg", Line: 2}, c.Origins["runtime/ram_cap"])
		})
	}

	t.Run("no paths", func(t *testing.T) {
		c, err := Load()
		require.NoError(t, err)
		assert.Equal(t, values(mustDefault(t, "")), values(c))
	})
	t.Run("errors name the path", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.cfg")
		require.NoError(t, os.WriteFile(bad, []byte("[runtime]\nflush = 1ms\n"), 0o644))
		_, err := Load("log.cfg", bad)
		assert.EqualError(t, err, bad+`:2: [runtime] flush: want a duration of at least 1s, got "1ms"`)
	})
	t.Run("unnamed source", func(t *testing.T) {
		err := parseErr(t, Source{Data: []byte("x\n")})
		assert.Equal(t, `source1:1: want [section], key = value or a comment, got "x"`, err)
	})
}
