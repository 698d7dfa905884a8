package ramlog

import (
	"bytes"
	"testing"
	"time"
)

// FuzzParseRotation checks that any spec parses or errors, and that what
// parses prints back to the same rotation.
func FuzzParseRotation(f *testing.F) {
	for _, s := range []string{"size 1MiB", "time midnight", "time 10m", "both 10m,1MiB", "none", "size 1.5GB", "time 1441", "both ,", "size 9999999999999GiB", "time 9007199254741002"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRotation(s)
		if err != nil {
			return
		}
		if err := r.validate(); err != nil {
			t.Fatalf("%q parsed to an invalid %+v: %v", s, r, err)
		}
		back, err := ParseRotation(r.String())
		if err != nil {
			t.Fatalf("%q → %q does not parse: %v", s, r.String(), err)
		}
		// Sizes print rounded to one decimal; the kind and period survive.
		if back.Kind != r.Kind || back.Every != r.Every {
			t.Fatalf("%q → %+v → %+v", s, r, back)
		}
	})
}

// FuzzStream drives a stream with arbitrary lines, clock moves and
// reconfigurations read from the input, and checks after each step that
// every line is held or counted, the ring never overflows, file names are
// unique and what is held is lines.
func FuzzStream(f *testing.F) {
	f.Add([]byte("a\nbb\n\xff\xfe\x01line\r\nmore"), uint16(64), uint8(1))
	f.Add([]byte("no newline at all\x02\x83\x04\x85"), uint16(8), uint8(0))
	f.Add([]byte("\x80\x81\x82\x83\x84\x85\x86\x87"), uint16(300), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, size uint16, keep uint8) {
		now := time.Date(2026, 11, 21, 23, 55, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		opts := func(b byte) Options {
			sz := int64(size%4096) + 64
			o := Options{Keep: int(keep%8) + 1, Location: time.UTC, Now: clock}
			switch b % 4 {
			case 0:
				o.Rotate = Rotation{Kind: RotateSize, Size: sz}
			case 1:
				o.Rotate, o.RAM = Rotation{Kind: RotateTime, Every: time.Minute}, 4*sz
			case 2:
				o.Rotate = Rotation{Kind: RotateBoth, Every: time.Minute, Size: sz}
			default:
				o.Rotate, o.RAM = Rotation{Kind: RotateNone}, 4*sz
			}
			return o
		}
		s, err := New("f", opts(keep))
		if err != nil {
			t.Fatal(err)
		}
		for i, chunk := range bytes.Split(data, []byte{'|'}) {
			switch {
			case len(chunk) > 0 && chunk[0] == '>':
				now = now.Add(time.Duration(len(chunk)) * 20 * time.Second)
			case len(chunk) > 0 && chunk[0] == '<':
				now = now.Add(-time.Duration(len(chunk)) * 15 * time.Minute)
			case len(chunk) > 0 && chunk[0] == '#':
				_ = s.Reconfigure(opts(byte(len(chunk) + i)))
			default:
				s.WriteLine(0, chunk)
			}
			st := s.Stats()
			if st.Lines+st.Drops != st.Written || st.Bytes > st.Cap {
				t.Fatalf("step %d: accounting %+v", i, st)
			}
			seen := map[string]bool{}
			for _, si := range s.Segments() {
				if seen[si.Name] {
					t.Fatalf("step %d: %q twice", i, si.Name)
				}
				seen[si.Name] = true
			}
		}
		for _, l := range s.Tail(1000) {
			if bytes.ContainsAny([]byte(l), "\r\n") {
				t.Fatalf("a held line breaks: %q", l)
			}
		}
	})
}
