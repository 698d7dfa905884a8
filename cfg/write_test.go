package cfg

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// busy sets every key of every kind, with values that do not print back as
// they were written.
var busy = []Source{
	src("log.cfg", `[runtime]
profile = DISK
ram_cap = 1.5GiB
disk = /mnt/my disk force
disk_cap = 1000000
flush = 90s
reload = 0
max_line = 1000
http_token = tok-0123456789abcdef==

[stream.debug]
rotate = both 10,1.25MiB
keep = 0
ram = 3000KB
disk_keep = 36h
format = %(asctime)s %(levelno)03d %(message)r;%(attrs)s
level = Level 15
compress = GZIP
console = TRUE
dedup = 90s
`),
	src("prod.cfg", `[logger...Zigbee..radio]
level = critical for 1d1ns
propagate = off
streams = zigbee,debug

[stream.zigbee]
rotate = time 90
[forward.central]
to = tcp://[fe80::1]:601
protocol = RFC3164
priority = LOCAL7.Debug
level = 45
streams = error
queue = 1.5KiB
replay_rate = 7
fail_silent = yes
[forward.hook]
type = webhook
to = https://hooks.example/gw?a=b;c
streams = error
`),
}

func TestWriteTo(t *testing.T) {
	c := mustParse(t, busy...)
	out := written(t, c)
	for _, line := range []string{
		`# files: "log.cfg" "prod.cfg"`,
		"[runtime]\nprofile = disk  ; log.cfg:2\n",
		"ram_cap = 1536MiB  ; log.cfg:3\n",
		"disk = /mnt/my disk force  ; log.cfg:4\n",
		"disk_cap = 1000000B  ; log.cfg:5\n",
		"flush = 1m30s  ; log.cfg:6\n",
		"reload = 0s  ; log.cfg:7\n",
		"max_line = 1000B  ; log.cfg:8\n",
		"http_token = none  ; log.cfg:9 (a token is set there; not shown)\n",
		"rotate = both 10m,1280KiB  ; log.cfg:12\n",
		"ram = 3000KiB  ; log.cfg:14\n",
		"disk_keep = 36h  ; log.cfg:15\n",
		"level = Level 15  ; log.cfg:17\n",
		"compress = gzip  ; log.cfg:18\n",
		"console = yes  ; log.cfg:19\ndedup = 1m30s  ; log.cfg:20\n",
		"level = ERROR  ; default\ncompress = none  ; default\nram_compress = gzip  ; default\nconsole = no  ; default\ndedup = off  ; default\n",
		"[stream.access]\nrotate = time midnight  ; default\n",
		"disk_keep = 14d  ; default\n",
		"[stream.zigbee]\nrotate = time 90m  ; prod.cfg:7\nkeep = 5  ; default\n",
		"[logger.Zigbee.radio]\nlevel = CRITICAL for 24h0m0.000000001s  ; prod.cfg:2\npropagate = no  ; prod.cfg:3\nstreams = zigbee, debug  ; prod.cfg:4\n",
		"[logger.root]\nlevel = INFO  ; default\n",
		"priority = local7.debug  ; prod.cfg:11\n",
		"queue = 1536B  ; prod.cfg:14\n",
		"[forward.hook]\ntype = webhook  ; prod.cfg:18\nto = https://hooks.example/gw?a=b;c  ; prod.cfg:19\n",
		"level = WARNING  ; default\n",
	} {
		assert.Contains(t, out, line)
	}
	assert.Less(t, strings.Index(out, "[logger.root]"), strings.Index(out, "[logger.Zigbee.radio]"))
	assert.NotContains(t, out, "tok-0123456789abcdef", "the token is a secret")
}

// TestWriteToRoundTrip checks that Parse reads WriteTo's output back to
// the same settings.
func TestWriteToRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		sources []Source
	}{
		{"minimal", nil},
		{"disk", []Source{src("a.cfg", "[runtime]\nprofile = disk\n")}},
		{"busy", busy},
		{"odd sizes and durations", []Source{src("a.cfg", "[stream.debug]\nrotate = size 1000001\nram = 0.3KiB\ndisk_keep = 3d\ndedup = 0.5m\n[runtime]\nflush = 1.5s\nreload = 100000d\n")}},
		{"dedup", []Source{src("a.cfg", "[stream.debug]\ndedup = 3600s\n[stream.error]\ndedup = 1m1s\n[stream.access]\ndedup = none\n")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.sources...)
			out := written(t, c)
			back := mustParse(t, src("effective.cfg", out))
			c.Runtime.HTTPToken = "" // a secret reads back as none
			assert.Equal(t, values(c), values(back))
			assert.Equal(t, out[strings.IndexByte(out, '['):], stripOrigins(written(t, back), out), "the text is stable too")
		})
	}
}

// stripOrigins returns got's sections with want's origin comments, so that
// two WriteTo outputs compare by their settings.
func stripOrigins(got, want string) string {
	gl := strings.Split(got[strings.IndexByte(got, '['):], "\n")
	wl := strings.Split(want[strings.IndexByte(want, '['):], "\n")
	if len(gl) != len(wl) {
		return got
	}
	for i := range gl {
		g, _, gok := strings.Cut(gl[i], "  ; ")
		_, w, wok := strings.Cut(wl[i], "  ; ")
		if gok && wok {
			gl[i] = g + "  ; " + w
		}
	}
	return strings.Join(gl, "\n")
}

func TestWriteToError(t *testing.T) {
	c := mustDefault(t, "")
	n, err := c.WriteTo(failWriter{})
	require.Error(t, err)
	assert.Zero(t, n)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, assert.AnError }

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(busy...); err != nil {
			b.Fatal(err)
		}
	}
}
