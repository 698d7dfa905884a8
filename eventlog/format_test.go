package eventlog

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFormatExample checks the example of docs/format.md byte by byte.
func TestFormatExample(t *testing.T) {
	ev := Event{Seq: 1, Time: t0.UnixNano(), Type: "webbrick/CT", Source: "wb/100/CT/1", Attrs: []Attr{FloatAttr("val", 21.5)}}
	b, err := ev.MarshalMsg(nil)
	require.NoError(t, err)
	want := strings.Join([]string{
		"96",
		"01",
		"d3 18 e9 e6 59 d5 f6 00 00",
		"ab 77 65 62 62 72 69 63 6b 2f 43 54",
		"ab 77 62 2f 31 30 30 2f 43 54 2f 31",
		"a0",
		"91",
		"92 a3 76 61 6c cb 40 35 80 00 00 00 00 00",
	}, " ")
	assert.Equal(t, want, spaced(hex.EncodeToString(b)))
	hdr := appendHeader(nil, b)
	assert.Equal(t, byte(frameMagic), hdr[0])
	assert.Equal(t, byte(len(b)), hdr[1], "length as a one-byte uvarint")
	assert.Len(t, hdr, 6)
}

func spaced(h string) string {
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, " ")
}
