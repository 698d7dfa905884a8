package persist

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseSectorsWritten(t *testing.T) {
	for _, c := range []struct {
		name string
		line string
		want uint64
		ok   bool
	}{
		{"kernel 5+", "  201349     2301 11234567   64210  4820157  2716634 93345120  2964433        0  2214588  3128643      0        0        0        0    310842    99998\n", 93345120, true},
		{"kernel 4", "1 2 3 4 5 6 7 8 9 10 11\n", 7, true},
		{"short", "1 2 3 4 5 6 7 8 9 10\n", 0, false},
		{"not a number", "1 2 3 4 5 6 x 8 9 10 11\n", 0, false},
		{"negative", "1 2 3 4 5 6 -7 8 9 10 11\n", 0, false},
		{"empty", "", 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, ok := parseSectorsWritten([]byte(c.line))
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, n)
		})
	}
}

// FuzzSectorsWritten: the /sys stat line parser never panics, and takes
// a line only when its seventh field is what it returns.
func FuzzSectorsWritten(f *testing.F) {
	for _, s := range []string{"1 2 3 4 5 6 7 8 9 10 11\n", "  201349 2301 11234567 64210 4820157 2716634 93345120 2964433 0 2214588 3128643 0 0 0 0 310842 99998", "", "1 2 3", "18446744073709551616 0 0 0 0 0 0 0 0 0 0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := parseSectorsWritten(b)
		if !ok {
			if n != 0 {
				t.Fatalf("%q: %d without ok", b, n)
			}
			return
		}
		if n2, _ := parseSectorsWritten(append(b, '\n')); n2 != n {
			t.Fatalf("%q: %d, with a newline %d", b, n, n2)
		}
	})
}
