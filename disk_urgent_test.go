package gwlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// diskUrgentCfgEnv is TestDiskUrgent's child's config file.
const diskUrgentCfgEnv = "GWLOG_DISK_URGENT_CFG"

// TestDiskUrgentChild is TestDiskUrgent's child: it opens a runtime with
// the config in GWLOG_DISK_URGENT_CFG, waits for the flush of what the
// rings held at start, logs an INFO and an ERROR line, prints "logged",
// then "flushed" once a flush committed after them, and waits to be
// killed.
func TestDiskUrgentChild(t *testing.T) {
	conf := os.Getenv(diskUrgentCfgEnv)
	if conf == "" {
		t.Skip("the urgent flush test's child process")
	}
	rt, err := Open(Options{Configs: []string{conf}, Screen: os.Stderr})
	if err != nil {
		fmt.Println("err open:", err)
		os.Exit(3)
	}
	flushes := func() uint64 {
		d := rt.Stats().Disk
		if d == nil || !d.Present {
			fmt.Printf("err no disk: %+v\n", d)
			os.Exit(3)
		}
		return d.Flushes
	}
	for flushes() == 0 { // the start's flush: the notes of the disk found
		time.Sleep(10 * time.Millisecond)
	}
	f0 := flushes()
	log := rt.Logger("gw.valve")
	log.Info("urgent test: an info line before the error")
	log.Error("urgent test: valve 3 stuck")
	fmt.Println("logged")
	for flushes() == f0 {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("flushed")
	select {} // until killed
}

// TestDiskUrgent runs a child process with flush = 1h and flush_urgent
// = 1s that logs an ERROR line, kills it with SIGKILL once a flush
// committed after the line (which only flush_urgent can have started),
// and reads the line, and the INFO line before it, from the store.
func TestDiskUrgent(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	conf := filepath.Join(t.TempDir(), "log.cfg")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`
[runtime]
profile = disk
disk = %s force
flush = 1h
flush_urgent = 1s
reload = 0
event_ram = 64KiB
`, dir)), 0o644))
	cmd := diskSelfCommand("-test.run", "^TestDiskUrgentChild$", "-test.count", "1")
	cmd.Env = append(os.Environ(), diskUrgentCfgEnv+"="+conf)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var logged time.Time
	wait := time.After(time.Minute) // flush = 1h: only flush_urgent flushes within it
	for done := false; !done; {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "the child ended")
			require.False(t, strings.HasPrefix(l, "err "), "child: %s", l)
			switch l {
			case "logged":
				logged = time.Now()
			case "flushed":
				done = true
			}
		case <-wait:
			t.Fatal("no flush within a minute of the error line, with flush = 1h and flush_urgent = 1s")
		}
	}
	require.False(t, logged.IsZero(), "flushed before logged")
	require.NoError(t, cmd.Process.Kill())
	killed = true
	_ = cmd.Wait()
	t.Logf("the error line was committed %v after it was logged", time.Since(logged).Round(time.Millisecond))

	v, err := OpenStore(dir)
	require.NoError(t, err)
	defer v.Close()
	debug := v.Stream(Debug)
	require.NotNil(t, debug)
	text := strings.Join(debug.Tail(1000), "\n")
	assert.Contains(t, text, "ERROR gw.valve urgent test: valve 3 stuck")
	assert.Contains(t, text, "urgent test: an info line before the error", "an urgent flush writes the whole tail")
	errs := v.Stream(Error)
	require.NotNil(t, errs)
	assert.Contains(t, strings.Join(errs.Tail(100), "\n"), "urgent test: valve 3 stuck")
}

// TestDiskWriteBudget: disk_write_budget reaches the disk path at Open
// and on reload, and /stats' disk counters say it with today's writes.
func TestDiskWriteBudget(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(t.TempDir(), "log.cfg")
	write := func(budget string) {
		rewrite(t, conf, fmt.Sprintf(`
[runtime]
profile = disk
disk = %s force
reload = 0
disk_write_budget = %s
`, dir, budget))
	}
	write("20MiB/day")
	rt, err := Open(Options{Configs: []string{conf}, Screen: io.Discard})
	require.NoError(t, err)
	defer rt.Close()
	d := rt.Stats().Disk
	require.NotNil(t, d)
	assert.Equal(t, int64(20<<20), d.Writes.Budget)
	b, err := json.Marshal(rt.StatsJSON())
	require.NoError(t, err)
	assert.Contains(t, string(b), `"writes":{"today":`)
	assert.Contains(t, string(b), `"budget":20971520`)

	write("none")
	require.NoError(t, rt.Reload())
	assert.Zero(t, rt.Stats().Disk.Writes.Budget)
	write("20MiB")
	err = rt.Reload()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `log.cfg:6: [runtime] disk_write_budget: want none or a size a day such as 50MiB/day, got "20MiB"`)
}
