package eventlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"

	"github.com/tinylib/msgp/msgp"
)

// A sealed segment's frames are turned into columns before they are
// compressed (docs/format.md, "Event blocks"): readings of a few sources
// repeat their type, source, keys and units and move their values and
// times by small steps, which columns of deltas let the compressor see,
// and the frames' checksums, which no compressor can shrink, are
// recomputed when the frames are rebuilt. The encoder checks its work by
// decoding it: a segment the columns do not rebuild byte for byte is kept
// as frames, so that the columns never change what a reader reads.

// Block kinds: the first byte of an event block's plain bytes.
const (
	kindFrames  = 'F' // the frames as they were
	kindColumns = 'C' // columns, rebuilt into the frames
)

// The columns, in the order they are stored.
const (
	colSeq  = iota // zigzag(Seq - previous Seq - 1), uvarint
	colTime = iota // zigzag of the change of the time step of the event's source, uvarint
	colStr         // string references: 0 a literal (colLit), n the dictionary's n-1th, uvarint
	colLit         // literal strings: length, uvarint, and bytes
	colAttr        // per event its attr count, per attr its value tag: uvarints
	colNum         // zigzag deltas of numbers against the same source and key's last, uvarint
	colRaw         // values kept as msgpack: other kinds, floats that do not scale
	nCols
)

// Value tags of colAttr.
const (
	tagRaw   = 0 // the msgpack value, in colRaw
	tagScale = 1 // tagScale+k: a float that is an integer n times 10^-k, n's delta in colNum (k ≤ maxScale)
	tagInt   = tagScale + maxScale + 1
	tagStr   = tagInt + 1
)

// maxScale is the most decimals a float is scaled by; maxDict the most
// strings a block's dictionary holds; maxCount bounds what a damaged
// block can make a decoder allocate.
const (
	maxScale = 6
	maxDict  = 4096
)

var pow10 = [maxScale + 1]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

// errColumns is a column that ends too soon or holds what no encoder
// writes.
var errColumns = errors.New("eventlog: damaged event columns")

// slot is a source and key, by dictionary index: whose last number a
// delta is taken against.
type slot struct{ src, key int }

// colEncoder turns frames into columns; its maps and buffers are reused
// from segment to segment on the compressor's goroutine.
type colEncoder struct {
	cols  [nCols][]byte
	dict  map[string]int
	last  map[slot]int64
	step  map[int][2]int64 // per source: last time, last step
	out   []byte
	check []byte
}

func newColEncoder() *colEncoder {
	return &colEncoder{dict: make(map[string]int), last: make(map[slot]int64), step: make(map[int][2]int64)}
}

// encode returns the plain bytes of the block of frames b: its columns,
// or the frames themselves when the columns would not rebuild them. The
// result is valid until the next call.
func (e *colEncoder) encode(b []byte) []byte {
	if cols, ok := e.columns(b); ok {
		var err error
		e.check, err = decodeColumns(e.check[:0], cols, int64(len(b)))
		if err == nil && bytes.Equal(e.check, b) {
			return cols
		}
	}
	e.out = append(append(e.out[:0], kindFrames), b...)
	return e.out
}

// columns encodes frames b; ok is false when a frame is not what Write
// writes.
func (e *colEncoder) columns(b []byte) (_ []byte, ok bool) {
	for i := range e.cols {
		e.cols[i] = e.cols[i][:0]
	}
	clear(e.dict)
	clear(e.last)
	clear(e.step)
	var n, prevSeq uint64
	for len(b) > 0 {
		payload, size, err := nextFrame(b)
		if err != nil {
			return nil, false
		}
		b = b[size:]
		h, err := peek(payload)
		if err != nil || payload[0] != 0x96 {
			return nil, false
		}
		e.uvarint(colSeq, zigzag(int64(h.seq-prevSeq-1)))
		prevSeq = h.seq
		e.str(h.typ)
		src := e.str(h.source)
		e.str(h.token)
		st := e.step[src]
		e.uvarint(colTime, zigzag(h.time-st[0]-st[1]))
		e.step[src] = [2]int64{h.time, h.time - st[0]}
		if !e.attrs(src, h.attrs) {
			return nil, false
		}
		n++
	}
	e.out = append(e.out[:0], kindColumns)
	e.out = binary.AppendUvarint(e.out, n)
	for i := range e.cols {
		e.out = binary.AppendUvarint(e.out, uint64(len(e.cols[i])))
	}
	for i := range e.cols {
		e.out = append(e.out, e.cols[i]...)
	}
	return e.out, true
}

// attrs encodes an event's attrs; false when they are not as Write
// writes them.
func (e *colEncoder) attrs(src int, b []byte) bool {
	n, b, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return false
	}
	e.uvarint(colAttr, uint64(n))
	for range n {
		if len(b) == 0 || b[0] != 0x92 {
			return false
		}
		var k []byte
		if k, b, err = msgp.ReadStringZC(b[1:]); err != nil {
			return false
		}
		s := slot{src, e.str(k)}
		rest, err := msgp.Skip(b)
		if err != nil {
			return false
		}
		v := b[:len(b)-len(rest)]
		b = rest
		switch {
		case v[0] == 0xcb: // float64
			f := math.Float64frombits(binary.BigEndian.Uint64(v[1:]))
			if k, n, ok := scaled(f); ok {
				e.uvarint(colAttr, uint64(tagScale+k))
				e.number(s, n)
				continue
			}
		case msgp.NextType(v) == msgp.IntType || msgp.NextType(v) == msgp.UintType:
			if n, _, err := msgp.ReadInt64Bytes(v); err == nil {
				e.uvarint(colAttr, tagInt)
				e.number(s, n)
				continue
			}
		case msgp.NextType(v) == msgp.StrType:
			str, _, err := msgp.ReadStringZC(v)
			if err == nil {
				e.uvarint(colAttr, tagStr)
				e.str(str)
				continue
			}
		}
		e.uvarint(colAttr, tagRaw)
		e.cols[colRaw] = append(e.cols[colRaw], v...)
	}
	return len(b) == 0
}

// scaled returns f as n × 10^-k, when it is that exactly, k the fewest
// decimals that do it.
func scaled(f float64) (k int, n int64, ok bool) {
	for k := range pow10 {
		x := f * pow10[k]
		if x != math.Trunc(x) || math.Abs(x) >= 1<<53 {
			continue
		}
		if math.Float64bits(float64(int64(x))/pow10[k]) == math.Float64bits(f) {
			return k, int64(x), true
		}
	}
	return 0, 0, false
}

func (e *colEncoder) number(s slot, n int64) {
	e.uvarint(colNum, zigzag(n-e.last[s]))
	e.last[s] = n
}

// str writes a reference to s, or s as a literal that joins the
// dictionary while it has room; it returns s's dictionary index, -1 when
// it has none.
func (e *colEncoder) str(s []byte) int {
	if i, ok := e.dict[string(s)]; ok {
		e.uvarint(colStr, uint64(i)+1)
		return i
	}
	e.uvarint(colStr, 0)
	e.uvarint(colLit, uint64(len(s)))
	e.cols[colLit] = append(e.cols[colLit], s...)
	if len(e.dict) == maxDict {
		return -1
	}
	i := len(e.dict)
	e.dict[string(s)] = i
	return i
}

func (e *colEncoder) uvarint(col int, v uint64) {
	e.cols[col] = binary.AppendUvarint(e.cols[col], v)
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// colReader reads the columns of a block.
type colReader struct {
	cols [nCols][]byte
	err  error
}

func (r *colReader) uvarint(col int) uint64 {
	v, k := binary.Uvarint(r.cols[col])
	if k <= 0 {
		r.err = errColumns
		return 0
	}
	r.cols[col] = r.cols[col][k:]
	return v
}

// decodeColumns appends the frames that the block's plain bytes b (its
// kind byte included) hold to dst; the frames may take at most limit
// bytes, so that a damaged block cannot make it allocate without end.
func decodeColumns(dst, b []byte, limit int64) ([]byte, error) {
	if len(b) == 0 {
		return dst, errColumns
	}
	if b[0] == kindFrames {
		if int64(len(b)-1) > limit {
			return dst, errColumns
		}
		return append(dst, b[1:]...), nil
	}
	if b[0] != kindColumns {
		return dst, errColumns
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return dst, errColumns
	}
	b = b[k:]
	var r colReader
	var lens [nCols]uint64
	for i := range lens {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return dst, errColumns
		}
		lens[i], b = v, b[k:]
	}
	for i := range lens {
		if lens[i] > uint64(len(b)) {
			return dst, errColumns
		}
		r.cols[i], b = b[:lens[i]], b[lens[i]:]
	}
	if len(b) != 0 || n > uint64(len(r.cols[colSeq])) { // a Seq takes a byte at least
		return dst, errColumns
	}
	d := colDecoder{colReader: r, last: make(map[slot]int64), step: make(map[int][2]int64)}
	start := len(dst)
	var payload []byte
	var seq uint64
	for range n {
		seq += uint64(unzigzag(d.uvarint(colSeq))) + 1
		payload = d.record(payload[:0], seq)
		if d.err != nil {
			return dst[:start], d.err
		}
		var hdr [maxHeader]byte
		h := appendHeader(hdr[:0], payload)
		if int64(len(dst)-start+len(h)+len(payload)) > limit {
			return dst[:start], errColumns
		}
		dst = append(append(dst, h...), payload...)
	}
	return dst, nil
}

// colDecoder rebuilds records from columns.
type colDecoder struct {
	colReader
	dict [][]byte
	last map[slot]int64
	step map[int][2]int64
}

// record appends the msgpack record of the next event, Seq seq, to p.
func (d *colDecoder) record(p []byte, seq uint64) []byte {
	typ, _ := d.str()
	source, src := d.str()
	token, _ := d.str()
	st := d.step[src]
	t := int64(uint64(unzigzag(d.uvarint(colTime))) + uint64(st[0]) + uint64(st[1]))
	d.step[src] = [2]int64{t, t - st[0]}
	p = append(p, 0x96)
	p = msgp.AppendUint64(p, seq)
	p = msgp.AppendInt64(p, t)
	p = msgp.AppendStringFromBytes(p, typ)
	p = msgp.AppendStringFromBytes(p, source)
	p = msgp.AppendStringFromBytes(p, token)
	n := d.uvarint(colAttr)
	if n > MaxAttrs || d.err != nil {
		d.err = errColumns
		return p
	}
	p = msgp.AppendArrayHeader(p, uint32(n))
	for range n {
		p = append(p, 0x92)
		k, key := d.str()
		p = msgp.AppendStringFromBytes(p, k)
		s := slot{src, key}
		switch tag := d.uvarint(colAttr); {
		case tag >= tagScale && tag < tagScale+maxScale+1:
			p = msgp.AppendFloat64(p, float64(d.number(s))/pow10[tag-tagScale])
		case tag == tagInt:
			p = msgp.AppendInt64(p, d.number(s))
		case tag == tagStr:
			v, _ := d.str()
			p = msgp.AppendStringFromBytes(p, v)
		case tag == tagRaw:
			rest, err := msgp.Skip(d.cols[colRaw])
			if err != nil {
				d.err = errColumns
				return p
			}
			p = append(p, d.cols[colRaw][:len(d.cols[colRaw])-len(rest)]...)
			d.cols[colRaw] = rest
		default:
			d.err = errColumns
		}
		if d.err != nil || len(p) > MaxRecord {
			d.err = errColumns
			return p
		}
	}
	return p
}

func (d *colDecoder) number(s slot) int64 {
	n := d.last[s] + unzigzag(d.uvarint(colNum))
	d.last[s] = n
	return n
}

// str reads a string reference (a view of the literals column) and its
// dictionary index, -1 when it has none.
func (d *colDecoder) str() ([]byte, int) {
	ref := d.uvarint(colStr)
	if d.err != nil {
		return nil, -1
	}
	if ref > 0 {
		if ref > uint64(len(d.dict)) {
			d.err = errColumns
			return nil, -1
		}
		return d.dict[ref-1], int(ref - 1)
	}
	n := d.uvarint(colLit)
	if d.err != nil || n > uint64(len(d.cols[colLit])) {
		d.err = errColumns
		return nil, -1
	}
	s := d.cols[colLit][:n:n]
	d.cols[colLit] = d.cols[colLit][n:]
	if len(d.dict) == maxDict {
		return s, -1
	}
	d.dict = append(d.dict, s)
	return s, len(d.dict) - 1
}
