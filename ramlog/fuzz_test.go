package ramlog

import (
	"testing"
)

// FuzzParseRotation checks that any spec parses or errors, and that what
// parses prints back to the same rotation.
func FuzzParseRotation(f *testing.F) {
	for _, s := range []string{"size 1MiB", "time midnight", "time 10m", "both 10m,1MiB", "none", "size 1.5GB", "time 1441", "both ,", "size 9999999999999GiB"} {
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

// FuzzStream writes arbitrary lines through small rings and checks the
// accounting: every line is held or counted, and the ring never overflows.
func FuzzStream(f *testing.F) {
	f.Add([]byte("a\nbb\n\xff\xfe\n"), uint16(64), uint8(1))
	f.Add([]byte("no newline at all"), uint16(8), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, size uint16, keep uint8) {
		sz := int64(size%4096) + 2
		s, err := New("f", Options{Rotate: Rotation{Kind: RotateSize, Size: sz}, Keep: int(keep%8) + 1})
		if err != nil {
			t.Fatal(err)
		}
		n, _ := s.Write(data)
		if n != len(data) {
			t.Fatalf("wrote %d of %d", n, len(data))
		}
		st := s.Stats()
		if st.Lines+st.Drops != st.Written || st.Bytes > st.Cap {
			t.Fatalf("accounting: %+v", st)
		}
		_ = s.Tail(int(keep))
	})
}
