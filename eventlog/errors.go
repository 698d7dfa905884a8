package eventlog

import (
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by a CorruptionError.
var ErrCorrupt = errors.New("eventlog: corrupt record")

// ErrEvicted is returned by a query whose next segment the ring gave up
// while it ran, with no copy in the archive (none attached, or the copy
// was lost): the events in it are missing from the results.
var ErrEvicted = errors.New("eventlog: segment evicted during the query")

// ErrQuery is returned for an invalid filter or series query; the
// wrapping error names the field.
var ErrQuery = errors.New("eventlog: invalid query")

// CorruptionError reports a record that failed its checksum or did not
// decode. The query skips it and goes on with the next record.
type CorruptionError struct {
	Segment uint64 // ring segment ID
	Offset  int64  // byte offset of the record within its segment
	Err     error
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("eventlog: corrupt record in segment %d at offset %d: %v", e.Segment, e.Offset, e.Err)
}

// Unwrap returns ErrCorrupt and the cause.
func (e *CorruptionError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }
