package persist

import (
	"bytes"
	"os"
	"strconv"
)

// Stats are a store's counters, since Open.
type Stats struct {
	Files     int   `json:"files"`      // store files in the directory
	DiskBytes int64 `json:"disk_bytes"` // blocks they take on disk, in bytes
	Cap       int64 `json:"cap"`        // the disk budget
	Segments  int   `json:"segments"`   // segments held (past keep or not)

	Puts uint64 `json:"puts"` // segments written
	// DataBytes counts the bytes of log data written: of a tail flushed
	// again, what it grew by; of a gzipped segment, its bytes unzipped,
	// so that WriteAmp is what flash took per byte of log.
	DataBytes uint64 `json:"data_bytes"`
	// GzipBytes are the bytes of data stored gzipped (Segment.Gzip), and
	// GzipStored what they took.
	GzipBytes  uint64 `json:"gzip_bytes,omitempty"`
	GzipStored uint64 `json:"gzip_stored,omitempty"`
	// Commits counts the write transactions committed and the appends
	// to the tail journal.
	Commits uint64 `json:"commits"`
	// Syncs counts the fsyncs of those commits: bbolt's two per
	// transaction (the pages, then the meta page) and one per growth of
	// the file, and the journal's one per append.
	Syncs    uint64 `json:"syncs"`
	Failures uint64 `json:"failures"` // writes that failed (ErrUnavailable)
	// Corrupt counts the values found corrupt: the infos of the files
	// read that fail their checksum (readers leave their segments out),
	// and the data values read since Open that did.
	Corrupt   uint64 `json:"corrupt"`
	Deleted   uint64 `json:"deleted"`   // files deleted by retention
	Recovered uint64 `json:"recovered"` // files renamed aside as corrupt since Open
	// Damaged lists the damaged files the store knows of, oldest first:
	// those it renamed aside or (ReadOnly) skipped since Open, those
	// whose salvage a file records, and the files renamed aside in the
	// directory (Damage.Unknown when no file says more of them).
	Damaged []Damage `json:"damaged,omitempty"`

	// ProcessWriteBytes is what the whole process had the kernel write to
	// storage since Open: write_bytes of /proc/self/io, which counts every
	// file the process writes, not only the store's (0 where there is no
	// /proc). WriteAmp is ProcessWriteBytes / DataBytes: the bytes written
	// to flash per byte of log data, 0 until both are known.
	ProcessWriteBytes uint64  `json:"process_write_bytes"`
	WriteAmp          float64 `json:"write_amp"`
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Files, st.DiskBytes, st.Cap = len(s.files), s.diskBytes(), s.o.Cap
	for _, m := range s.index {
		st.Segments += len(m)
	}
	for _, f := range s.files {
		st.Corrupt += uint64(len(f.bad))
	}
	st.Damaged = s.damages()
	if s.ioOK {
		if n, ok := processWriteBytes(); ok && n >= s.ioBase {
			st.ProcessWriteBytes = n - s.ioBase
		}
	}
	if st.DataBytes > 0 && st.ProcessWriteBytes > 0 {
		st.WriteAmp = float64(st.ProcessWriteBytes) / float64(st.DataBytes)
	}
	return st
}

// processWriteBytes reads write_bytes from /proc/self/io.
func processWriteBytes() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("write_bytes:")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(rest)), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
