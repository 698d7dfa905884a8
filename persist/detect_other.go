//go:build !linux

package persist

import "os"

// fsKind cannot tell RAM filesystems apart here: every directory counts as
// a disk.
func fsKind(dir string) (ram string, readOnly bool, err error) { return "", false, nil }

// allocated returns fi's size.
func allocated(fi os.FileInfo) int64 { return fi.Size() }

// datasync makes f's data durable.
func datasync(f *os.File) error { return f.Sync() }

// preallocate does nothing here: appends allocate as they go.
func preallocate(f *os.File, off, n int64) {}
