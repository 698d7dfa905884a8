//go:build linux && (amd64 || arm64)

package persist

import (
	"os"
	"syscall"
)

const canDropCache = true

// dropCache drops the file's pages from the page cache
// (posix_fadvise POSIX_FADV_DONTNEED), so that reading it next goes to
// the disk, without touching other files' pages.
func dropCache(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	const dontNeed = 4
	syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, dontNeed, 0, 0)
}
