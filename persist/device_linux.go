package persist

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// DeviceOf returns the block device that holds dir as "MAJOR:MINOR" (a
// partition's own, when it is one) and its kernel name (vda, sda1,
// mmcblk0p2, loop0); ok is false when the filesystem has no block device
// of its own with a stat file (tmpfs, overlay, btrfs' anonymous devices).
func DeviceOf(dir string) (dev, name string, ok bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return "", "", false
	}
	d := uint64(st.Dev) // uint32 on some platforms
	major := (d>>8)&0xfff | (d>>32)&^0xfff
	minor := d&0xff | (d>>12)&^0xff
	dev = strconv.FormatUint(major, 10) + ":" + strconv.FormatUint(minor, 10)
	if _, err := os.Stat(devicePath(dev) + "/stat"); err != nil {
		return "", "", false
	}
	target, err := os.Readlink(devicePath(dev))
	if err != nil {
		return "", "", false
	}
	return dev, filepath.Base(target), true
}

// devicePath is the directory of a block device in /sys.
func devicePath(dev string) string { return "/sys/dev/block/" + dev }
