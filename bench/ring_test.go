package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRing(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		writes  []string
		tail    string // AppendTail of the whole ring
		written uint64
	}{
		{"empty", 8, nil, "", 0},
		{"partial", 8, []string{"abc"}, "abc", 3},
		{"exactly full", 8, []string{"abcd", "efgh"}, "abcdefgh", 8},
		{"wraps", 8, []string{"abcdef", "ghij"}, "cdefghij", 10},
		{"wraps twice", 4, []string{"abc", "def", "ghi"}, "fghi", 9},
		{"longer than the ring", 4, []string{"ab", "cdefghij"}, "ghij", 10},
		{"zero size", 0, []string{"abc"}, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRing(tt.size)
			for _, w := range tt.writes {
				n, err := r.Write([]byte(w))
				assert.NoError(t, err)
				assert.Equal(t, len(w), n)
			}
			assert.Equal(t, tt.tail, string(r.AppendTail(nil, tt.size)))
			assert.Equal(t, tt.written, r.Written())
		})
	}
}

func TestRingAppendTail(t *testing.T) {
	r := NewRing(8)
	_, _ = r.Write([]byte("abcdef"))
	_, _ = r.Write([]byte("ghij")) // holds "cdefghij", wrapped at offset 2
	for n, want := range map[int]string{-1: "", 0: "", 1: "j", 2: "ij", 3: "hij", 8: "cdefghij", 100: "cdefghij"} {
		assert.Equal(t, "x"+want, string(r.AppendTail([]byte("x"), n)), "n=%d", n)
	}
}
