package persist

import (
	"bytes"
	"testing"
)

// FuzzDecodeValue checks that any bytes decode or fail without a panic,
// that what decodes encodes back to the same bytes, and that no single
// damaged byte of a valid value goes unnoticed.
func FuzzDecodeValue(f *testing.F) {
	f.Add(appendValue(nil, 0, []byte("debug line\n")))
	f.Add(appendValue(nil, flagEvents, record(7)))
	f.Add(appendValue(nil, flagTail, nil))
	f.Add([]byte{valueMagic, valueVersion, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, v []byte) {
		flags, data, err := decodeValue(v)
		if err != nil {
			return
		}
		if back := appendValue(nil, flags, data); !bytes.Equal(back, v) {
			t.Fatalf("%x decodes to flags %x, %q, which encodes to %x", v, flags, data, back)
		}
		for i := range v {
			w := bytes.Clone(v)
			w[i] ^= 0x5a
			if _, _, err := decodeValue(w); err == nil {
				t.Fatalf("byte %d of %x damaged, and the value still decodes", i, v)
			}
		}
	})
}

// FuzzDecodeInfo is FuzzDecodeValue for info values.
func FuzzDecodeInfo(f *testing.F) {
	for _, in := range []Info{
		{Name: "debug.log.3", First: t0, Last: t0.Add(1), Records: 3, Size: 100},
		{Events: true, Tail: true, FirstSeq: 1, LastSeq: 1 << 40},
		{},
	} {
		f.Add(appendInfo(nil, &in))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var in Info
		if err := decodeInfo(v, &in); err != nil {
			return
		}
		if back := appendInfo(nil, &in); !bytes.Equal(back, v) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", v, in, back)
		}
		for i := range v {
			w := bytes.Clone(v)
			w[i] ^= 0x5a
			if err := decodeInfo(w, &in); err == nil {
				t.Fatalf("byte %d of %x damaged, and the info still decodes", i, v)
			}
		}
	})
}
