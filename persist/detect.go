package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Detect reports whether dir counts as a disk for the store: it exists, is
// a directory, is not on a RAM filesystem (tmpfs, ramfs; checked on Linux
// unless force, as "disk = PATH force" asks), is not mounted read-only,
// and a probe file can be created in it and removed. The error wraps
// ErrNoDisk and names the reason. On a RAM filesystem Detect writes
// nothing at all.
//
// The probe is a metadata write: call Detect when no store is open (at
// start, and to find out whether a disk came back), not while one works;
// a working store's writes tell on their own.
func Detect(dir string, force bool) error {
	if dir == "" || dir == "none" {
		return fmt.Errorf("%w: no directory configured", ErrNoDisk)
	}
	if err := checkDir(dir); err != nil {
		return err
	}
	kind, ro, err := fsKind(dir)
	if err != nil {
		return fmt.Errorf("%w: %s: statfs: %w", ErrNoDisk, dir, err)
	}
	if kind != "" && !force {
		return fmt.Errorf("%w: %s is on %s, which is RAM, not a disk (\"disk = %s force\" uses it all the same)", ErrNoDisk, dir, kind, dir)
	}
	if ro {
		return fmt.Errorf("%w: %s is on a read-only filesystem", ErrNoDisk, dir)
	}
	probe := filepath.Join(dir, ".gwlog-probe-"+strconv.Itoa(os.Getpid()))
	f, err := os.OpenFile(probe, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%w: %s is not writable: %w", ErrNoDisk, dir, err)
	}
	cerr := f.Close()
	rerr := os.Remove(probe)
	if err := errors.Join(cerr, rerr); err != nil {
		return fmt.Errorf("%w: %s is not writable: %w", ErrNoDisk, dir, err)
	}
	return nil
}

// checkDir reports whether dir exists and is a directory.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s does not exist", ErrNoDisk, dir)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrNoDisk, err)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is not a directory", ErrNoDisk, dir)
	}
	return nil
}
