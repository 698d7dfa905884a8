package persist

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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

// smallStore returns the bytes of a small store file, bbolt's pages of 1
// KiB: sealed segments (inline and not), events, and a tail of two parts.
func smallStore(f *testing.F) []byte {
	path := filepath.Join(f.TempDir(), dayName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: 1024})
	if err != nil {
		f.Fatal(err)
	}
	w := &dayFile{name: dayName, entries: map[string]map[uint64]*entry{}, next: map[string]uint64{}}
	ev := seg("events", 0, 300, t0)
	ev.Events, ev.FirstSeq, ev.LastSeq = true, 1, 9
	for _, segs := range [][]Segment{
		{seg("debug", 0, 2000, t0), seg("debug", 1, 200, t0), ev},
		{{Stream: "debug", ID: 2, Name: "debug.log", Tail: true, Data: data("debug", 2, 300)}},
		{{Stream: "debug", ID: 2, Name: "debug.log", Tail: true, Data: data("debug", 2, 1500)}},
	} {
		b := newBatch(w, segs, make([][]byte, len(segs)), nil, DefaultMaxParts)
		if err := db.Update(b.write); err != nil {
			f.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	m0, _ := readMeta(b)
	m1, _ := readMeta(b[1024:])
	return b[:max(m0.hwm, m1.hwm)*1024] // the pages in use: bbolt grows the file ahead
}

// FuzzSalvage feeds salvage any bytes as a store file: it must not panic,
// hold more than its bounds, or return a segment that does not read back
// whole or fails cleanly.
func FuzzSalvage(f *testing.F) {
	b := smallStore(f)
	if sv := salvageFile(bytes.NewReader(b), int64(len(b))); len(sv.segs) != 4 {
		f.Fatalf("the seed salvages %d segments, not 4", len(sv.segs))
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(b[:5000])
	f.Add(append(make([]byte, 2048), b[2048:]...)) // meta pages zeroed
	noisy := bytes.Clone(b)
	for i := 3000; i < 4000; i++ {
		noisy[i] = byte(i * 7)
	}
	f.Add(noisy)
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte("not a bbolt file\n"), 100))
	f.Fuzz(func(t *testing.T, file []byte) {
		start := time.Now()
		sv := salvageFile(bytes.NewReader(file), int64(len(file)))
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("salvage of %d bytes took %v", len(file), d)
		}
		var d Damage
		sv.count(&d)
		if d.Segments != len(sv.segs) || d.LostSegments != len(sv.lost) || len(d.Lost) > maxLostListed {
			t.Fatalf("counts: %+v", d)
		}
		for i := range sv.segs {
			sg := &sv.segs[i]
			if sg.Size < 0 || sg.Size > MaxData || len(sg.parts) == 0 {
				t.Fatalf("segment %s %d: size %d, %d parts", sg.Stream, sg.ID, sg.Size, len(sg.parts))
			}
			data, _, err := sv.readSalvaged(nil, sg)
			if err == nil && int64(len(data)) != sg.Size {
				t.Fatalf("segment %s %d reads %d bytes, not %d", sg.Stream, sg.ID, len(data), sg.Size)
			}
		}
	})
}
