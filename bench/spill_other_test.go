//go:build !linux

package bench

import "errors"

// filesystem is statfs(2)'s answer on Linux only: elsewhere no directory
// is known to be on a disk, and the spill measurement is skipped.
func filesystem(string) (name string, ram bool, err error) {
	return "", false, errors.New("the filesystem check is for Linux only")
}
