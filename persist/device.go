package persist

import (
	"bytes"
	"os"
	"strconv"
)

// DeviceSectors returns the 512-byte sectors written to the block device
// dev (as DeviceOf names it) since boot, from its stat file in /sys: the
// seventh field (Documentation/block/stat.rst). ok is false where the
// kernel does not say.
func DeviceSectors(dev string) (n uint64, ok bool) {
	if dev == "" {
		return 0, false
	}
	b, err := os.ReadFile(devicePath(dev) + "/stat")
	if err != nil {
		return 0, false
	}
	return parseSectorsWritten(b)
}

// parseSectorsWritten reads the sectors written from a block device's
// stat line: 11 or more decimal fields separated by white space.
func parseSectorsWritten(b []byte) (uint64, bool) {
	f := bytes.Fields(b)
	if len(f) < 11 {
		return 0, false
	}
	for _, x := range f[:11] {
		if _, err := strconv.ParseUint(string(x), 10, 64); err != nil {
			return 0, false
		}
	}
	n, _ := strconv.ParseUint(string(f[6]), 10, 64)
	return n, true
}
