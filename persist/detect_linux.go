package persist

import (
	"os"
	"syscall"
)

// Filesystem magic numbers of statfs(2) for filesystems held in RAM.
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// stRDOnly is ST_RDONLY of statfs(2)'s f_flags.
const stRDOnly = 0x1

// fsKind names the RAM filesystem dir is on ("" for any other) and tells
// whether it is mounted read-only.
func fsKind(dir string) (ram string, readOnly bool, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "", false, err
	}
	switch uint32(st.Type) {
	case tmpfsMagic:
		ram = "tmpfs"
	case ramfsMagic:
		ram = "ramfs"
	}
	return ram, uint64(st.Flags)&stRDOnly != 0, nil
}

// allocated returns the bytes fi's file takes on disk: its allocated
// blocks, which for bbolt's sparse growth is less than its size.
func allocated(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return fi.Size()
}

// datasync makes f's data durable without its timestamps (fdatasync).
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// preallocate reserves n bytes of f from off without changing its size
// (fallocate, FALLOC_FL_KEEP_SIZE), so that appends there allocate no
// blocks: on ext4 their commits then journal the inode alone, not the
// block bitmap and group descriptor too. Where the filesystem cannot,
// nothing is reserved and appends allocate as they go.
func preallocate(f *os.File, off, n int64) {
	const keepSize = 1
	for syscall.Fallocate(int(f.Fd()), keepSize, off, n) == syscall.EINTR {
	}
}
