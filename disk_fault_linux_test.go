package gwlog

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tmpfsMagic is the statfs(2) type of tmpfs.
const tmpfsMagic = 0x01021994

// unmountAtEnd unmounts dir when the test ends (lazily, should it be
// busy).
func unmountAtEnd(t *testing.T, dir string) {
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Logf("unmount %s: %v; detaching it", dir, err)
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("unmount %s: %v", dir, err)
			}
		}
	})
}

// mountTmpfsAt mounts a tmpfs with data (size=2m, …) on a new directory
// for the rest of the test, or skips the test when it cannot (not root, or
// no mount in this sandbox).
func mountTmpfsAt(t *testing.T, data string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, data); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	unmountAtEnd(t, dir)
	return dir
}

// mountExt4 makes an ext4 filesystem in an image file and mounts it on a
// new directory through a loop device, with errors=remount-ro, for the
// rest of the test. It returns the directory and the sysfs file that
// raises a filesystem error when written (trigger_fs_error), which turns
// the mounted filesystem read-only under open files, as a failing disk
// does. It skips the test when it cannot (not root, no mkfs.ext4, no loop
// devices, or a kernel without the file).
//
// A tmpfs remounted read-only would be simpler, but the kernel refuses
// (EBUSY) to remount a filesystem read-only while a file on it is open
// for writing, as the store's is.
func mountExt4(t *testing.T) (dir, trigger string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a loop device needs root")
	}
	mkfs, err := exec.LookPath("mkfs.ext4")
	if err != nil {
		t.Skip("no mkfs.ext4 (Debian's e2fsprogs) to make a filesystem that can turn read-only")
	}
	img := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(img)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(32<<20))
	require.NoError(t, f.Close())
	if out, err := exec.Command(mkfs, "-q", "-F", img).CombinedOutput(); err != nil {
		t.Skipf("mkfs.ext4: %v: %s", err, out)
	}
	dir = t.TempDir()
	if out, err := exec.Command("mount", "-o", "loop,errors=remount-ro", img, dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount an ext4 image through a loop device here: %v: %s", err, out)
	}
	unmountAtEnd(t, dir) // the loop device goes with it (autoclear)
	dev := mountSource(t, dir)
	trigger = filepath.Join("/sys/fs/ext4", filepath.Base(dev), "trigger_fs_error")
	if _, err := os.Stat(trigger); err != nil {
		t.Skipf("cannot make %s read-only: %v", dev, err)
	}
	return dir, trigger
}

// mountSource returns the device mounted on dir, from mountinfo.
func mountSource(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	src := ""
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS] - FSTYPE SOURCE SUPEROPTS
		l := sc.Text()
		fields := strings.Fields(l)
		_, rest, ok := strings.Cut(l, " - ")
		if len(fields) > 4 && fields[4] == dir && ok {
			if r := strings.Fields(rest); len(r) > 1 {
				src = r[1] // the last mount on dir wins
			}
		}
	}
	require.NotEmpty(t, src, "%s in /proc/self/mountinfo", dir)
	return src
}

// faultOnce checks what a runtime whose disk just failed shows: not
// present, the failure counted once, the reason, and one line on the error
// stream naming the directory and the cause.
func faultOnce(t *testing.T, rt *Runtime, dir, cause string) {
	t.Helper()
	d := rt.Stats().Disk
	assert.False(t, d.Present)
	assert.Equal(t, uint64(1), d.Failures, "counted once")
	assert.Contains(t, d.Reason, cause)
	errs := errorLinesAbout(rt, dir)
	if assert.Len(t, errs, 1, "one line on the error stream names the directory: %q", errs) {
		assert.Contains(t, errs[0], cause)
	}
}

// TestDiskFaultNoSpace fills a small tmpfs used as the disk: the runtime
// goes on in RAM, says so once, and what it had spilled is intact; the
// retries that find the disk still full say nothing more.
func TestDiskFaultNoSpace(t *testing.T) {
	dir := mountTmpfsAt(t, "size=2m")
	screen := &syncBuffer{}
	rt := open(t, Options{Configs: []string{diskConf(t, dir+" force", "64KiB", 2)}, Screen: screen, DiskRetry: fastRetry})
	require.True(t, rt.Stats().Disk.Present, rt.Stats().Disk.Reason)
	log := rt.Logger("Fault.Full")
	const before, events = 300, 50
	faultEvents(rt, "before", events)
	ackLines(t, rt, log, "before", before)

	pad := strings.Repeat("x", 400) + " "
	fill := 0
	waitDisk(t, 60*time.Second, "the tmpfs to fill up", func() bool {
		var worst time.Duration
		for range 100 {
			start := time.Now()
			log.Info(pad + faultLine("fill", fill))
			worst = max(worst, time.Since(start))
			fill++
		}
		require.Less(t, worst, maxLogCall, "logging never blocks")
		return !rt.Stats().Disk.Present
	})
	t.Logf("disk full after %d lines of 420 bytes: %s", fill, rt.Stats().Disk.Reason)
	faultOnce(t, rt, dir, "no space left on device")
	flushes := rt.Stats().Disk.Flushes

	// RAM only from now on: a few retry periods pass, while the disk stays
	// full.
	after := logNumberedFor(t, log, "after", 0, 2500*time.Millisecond)
	d := rt.Stats().Disk
	assert.True(t, ringHolds(rt, "after", after-1), "the lines are in RAM")
	if d.Flushes == flushes {
		// No write went through since: the disk never worked again, so
		// there is nothing new to say.
		assert.False(t, d.Present)
		errs := errorLinesAbout(rt, dir)
		assert.Len(t, errs, 1, "a disk that stays full is reported once, not at every retry: %q", errs)
		assert.Len(t, screenLinesAbout(screen, dir, "spilling"), 1, "a retry that finds the disk still full does not say it spills:\n%s", screen.String())
	} else {
		t.Logf("%d flushes went through after the disk filled up", d.Flushes-flushes)
	}
	t.Logf("after %v: %d failures, %d error lines, %d lines in RAM only", 2500*time.Millisecond, d.Failures, len(errorLinesAbout(rt, dir)), after)
	require.NoError(t, rt.Close())

	got := storedLines(t, dir)
	assertStored(t, got, "before", before, "acknowledged before the disk filled up")
	assertStoredEvents(t, storedEvents(t, dir), "before", events, "written before the disk filled up")
}

// TestDiskFaultReadOnly turns the disk's filesystem read-only under a
// running runtime, as ext4 does on an I/O error: the runtime goes on in
// RAM, says so once, and what it had spilled still reads.
func TestDiskFaultReadOnly(t *testing.T) {
	dir, trigger := mountExt4(t)
	screen := &syncBuffer{}
	rt := open(t, Options{Configs: []string{diskConf(t, dir, "64KiB", 2)}, Screen: screen, DiskRetry: fastRetry})
	require.True(t, rt.Stats().Disk.Present, "ext4 is a disk: %s", rt.Stats().Disk.Reason)
	log := rt.Logger("Fault.ReadOnly")
	const before, events = 300, 50
	faultEvents(rt, "before", events)
	ackLines(t, rt, log, "before", before)

	require.NoError(t, os.WriteFile(trigger, []byte("gwlog fault test\n"), 0))
	f, err := os.Create(filepath.Join(dir, "probe"))
	if err == nil {
		f.Close()
		t.Fatalf("%s is still writable after a filesystem error", dir)
	}
	require.ErrorIs(t, err, syscall.EROFS)
	during := 0
	waitDisk(t, 10*time.Second, "the runtime to notice that the disk turned read-only", func() bool {
		during = logNumberedFor(t, log, "during", during, 100*time.Millisecond)
		return !rt.Stats().Disk.Present
	})
	t.Logf("disk lost: %s", rt.Stats().Disk.Reason)
	faultOnce(t, rt, dir, "read-only file system")

	// A few retry periods: the disk stays read-only, nothing more is said.
	during = logNumberedFor(t, log, "during", during, 2500*time.Millisecond)
	assert.False(t, rt.Stats().Disk.Present)
	assert.Len(t, errorLinesAbout(rt, dir), 1, "said once")
	assert.Len(t, screenLinesAbout(screen, dir, "spilling"), 1, "a retry that finds the disk still read-only does not say it spills:\n%s", screen.String())
	assert.True(t, ringHolds(rt, "during", during-1), "the lines are in RAM")
	require.NoError(t, rt.Close())

	got := storedLines(t, dir)
	assertStored(t, got, "before", before, "acknowledged before the disk turned read-only")
	assertStoredEvents(t, storedEvents(t, dir), "before", events, "written before the disk turned read-only")
}

// TestDiskOnTmpfsCreatesNoFile configures a directory on tmpfs as the disk,
// without force: it is RAM, so the runtime keeps its logs in RAM only and
// creates nothing there, not even a probe, however long it runs.
func TestDiskOnTmpfsCreatesNoFile(t *testing.T) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &fs); err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	if uint32(fs.Type) != tmpfsMagic {
		t.Skipf("/dev/shm is not a tmpfs here (statfs type %#x)", fs.Type)
	}
	dir, err := os.MkdirTemp("/dev/shm", "gwlog-test-")
	if err != nil {
		t.Skipf("cannot make a directory in /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	fi0, err := os.Stat(dir)
	require.NoError(t, err)

	screen := &syncBuffer{}
	rt := open(t, Options{Configs: []string{diskConf(t, dir, "8KiB", 2)}, Screen: screen, DiskRetry: fastRetry})
	d := rt.Stats().Disk
	require.NotNil(t, d, "a disk is configured")
	assert.False(t, d.Present)
	assert.Contains(t, d.Reason, "tmpfs")
	assert.Contains(t, d.Reason, "RAM")
	log := rt.Logger("Fault.Tmpfs")
	logNumbered(t, log, "ram", 0, 3000)
	faultEvents(rt, "ram", 200)
	n := logNumberedFor(t, log, "more", 0, 2500*time.Millisecond) // flushes and retries pass
	assert.True(t, ringHolds(rt, "more", n-1))
	require.NoError(t, rt.Close())
	d = rt.Stats().Disk
	assert.False(t, d.Present)
	assert.Zero(t, d.Flushes)
	assert.Zero(t, d.Spilled)
	assert.Equal(t, 1, strings.Count(screen.String(), "keeping logs in RAM only"), "said once:\n%s", screen.String())

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing is created on tmpfs")
	fi1, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fi0.ModTime(), fi1.ModTime(), "nothing was created and removed either")
}
