package persist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A segment's data bucket (data/<id>) holds its bytes as parts, read in
// key order and concatenated. A sealed segment is one value, "v". A live
// segment's tail is a bucket per flush that grew it, keyed "v" and the
// big-endian offset of its first byte, holding "v" with the bytes it
// added: a tail flushed again writes what it grew by, not itself whole.
// Each part is a bucket of its own, so that a big one is not written again
// beside the next (bbolt keeps at least two keys in a leaf). A seal
// writes the segment whole, as "v", and drops its parts, so that the
// history takes no more room than its data (docs/format.md, "Parts").

// partKey is the key of the part that starts at offset off.
func partKey(off int) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), keyValue...), uint64(off))
}

// eachPart calls fn with the flags and data of each of vb's parts in
// order, views valid during the transaction. A part that does not decode,
// is missing or overlaps is an error, and so is a bucket without any.
func eachPart(vb *bolt.Bucket, fn func(flags byte, data []byte) error) error {
	size, parts := 0, 0
	c := vb.Cursor()
	for k, v := c.Seek(keyValue); k != nil && bytes.HasPrefix(k, keyValue); k, v = c.Next() {
		switch {
		case len(k) == len(keyValue) && v != nil: // "v", from offset 0
		case len(k) == len(keyValue)+8 && v == nil:
			if off := binary.BigEndian.Uint64(k[len(keyValue):]); off != uint64(size) {
				return fmt.Errorf("part at %d where %d bytes came before", off, size)
			}
			pb := vb.Bucket(k)
			if pb == nil {
				return fmt.Errorf("part at %d: not a bucket", size)
			}
			v = pb.Get(keyValue)
		default:
			return fmt.Errorf("key %x: not a part", k)
		}
		flags, data, err := decodeValue(v)
		if err != nil {
			return fmt.Errorf("part at %d: %w", size, err)
		}
		if err := fn(flags, data); err != nil {
			return err
		}
		size += len(data)
		parts++
	}
	if parts == 0 {
		return errors.New("data value missing")
	}
	return nil
}

// errDiffer stops storedPrefix at the first part that differs.
var errDiffer = errors.New("differs")

// storedPrefix reports whether vb's parts are, together, exactly prefix,
// and how many there are. All of them are compared: a ring that shrinks
// on reload cuts the front off its live segment and keeps its ID, so a
// tail that ends as the last one stored may still begin otherwise.
func storedPrefix(vb *bolt.Bucket, prefix []byte) (parts int, ok bool) {
	rest := prefix
	err := eachPart(vb, func(_ byte, data []byte) error {
		if !bytes.HasPrefix(rest, data) {
			return errDiffer
		}
		rest = rest[len(data):]
		parts++
		return nil
	})
	return parts, err == nil && len(rest) == 0
}
