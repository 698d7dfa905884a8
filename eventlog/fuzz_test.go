package eventlog

import (
	"testing"

	"github.com/gwlog/gwlog/ramlog"
)

// FuzzDecode feeds arbitrary bytes to the record decoders: the generated
// UnmarshalMsg, the zero-copy header reader and attribute lookup. None may
// panic, and what UnmarshalMsg accepts must encode back to bytes it reads
// to the same event.
func FuzzDecode(f *testing.F) {
	ev := temp(1, "wb/100/CT/1", 21.5)
	ev.Seq, ev.Token = 7, "req"
	ev.Attrs = append(ev.Attrs, IntAttr("zone", -3), BoolAttr("on", true))
	good, _ := ev.MarshalMsg(nil)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{0x96, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x96, 0x01, 0x02, 0xa1, 'a', 0xa0, 0xa0, 0x91, 0x92, 0xa1, 'k', 0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if h, err := peek(b); err == nil {
			_, _, _ = attr(h.attrs, "val")
			q := &query{lastSeq: ^uint64(0), since: -1 << 63, until: 1<<63 - 1, where: []Cond{{Key: "k", Op: Contains, Value: String("x")}}}
			_, _ = q.match(&h)
		}
		var e Event
		if _, err := e.UnmarshalMsg(b); err != nil {
			return
		}
		again, err := e.MarshalMsg(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back Event
		if _, err := back.UnmarshalMsg(again); err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
	})
}

// FuzzFrames writes arbitrary bytes into a ring segment and walks its
// frames: no panic, offsets in order and in range.
func FuzzFrames(f *testing.F) {
	l, _ := newLog(f, Options{RAM: 8 << 10, Segment: 2 << 10})
	for i := range 5 {
		l.Write(temp(i, "s", 1))
	}
	g := l.ring.Segments()[0]
	a, _ := l.ring.Slices(g.Start, g.End)
	f.Add(append([]byte(nil), a...))
	f.Add([]byte{frameMagic, 0x05, 0, 0, 0, 0, 1, 2, 3, 4, 5})
	f.Add([]byte{frameMagic, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		r, err := ramlog.NewRing(int64(len(data)), nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Append(0, data[:len(data)/2], nil)
		r.Append(0, data[len(data)/2:], nil)
		last := int64(-1)
		frames(r, r.Head(), r.Tail(), func(off int64, payload []byte, err error) bool {
			if off <= last || off >= int64(len(data)) || (err == nil) == (payload == nil) {
				t.Fatalf("frame at %d after %d, payload %v, err %v", off, last, payload != nil, err)
			}
			last = off
			return true
		})
	})
}
