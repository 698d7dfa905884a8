package persist

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestFormatExample checks the examples of docs/format.md ("Store") byte
// by byte.
func TestFormatExample(t *testing.T) {
	v := appendValue(nil, 0, []byte("a line\n"))
	assert.Equal(t, strings.Join([]string{
		"b7 01 00 00",
		"07 00 00 00",
		"ef c9 71 d4",
		"61 20 6c 69 6e 65 0a",
	}, " "), spaced(hex.EncodeToString(v)))

	when := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	in := Info{Name: "debug.log", First: when, Last: when.Add(time.Second), Records: 1, Size: 7}
	assert.Equal(t, strings.Join([]string{
		"01 00 09 00",
		"00 00 f6 d5 59 e6 e9 18",
		"00 ca 90 11 5a e6 e9 18",
		"01 00 00 00 00 00 00 00",
		"07 00 00 00 00 00 00 00",
		"00 00 00 00 00 00 00 00",
		"00 00 00 00 00 00 00 00",
		"64 65 62 75 67 2e 6c 6f 67",
		"5d d1 97 a8",
	}, " "), spaced(hex.EncodeToString(appendInfo(nil, &in))))
	assert.Equal(t, "00000000000000ff", hex.EncodeToString(key(255)))
}

func spaced(h string) string {
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, " ")
}
