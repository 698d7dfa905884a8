package bench

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// filesystem names the filesystem dir is on, and tells whether it is held
// in RAM (tmpfs, ramfs), from statfs(2)'s magic number.
func filesystem(dir string) (name string, ram bool, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "", false, err
	}
	switch magic := uint32(st.Type); magic {
	case unix.TMPFS_MAGIC:
		return "tmpfs", true, nil
	case unix.RAMFS_MAGIC:
		return "ramfs", true, nil
	case unix.EXT4_SUPER_MAGIC:
		return "ext2/3/4", false, nil
	case unix.XFS_SUPER_MAGIC:
		return "xfs", false, nil
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs", false, nil
	case unix.F2FS_SUPER_MAGIC:
		return "f2fs", false, nil
	case unix.MSDOS_SUPER_MAGIC:
		return "vfat", false, nil
	case unix.OVERLAYFS_SUPER_MAGIC:
		return "overlay", false, nil
	default:
		return fmt.Sprintf("statfs magic %#x", magic), false, nil
	}
}
