package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog"
	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/httplog"
	"github.com/gwlog/gwlog/internal/gwtest"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// diskRuntime opens a runtime that spills to dir, and closes it at the
// end of the test (Close is idempotent).
func diskRuntime(t *testing.T, dir string) *gwlog.Runtime {
	t.Helper()
	conf := gwtest.Config(t, fmt.Sprintf("[runtime]\nprofile = disk\ndisk = %s force\nflush = 1s\nreload = 0\n", dir))
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{conf}})
	return rt
}

// serve serves rt's read-back API on loopback and returns its address.
func serve(t *testing.T, rt *gwlog.Runtime) (addr string, stop func()) {
	srv := gwtest.Serve(t, rt.HTTPHandler())
	return strings.TrimPrefix(srv.URL, "http://"), srv.Close
}

// fill logs 300 lines and, from base, two hours of readings a minute
// apart (val = 20 + i/10) with a valve event every half hour (token
// req-N).
func fill(t *testing.T, rt *gwlog.Runtime, base time.Time) {
	t.Helper()
	for i := range 300 {
		rt.Logger("svc").Warn(fmt.Sprintf("line %03d", i))
	}
	for i := range 120 {
		at := base.Add(time.Duration(i) * time.Minute)
		require.NotZero(t, rt.Events().Write(eventlog.Event{Time: at.UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1",
			Attrs: []eventlog.Attr{eventlog.FloatAttr("val", 20+float64(i)/10), eventlog.StringAttr("unit", "C")}}))
		if i%30 == 0 {
			require.NotZero(t, rt.Events().Write(eventlog.Event{Time: at.Add(2 * time.Second).UnixNano(), Type: "webbrick/DO",
				Source: "wb/100/DO/1", Token: fmt.Sprintf("req-%d", i/30), Attrs: []eventlog.Attr{eventlog.IntAttr("zone", 1), eventlog.BoolAttr("on", i%60 == 0)}}))
		}
	}
}

const lockedMsg = "gwlog: store %s is held by another process (a running gwlogd?); read it through the daemon with -addr, or stop it\n"

// TestStoreReadsLikeTheDaemon runs each read-back command against a
// daemon with a disk, then with -store on what it left, and wants the
// same output; while the daemon runs, -store says the store is held.
func TestStoreReadsLikeTheDaemon(t *testing.T) {
	dir := t.TempDir()
	rt := diskRuntime(t, dir)
	addr, stop := serve(t, rt)
	base := time.Now().UTC().Add(-4 * time.Hour).Truncate(time.Hour)
	fill(t, rt, base)
	sc := newStoreCase(dir, base)
	sc.want = make([]string, len(sc.cmds))
	for i, c := range sc.cmds {
		code, out, errs := run2(append([]string{"-addr", addr}, c...)...)
		require.Equal(t, ExitOK, code, "%v: %s", c, errs)
		sc.want[i] = out
	}
	sc.debugLines = checkDaemonStats(t, addr, dir)
	var err error
	sc.debugFile, err = fs.ReadFile(rt.FS(), "debug.log")
	require.NoError(t, err)

	t.Run("locked", func(t *testing.T) {
		for _, c := range [][]string{{"tail", "debug"}, {"stats"}, {"export", "-since", "-1d", "-o", filepath.Join(t.TempDir(), "x.tar.gz")}} {
			code, out, errs := run2(append([]string{"-store", dir}, c...)...)
			assert.Equal(t, ExitFailure, code, c)
			assert.Empty(t, out)
			assert.Equal(t, fmt.Sprintf(lockedMsg, dir), errs, c)
		}
	})

	daemonDump := filepath.Join(t.TempDir(), "daemon.tar.gz")
	code, out, errs := run2("-addr", addr, "export", "-since", "-1d", "-o", daemonDump)
	require.Equal(t, ExitOK, code, errs)
	assert.Regexp(t, `^`+regexp.QuoteMeta(daemonDump)+`: 2 files, 124 events\n$`, out)
	sc.daemonEntries = readDump(t, daemonDump)

	stop()
	require.NoError(t, rt.Close())

	for i, c := range sc.cmds {
		t.Run(strings.Join(c, " "), func(t *testing.T) {
			code, out, errs := run2(append([]string{"-store", dir}, c...)...)
			require.Equal(t, ExitOK, code, errs)
			assert.Empty(t, errs)
			assert.Equal(t, sc.want[i], out)
		})
	}
	t.Run("outputs", sc.checkOutputs)
	t.Run("stats", sc.checkStats)
	t.Run("export", sc.checkExport)
}

// storeCase is what TestStoreReadsLikeTheDaemon runs and what it learnt
// from the daemon, for the subtests that read its store after it stopped.
type storeCase struct {
	dir          string    // the store
	base         time.Time // fill's
	since, until string    // fill's two hours
	series       []string  // the flags that choose fill's readings
	cmds         [][]string
	want         []string // the daemon's output of each of cmds
	// debugLines is the debug stream's line count in the daemon's
	// stats; debugFile its debug.log; daemonEntries its export.
	debugLines    string
	debugFile     []byte
	daemonEntries dump
}

// newStoreCase returns the commands to run on the store in dir, filled
// from base.
func newStoreCase(dir string, base time.Time) *storeCase {
	sc := &storeCase{dir: dir, base: base,
		since: base.Format(time.RFC3339), until: base.Add(2 * time.Hour).Format(time.RFC3339)}
	sc.series = []string{"-type", "webbrick/CT", "-source", "wb/100/CT/1", "-attr", "val", "-step", "30m", "-since", sc.since, "-until", sc.until}
	sc.cmds = [][]string{
		{"tail", "-n", "5", "debug"},
		{"tail", "-n", "100000", "debug"},
		{"tail", "EventLog"},
		{"tail", "-n", "0", "debug"},
		{"events", "-since", sc.since, "-until", sc.until},
		{"events", "-format", "json"},
		{"events", "-format", "json", "-type", "webbrick/DO"},
		{"events", "-format", "csv", "-source", "wb/100/*"},
		{"events", "-reverse", "-limit", "3", "-where", "val>=30"},
		{"events", "-token", "req-2"},
		append([]string{"series"}, sc.series...),
		append([]string{"series", "-format", "csv"}, sc.series...),
		append([]string{"plot", "-o", "-"}, sc.series...),
	}
	return sc
}

// checkDaemonStats checks the disk's part of the stats of the daemon at
// addr, spilling to dir, and returns the debug stream's line count.
func checkDaemonStats(t *testing.T, addr, dir string) (debugLines string) {
	t.Helper()
	code, out, _ := run2("-addr", addr, "stats")
	require.Equal(t, ExitOK, code)
	m := regexp.MustCompile(`(?m)^\s+debug\s+\S+\s+\S+\s+\d+\s+(\d+)\s`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Contains(t, out, "\ndisk      "+dir+": present\n")
	assert.Regexp(t, `(?m)^spilled\s+\S+ in \d+ flush(es)?$`, out)
	assert.Regexp(t, `(?m)^queued\s+\S+B$`, out)
	assert.Regexp(t, `(?m)^lost\s+0 segments, 0 lines$`, out)
	assert.Regexp(t, `(?m)^failures\s+0$`, out)
	assert.Regexp(t, `(?m)^files\s+1, \S+ on disk, cap 1GiB$`, out)
	assert.Regexp(t, `(?m)^commits\s+\d+, \d+ syncs?$`, out)
	assert.Regexp(t, `(?m)^written\s+\S+, write amp (\d+\.\d\d|-)$`, out)
	return m[1]
}

// checkOutputs checks what -store prints on its own terms: every debug
// line in order, the events and a series of fill's readings.
func (sc *storeCase) checkOutputs(t *testing.T) {
	cli := func(args ...string) string {
		t.Helper()
		code, out, errs := run2(append([]string{"-store", sc.dir}, args...)...)
		require.Equal(t, ExitOK, code, errs)
		return out
	}
	all := cli("tail", "-n", "100000", "debug")
	assert.Equal(t, string(sc.debugFile), all, "the whole debug file")
	last := -1
	for i := range 300 {
		at := strings.Index(all, fmt.Sprintf(" WARNING svc line %03d\n", i))
		require.Greater(t, at, last, "line %d in order", i)
		last = at
	}
	assert.Regexp(t, `^(\S+ \S+ INFO EventLog\.webbrick\.CT wb/100/CT/1 seq='12\d' val='31\.\d' unit='C'\n){5}$`, cli("tail", "-n", "5", "debug"))
	assert.Equal(t, 124, strings.Count(cli("events"), "\n"))
	ev := cli("events", "-format", "json", "-token", "req-3")
	assert.Equal(t, fmt.Sprintf(`{"seq":%d,"time":"%s","type":"webbrick/DO","source":"wb/100/DO/1","token":"req-3","attrs":{"zone":1,"on":false}}`+"\n",
		91+4, sc.base.Add(90*time.Minute+2*time.Second).Format(time.RFC3339Nano)), ev, "after 91 readings and 3 valve events")
	var a httplog.SeriesAnswer
	require.NoError(t, json.Unmarshal([]byte(cli(append([]string{"series"}, sc.series...)...)), &a))
	require.Len(t, a.Buckets, 4)
	for i, b := range a.Buckets {
		assert.Equal(t, 30, b.Count)
		assert.InDelta(t, 20+float64(i)*3, b.Min, 1e-9)
		assert.InDelta(t, 22.9+float64(i)*3, b.Max, 1e-9)
	}
}

// checkStats checks -store's stats: every line the daemon held is stored,
// and a read-only store writes nothing.
func (sc *storeCase) checkStats(t *testing.T) {
	code, out, errs := run2("-store", sc.dir, "stats")
	require.Equal(t, ExitOK, code, errs)
	assert.Regexp(t, `(?m)^\s+stream\s+files\s+bytes\s+lines\s+first\s+last\s*$`, out)
	assert.Regexp(t, `(?m)^\s+debug\s+1\s+\S+\s+`+sc.debugLines+`\s+\d{4}-\d\d-\d\dT\S+Z\s+\d{4}-\d\d-\d\dT\S+Z\s*$`, out,
		"every line the daemon's ring held is stored")
	assert.Regexp(t, `(?m)^\s+EventLog\s+1\s+\S+\s+124\s`, out)
	assert.Contains(t, out, "\nstore     "+sc.dir+" (read-only)\n")
	assert.Regexp(t, `(?m)^files\s+1, \S+ on disk$`, out)
	assert.Regexp(t, `(?m)^segments\s+\d+$`, out)
	assert.Regexp(t, `(?m)^corrupt\s+0 values, 0 files recovered$`, out)
	assert.NotContains(t, out, "commits", "a read-only store writes nothing")
}

// checkExport checks -store's export: a dump named by the local time that
// holds what the daemon's did, to stdout too, and of a window.
func (sc *storeCase) checkExport(t *testing.T) {
	t.Chdir(t.TempDir())
	before := time.Now()
	code, out, errs := run2("-store", sc.dir, "export", "-since", "-1d")
	require.Equal(t, ExitOK, code, errs)
	names, err := filepath.Glob("*")
	require.NoError(t, err)
	require.Len(t, names, 1, "the dump alone: no temporary file is left")
	name := names[0]
	assert.Regexp(t, `^gwlog-dump-\d{8}-\d{4}\.tar\.gz$`, name)
	assert.Contains(t, []string{"gwlog-dump-" + before.Format("20060102-1504") + ".tar.gz",
		"gwlog-dump-" + time.Now().Format("20060102-1504") + ".tar.gz"}, name, "local time of the export")
	assert.Equal(t, name+": 2 files, 124 events\n", out)
	top := strings.TrimSuffix(name, ".tar.gz")

	entries := readDump(t, name)
	assert.Equal(t, []string{top + "/", top + "/streams/", top + "/streams/EventLog.log", top + "/streams/debug.log", top + "/events.jsonl"}, entries.names)
	assert.Equal(t, string(sc.debugFile), entries.data[top+"/streams/debug.log"])
	assert.Equal(t, sc.want[5], entries.data[top+"/events.jsonl"], "the events, as events -format json prints them")
	lines := strings.Split(strings.TrimSuffix(entries.data[top+"/events.jsonl"], "\n"), "\n")
	require.Len(t, lines, 124)
	for i, l := range lines {
		assert.True(t, strings.HasPrefix(l, fmt.Sprintf(`{"seq":%d,`, i+1)), l)
	}
	assert.Equal(t, 124, strings.Count(entries.data[top+"/streams/EventLog.log"], "\n"))

	// The daemon's dump holds the same.
	assert.Equal(t, strip(entries), strip(sc.daemonEntries))

	// To stdout, and a window that holds no file but the events'.
	code, out, errs = run2("-store", sc.dir, "export", "-since", sc.since, "-until", sc.base.Add(30*time.Minute).Format(time.RFC3339), "-o", "-")
	require.Equal(t, ExitOK, code, errs)
	f := filepath.Join(t.TempDir(), "out.tar.gz")
	require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
	part := readDump(t, f)
	top = strings.TrimSuffix(part.names[0], "/")
	assert.Equal(t, 31, strings.Count(part.data[top+"/events.jsonl"], "\n"), "30 readings and a valve event")
	assert.Contains(t, part.names, top+"/streams/EventLog.log", "the EventLog lines of those events are in it")

	code, out, errs = run2("-store", sc.dir, "export", "-since", "2000-01-01", "-until", "2000-01-02", "-o", "-")
	require.Equal(t, ExitOK, code, errs)
	require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
	empty := readDump(t, f)
	assert.Len(t, empty.names, 3, "the directories and an empty events.jsonl")
	assert.Empty(t, empty.data[strings.TrimSuffix(empty.names[0], "/")+"/events.jsonl"])
}

// dump is what readDump found in a .tar.gz: entry names in order, and
// the content of each file.
type dump struct {
	names []string
	data  map[string]string
}

func readDump(t *testing.T, file string) dump {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	d := dump{data: map[string]string{}}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		d.names = append(d.names, h.Name)
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			require.NoError(t, err)
			require.Equal(t, h.Size, int64(len(b)))
			d.data[h.Name] = string(b)
		} else {
			assert.Equal(t, byte(tar.TypeDir), h.Typeflag)
			assert.True(t, strings.HasSuffix(h.Name, "/"))
		}
	}
	require.NoError(t, gz.Close())
	return d
}

// strip drops the top directory from a dump's names.
func strip(d dump) dump {
	out := dump{data: map[string]string{}}
	for _, n := range d.names {
		_, rest, _ := strings.Cut(n, "/")
		out.names = append(out.names, rest)
		if v, ok := d.data[n]; ok {
			out.data[rest] = v
		}
	}
	return out
}

func TestStoreErrors(t *testing.T) {
	dir := t.TempDir()
	rt := diskRuntime(t, dir)
	rt.Logger("svc").Warn("one line")
	require.NoError(t, rt.Close())
	series := []string{"-type", "t", "-source", "s", "-attr", "a", "-step", "1m"}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"tail -f", []string{"-store", dir, "tail", "-f", "debug"}, ExitUsage, "gwlog: usage: tail -f: nothing writes a store read with -store; follow a running gwlogd with -addr\n"},
		{"empty dir flag", []string{"-store", "", "stats"}, ExitUsage, "gwlog: usage: -store: want a directory\n"},
		{"both", []string{"-store", dir, "-addr", "127.0.0.1:1", "stats"}, ExitUsage, "gwlog: usage: -addr and -store: read gwlogd or a store on disk, not both\n"},
		{"no stream", []string{"-store", dir, "tail", "nope"}, ExitFailure, "gwlog: store " + dir + ": no stream \"nope\"\n"},
		{"no dir", []string{"-store", dir + "/absent", "stats"}, ExitFailure, "gwlog: store " + dir + "/absent: "},
		{"order", []string{"-store", dir, "events", "-since", "now", "-until", "-1h"}, ExitUsage, "gwlog: usage: since: "},
		{"series order", append([]string{"-store", dir, "series", "-since", "now", "-until", "-1h"}, series...), ExitUsage, "gwlog: usage: since: "},
		{"too many buckets", append([]string{"-store", dir, "series", "-step", "1ms"}, series[:6]...), ExitUsage, "gwlog: usage: step: 1ms makes 86400001 buckets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run2(tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Empty(t, out)
			assert.True(t, strings.HasPrefix(errs, tc.msg), errs)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		})
	}
}

func TestExportErrors(t *testing.T) {
	_, addr := daemon(t)
	out := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no since", []string{"export"}, ExitUsage, "gwlog: usage: export: -since is required (-since -1d takes the last day)"},
		{"bad since", []string{"export", "-since", "yesterday"}, ExitUsage, "gwlog: usage: -since: want RFC 3339"},
		{"bad until", []string{"export", "-since", "-1d", "-until", "x"}, ExitUsage, "gwlog: usage: -until: want RFC 3339"},
		{"order", []string{"export", "-since", "now", "-until", "-1h"}, ExitUsage, "gwlog: usage: export: -since "},
		{"argument", []string{"export", "-since", "-1d", "x"}, ExitUsage, `gwlog: usage: export takes flags only, got "x"`},
		{"unwritable", []string{"export", "-since", "-1d", "-o", out + "/absent/x.tar.gz"}, ExitFailure, "gwlog: export: open " + out + "/absent/"},
		{"a directory", []string{"export", "-since", "-1d", "-o", out}, ExitFailure, "gwlog: export: rename "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, errs := run2(append([]string{"-addr", addr}, tc.args...)...)
			assert.Equal(t, tc.code, code)
			assert.Empty(t, stdout)
			assert.True(t, strings.HasPrefix(errs, tc.msg), errs)
			assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		})
	}
	left, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, left, "nothing left behind")

	code, _, errs := run2("-addr", "127.0.0.1:1", "export", "-since", "-1d", "-o", filepath.Join(out, "x.tar.gz"))
	assert.Equal(t, ExitFailure, code)
	assert.Contains(t, errs, "gwlog: cannot reach gwlogd at http://127.0.0.1:1")
	assert.NoFileExists(t, filepath.Join(out, "x.tar.gz"))
}

// TestExportPartial serves a daemon that fails on the way: a file that
// is gone is left out of a dump that is kept; one that cannot be read,
// or a name that would leave the dump's directory, leaves nothing.
func TestExportPartial(t *testing.T) {
	now := time.Now().UTC()
	list := func(names ...string) []byte {
		var l []httplog.FileInfo
		for _, n := range names {
			l = append(l, httplog.FileInfo{Name: n, Stream: "debug", Size: 4, Lines: 1, First: now, Last: now})
		}
		b, _ := json.Marshal(l)
		return b
	}
	tests := []struct {
		name  string
		files []byte
		code  int
		msg   string
		kept  []string
	}{
		{"gone", list("debug.log", "debug.log.1"), ExitFailure,
			"gwlog: export: the dump lacks what could not be read: debug.log.1 (gone before it was read)\n", []string{"streams/debug.log", "events.jsonl"}},
		{"failing", list("debug.log", "debug.log.2"), ExitFailure, "gwlog: gwlogd: disk on fire (500 Internal Server Error)\n", nil},
		{"bad name", list("debug.log", "../../etc/passwd"), ExitFailure, `gwlog: gwlogd: bad file in the list: name: want a file name such as debug.log.1, got "../../etc/passwd"` + "\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /files", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(tc.files) })
			mux.HandleFunc("GET /files/debug.log", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("abc\n")) })
			mux.HandleFunc("GET /files/debug.log.1", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"error":"no file \"debug.log.1\""}`))
			})
			mux.HandleFunc("GET /files/debug.log.2", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error":"disk on fire"}`))
			})
			mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {})
			srv := gwtest.Serve(t, mux)
			dir := t.TempDir()
			file := filepath.Join(dir, "x.tar.gz")
			code, _, errs := run2("-addr", strings.TrimPrefix(srv.URL, "http://"), "export", "-since", "-1h", "-o", file)
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.msg, errs)
			left, err := os.ReadDir(dir)
			require.NoError(t, err)
			if tc.kept == nil {
				assert.Empty(t, left, "no partial file")
				return
			}
			require.Len(t, left, 1)
			d := strip(readDump(t, file))
			assert.Equal(t, append([]string{"", "streams/"}, tc.kept...), d.names)
			assert.Equal(t, "abc\n", d.data["streams/debug.log"])
		})
	}
}

// TestExportDaemon exports from a daemon without a disk: the files of
// its rings, to stdout.
func TestExportDaemon(t *testing.T) {
	rt, addr := daemon(t)
	for i := range 20 {
		rt.Logger("svc").Error(fmt.Sprintf("line %d", i))
	}
	rt.Events().Write(eventlog.Event{Type: "t", Source: "s", Attrs: []eventlog.Attr{eventlog.IntAttr("n", 1)}})
	code, out, errs := run2("-addr", addr, "export", "-since", "-1h", "-o", "-")
	require.Equal(t, ExitOK, code, errs)
	f := filepath.Join(t.TempDir(), "x.tar.gz")
	require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
	d := strip(readDump(t, f))
	assert.Equal(t, []string{"", "streams/", "streams/EventLog.log", "streams/debug.log", "streams/error.log", "events.jsonl"}, d.names)
	for _, name := range []string{"debug.log", "error.log"} {
		want, err := fs.ReadFile(rt.FS(), name)
		require.NoError(t, err)
		assert.Equal(t, string(want), d.data["streams/"+name])
		assert.Regexp(t, `ERROR svc (\S+ )?line 19\n`, d.data["streams/"+name])
	}
	assert.Regexp(t, `^\{"seq":1,"time":"[^"]+","type":"t","source":"s","token":"","attrs":\{"n":1\}\}\n$`, d.data["events.jsonl"])
	assert.True(t, bytes.HasPrefix([]byte(out), []byte{0x1f, 0x8b}), "gzip")
}

func TestStatsDisk(t *testing.T) {
	t.Run("not present", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "absent")
		addr, _ := serve(t, diskRuntime(t, dir))
		code, out, errs := run2("-addr", addr, "stats")
		require.Equal(t, ExitOK, code, errs)
		assert.Regexp(t, `(?m)^disk      `+regexp.QuoteMeta(dir)+`: not present: .*does not exist$`, out)
		assert.Regexp(t, `(?m)^spilled   0B in 0 flushes$`, out)
		assert.NotContains(t, out, "files", "no store")
	})
	t.Run("printStats", func(t *testing.T) {
		var b bytes.Buffer
		r := &report{Streams: []ramlog.Stats{{Name: "debug", Bytes: 1536, Cap: 6 << 20, Segments: 2, Lines: 15, Written: 17, Drops: 2}},
			Disk: &gwlog.SpillStats{Dir: "/var/log/gwlog", Present: true, Flushes: 1, Spilled: 3 << 20, Queued: 512, Lost: 1, LostLines: 1,
				Writes: gwlog.SpillWrites{Today: 2 << 20, PerDay: 40 << 20, Budget: 20 << 20, Held: 3, Device: "mmcblk0p2", Sectors: 8192},
				Store: &persist.Stats{Files: 2, DiskBytes: 8 << 20, Cap: 1 << 30, Segments: 12, Commits: 1, Syncs: 3, Corrupt: 1,
					ProcessWriteBytes: 4 << 20, DataBytes: 3 << 20, WriteAmp: 4.0 / 3, GzipBytes: 2 << 20, GzipStored: 300 << 10}}}
		require.NoError(t, printStats(&b, r))
		assert.Equal(t, ""+
			"  stream   bytes  ring  segments  lines  written  drops\n"+
			"   debug  1.5KiB  6MiB         2     15       17      2\n"+
			"\n"+
			"disk      /var/log/gwlog: present\n"+
			"spilled   3MiB in 1 flush\n"+
			"queued    512B\n"+
			"lost      1 segment, 1 line\n"+
			"failures  0\n"+
			"today     2MiB written, 40MiB/day on average, budget 20MiB/day, 3 urgent flushes put off\n"+
			"device    mmcblk0p2: 8192 sectors written (4MiB), by every writer\n"+
			"files     2, 8MiB on disk, cap 1GiB\n"+
			"segments  12\n"+
			"corrupt   1 value, 0 files recovered\n"+
			"commits   1, 3 syncs\n"+
			"written   4MiB, write amp 1.33\n"+
			"gzip      2MiB into 300KiB\n", b.String())

		b.Reset()
		require.NoError(t, printStats(&b, &report{}))
		assert.Equal(t, "  stream  bytes  ring  segments  lines  written  drops\n\ndisk  none configured: RAM only\n", b.String())
	})
}

// TestStoreStatsDamaged overwrites 128 KiB in the middle of a store's
// file with noise: read with -store, stats names the damaged file and
// what gwlogd will salvage of it and what is lost; once a writable store
// has opened the directory (gwlogd, when it starts), that the file was
// renamed aside, what was salvaged into which file, and what was lost.
func TestStoreStatsDamaged(t *testing.T) {
	dir := t.TempDir()
	st, err := persist.Open(persist.Options{Dir: dir, Force: true})
	require.NoError(t, err)
	now := time.Now().UTC()
	for id := range uint64(8) {
		var b []byte
		for len(b) < 64<<10 {
			b = fmt.Appendf(b, "%s WARNING svc segment %d line %d\n", now.Format(time.RFC3339), id, len(b))
		}
		require.NoError(t, st.PutSegments([]persist.Segment{{Stream: "debug", ID: id, Name: fmt.Sprintf("debug.log.%d", id),
			First: now, Last: now, Records: uint64(bytes.Count(b, []byte{'\n'})), Data: b}}))
	}
	require.NoError(t, st.Close())
	name := "gwlog-" + now.Format(time.DateOnly) + ".db"
	path := filepath.Join(dir, name)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	noise := make([]byte, 128<<10)
	for i := range noise {
		noise[i] = byte(i*131 + i>>7)
	}
	_, err = f.WriteAt(noise, fi.Size()/3/4096*4096)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	// What persist says, read-only, is what stats prints.
	ro, err := persist.Open(persist.Options{Dir: dir, ReadOnly: true})
	require.NoError(t, err)
	damaged := ro.Stats().Damaged
	require.NoError(t, ro.Close())
	require.Len(t, damaged, 1)
	d := damaged[0]
	require.Positive(t, d.Segments)
	require.Positive(t, d.LostSegments)
	require.Equal(t, 8, d.Segments+d.LostSegments, "every segment is salvaged or lost")

	code, out, errs := run2("-store", dir, "stats")
	require.Equal(t, ExitOK, code, errs)
	assert.Regexp(t, `(?m)^files\s+0, 0B on disk$`, out, "the damaged file is not read")
	assert.Regexp(t, `(?m)^damaged\s+`+regexp.QuoteMeta(name)+`: skipped, read-only \(\S+Z\): \S`, out)
	assert.Regexp(t, fmt.Sprintf(`(?m)^\s+%d segments \(\S+, %d records\) can be salvaged: gwlogd salvages the file when it opens the store$`, d.Segments, d.Records), out)
	lost := fmt.Sprintf(`(?m)^\s+lost %d segments? \(\S+\): debug %d at offset %d \(%s\)`, d.LostSegments, d.Lost[0].ID, d.Lost[0].Offset, regexp.QuoteMeta(d.Lost[0].Cause))
	assert.Regexp(t, lost, out)
	t.Logf("%s", out)

	// gwlogd opens the store: the file is renamed aside and salvaged.
	st, err = persist.Open(persist.Options{Dir: dir, Force: true})
	require.NoError(t, err)
	require.Len(t, st.Recovered(), 1)
	require.NoError(t, st.Close())
	code, out, errs = run2("-store", dir, "stats")
	require.Equal(t, ExitOK, code, errs)
	assert.Regexp(t, fmt.Sprintf(`(?m)^\s+debug\s+%d\s`, d.Segments), out, "the segments salvaged are read")
	assert.Regexp(t, `(?m)^files\s+1, \S+ on disk$`, out)
	assert.Regexp(t, `(?m)^damaged\s+`+regexp.QuoteMeta(name)+`: renamed to `+regexp.QuoteMeta(name)+`\.corrupt-\d+ \(\S+Z\): \S`, out)
	assert.Regexp(t, fmt.Sprintf(`(?m)^\s+salvaged %d segments \(\S+, %d records\) into %s$`, d.Segments, d.Records, regexp.QuoteMeta(name)), out)
	assert.Regexp(t, lost, out)
	t.Logf("%s", out)
}

// TestPrintDamaged checks the lines of damaged files in stats.
func TestPrintDamaged(t *testing.T) {
	at := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	r := &report{Dir: "/var/log/gwlog", Stored: []storedStream{}, Store: &persist.Stats{Files: 1, DiskBytes: 4 << 20, Segments: 46, Recovered: 1,
		Damaged: []persist.Damage{
			{File: "gwlog-2026-11-20.db", Aside: "gwlog-2026-11-20.db.corrupt-1795219200", At: at.Add(-24 * time.Hour), Unknown: true},
			{File: "gwlog-2026-11-21.db", Aside: "gwlog-2026-11-21.db.corrupt-1795305600", Into: "gwlog-2026-11-21.db", At: at,
				Cause: "bbolt check: page 357: unreachable", Segments: 46, Bytes: 2831155, Records: 93748,
				LostSegments: 2, LostBytes: 512 << 10, Lost: []persist.LostSegment{
					{Stream: "debug", ID: 4, Offset: 1196065, Cause: "data fails its checksum"},
					{Stream: "debug", ID: 5, Offset: 1462272, Cause: "data missing"}},
				Unreadable: 1, UnreadableBytes: 256 << 10},
			{File: "gwlog-2026-11-22.db", At: at, Cause: "invalid database", Segments: 1, Records: 1, Bytes: 7,
				LostSegments: 1, Lost: []persist.LostSegment{{ID: 9, Offset: 8192, Cause: "of a stream whose pages are damaged"}},
				Streams: []string{"access"}, Unplaced: 2, UnplacedBytes: 2048},
		}}}
	require.NoError(t, printStats(&b, r))
	assert.Equal(t, ""+
		"  stream  files  bytes  lines  first  last\n"+
		"\n"+
		"store     /var/log/gwlog (read-only)\n"+
		"files     1, 4MiB on disk\n"+
		"segments  46\n"+
		"corrupt   0 values, 1 file recovered\n"+
		"damaged   gwlog-2026-11-20.db: renamed to gwlog-2026-11-20.db.corrupt-1795219200 (2026-11-21T00:00:00Z); nothing more is known of it\n"+
		"damaged   gwlog-2026-11-21.db: renamed to gwlog-2026-11-21.db.corrupt-1795305600 (2026-11-22T00:00:00Z): bbolt check: page 357: unreachable\n"+
		"          salvaged 46 segments (2.7MiB, 93748 records) into gwlog-2026-11-21.db\n"+
		"          lost 2 segments (512KiB): debug 4 at offset 1196065 (data fails its checksum), debug 5 at offset 1462272 (data missing)\n"+
		"          1 value unreadable (256KiB)\n"+
		"damaged   gwlog-2026-11-22.db: skipped, read-only (2026-11-22T00:00:00Z): invalid database\n"+
		"          1 segment (7B, 1 record) can be salvaged: gwlogd salvages the file when it opens the store\n"+
		"          lost 1 segment (0B): (stream not known) 9 at offset 8192 (of a stream whose pages are damaged)\n"+
		"          segments of access not known: pages of their buckets lost\n"+
		"          2 values of segments not known (2KiB)\n", b.String())
}

// TestExportBothRotation: files of one period under both rotation are
// numbered from the newest (.1 the newer history file), in the daemon's
// /files, in an export from it and in one from the store it left.
func TestExportBothRotation(t *testing.T) {
	dir := t.TempDir()
	conf := gwtest.Config(t, fmt.Sprintf("[runtime]\nprofile = disk\ndisk = %s force\nflush = 1s\nreload = 0\n"+
		"[stream.both]\nrotate = both midnight,4KiB\nkeep = 2\n[logger.b]\nstreams = both\npropagate = no\n", dir))
	rt := gwtest.Open(t, gwlog.Options{Configs: []string{conf}})
	for i := range 400 {
		rt.Logger("b").Warn(fmt.Sprintf("line %04d", i)) // ~60 bytes: ~70 a file, 6 files
	}
	day := "both.log." + time.Now().Format("2006-01-02")
	require.Eventually(t, func() bool { return rt.Stats().Disk.Store.Commits > 0 }, 10*time.Second, 20*time.Millisecond)
	var want []string
	for _, si := range rt.Stream("both").Segments() {
		want = append(want, si.Name)
	}
	require.GreaterOrEqual(t, len(want), 5, "the ring's three files and the disk's: %q", want)
	for i, n := range want {
		switch i {
		case 0:
			assert.Equal(t, "both.log", n)
		case 1:
			assert.Equal(t, day, n)
		default:
			assert.Equal(t, fmt.Sprintf("%s.%d", day, i-1), n, "numbered from the newest")
		}
	}
	content := map[string]string{}
	for _, n := range want {
		b, err := fs.ReadFile(rt.FS(), n)
		require.NoError(t, err, n)
		content[n] = string(b)
	}
	assert.Greater(t, content[day], content[day+".1"], "the unnumbered file is the period's newest")
	assert.Greater(t, content[day+".1"], content[day+".2"], ".1 is newer than .2")
	assert.Contains(t, content[want[len(want)-1]], "line 0000", "the oldest")

	addr, stop := serve(t, rt)
	exported := func(args ...string) dump {
		file := filepath.Join(t.TempDir(), "x.tar.gz")
		code, _, errs := run2(append(args, "export", "-since", "-1h", "-o", file)...)
		require.Equal(t, ExitOK, code, errs)
		return strip(readDump(t, file))
	}
	d := exported("-addr", addr)
	for _, n := range want {
		assert.Equal(t, content[n], d.data["streams/"+n], "from the daemon: %s", n)
	}
	stop()
	require.NoError(t, rt.Close())
	// Close sealed the live file: it is the period's newest now, and the
	// others' names shift by one, as under size rotation.
	d = exported("-store", dir)
	for i, n := range want {
		stored := day
		if i > 0 {
			stored = fmt.Sprintf("%s.%d", day, i)
		}
		assert.Equal(t, content[n], d.data["streams/"+stored], "from the store: %s is now %s", n, stored)
	}
}
