package persist

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A segment's data bucket (data/<id>) holds its bytes as parts: "v", the
// bytes from offset 0, and, for a segment that grew over several flushes
// of one file, a bucket per later flush keyed "v" and the big-endian
// offset of its first byte, holding "v" with the bytes it added. A tail
// flushed again thus writes what it grew by, not itself whole, and its
// sealing writes what came last (docs/format.md, "Parts"). Each part is a
// bucket, so that a big one is not written again beside its successor;
// their keys sort after "v", so that a new one goes in the last leaf.

// maxParts bounds the parts of one segment: past it the segment is
// written whole again, so that a read stays a bounded walk. A variable
// for the benchmark that compares with writing tails whole.
var maxParts = 1024

// partKey is the key of the part that starts at offset off.
func partKey(off int) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), keyValue...), uint64(off))
}

// eachPart calls fn with the flags and data of each of vb's parts in
// order, views valid during the transaction. A part that does not decode,
// is missing or overlaps is an error.
func eachPart(vb *bolt.Bucket, fn func(flags byte, data []byte) error) error {
	flags, data, err := decodeValue(vb.Get(keyValue))
	if err != nil {
		return err
	}
	if err := fn(flags, data); err != nil {
		return err
	}
	size := len(data)
	c := vb.Cursor()
	c.Seek(keyValue)
	for k, v := c.Next(); k != nil; k, v = c.Next() {
		if len(k) != len(keyValue)+8 || !bytes.HasPrefix(k, keyValue) || v != nil {
			return fmt.Errorf("part key %x: not a part", k)
		}
		if off := binary.BigEndian.Uint64(k[len(keyValue):]); off != uint64(size) {
			return fmt.Errorf("part at %d where %d bytes came before", off, size)
		}
		pb := vb.Bucket(k)
		if pb == nil {
			return fmt.Errorf("part at %d: not a bucket", size)
		}
		flags, data, err := decodeValue(pb.Get(keyValue))
		if err != nil {
			return fmt.Errorf("part at %d: %w", size, err)
		}
		if err := fn(flags, data); err != nil {
			return err
		}
		size += len(data)
	}
	return nil
}

// extends reports whether data extends what vb holds, size bytes: it
// begins with vb's last part, which ends at size; and how many parts vb
// holds. The parts before the last were checked so when they were added,
// and a tail only grows, so the last one is enough; only it is read.
func extends(vb *bolt.Bucket, size int, data []byte) (parts int, ok bool) {
	off, last := 0, keyValue
	c := vb.Cursor()
	for k, _ := c.Seek(keyValue); k != nil && bytes.HasPrefix(k, keyValue); k, _ = c.Next() {
		if len(k) == len(keyValue)+8 {
			off, last = int(binary.BigEndian.Uint64(k[len(keyValue):])), k
		}
		parts++
	}
	v := vb.Get(last)
	if len(last) > len(keyValue) {
		pb := vb.Bucket(last)
		if pb == nil {
			return parts, false
		}
		v = pb.Get(keyValue)
	}
	_, part, err := decodeValue(v)
	if err != nil || off+len(part) != size || size > len(data) {
		return parts, false
	}
	return parts, bytes.Equal(data[off:size], part)
}
