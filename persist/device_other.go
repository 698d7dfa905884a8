//go:build !linux

package persist

// DeviceOf returns false: only Linux says which block device holds a
// directory, and how much was written to it.
func DeviceOf(dir string) (dev, name string, ok bool) { return "", "", false }

// devicePath is never used off Linux.
func devicePath(dev string) string { return "" }
