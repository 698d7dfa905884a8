package ramlog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBlockRoundTrip(t *testing.T) {
	e := newEncoder()
	for name, plain := range map[string]string{
		"empty":  "",
		"line":   "2026-11-21 23:37:17,123 INFO svc started\n",
		"many":   strings.Repeat("2026-11-21 23:37:17,123 INFO svc request handled path='/api/v1/status'\n", 5000),
		"binary": string(bytes.Repeat([]byte{0, 0xff, 0x80, '\n'}, 999)),
	} {
		t.Run(name, func(t *testing.T) {
			half := len(plain) / 2
			block := e.encode([]byte(plain[:half]), []byte(plain[half:]))
			assert.Equal(t, int64(len(plain)), blockSize(block))
			// Any gzip reader reads it: one member, RFC 1952.
			zr, err := gzip.NewReader(bytes.NewReader(block))
			require.NoError(t, err)
			std, err := io.ReadAll(zr)
			require.NoError(t, err)
			assert.Equal(t, plain, string(std))
			got, err := DecodeBlock([]byte("x"), block)
			require.NoError(t, err)
			assert.Equal(t, "x"+plain, string(got))
		})
	}
}

// TestBlockCorruption overwrites bytes at chosen offsets and checks that
// each damage is caught.
func TestBlockCorruption(t *testing.T) {
	plain := []byte(strings.Repeat("2026-11-21 23:37:17,123 INFO svc request handled\n", 200))
	good := bytes.Clone(newEncoder().encode(plain, nil))
	for name, damage := range map[string]func([]byte) []byte{
		"magic":     func(b []byte) []byte { b[0] ^= 0xff; return b },
		"deflate":   func(b []byte) []byte { b[gzipHeaderLen+3] ^= 0x55; return b },
		"crc":       func(b []byte) []byte { b[len(b)-6] ^= 1; return b },
		"isize":     func(b []byte) []byte { b[len(b)-2] ^= 1; return b },
		"truncated": func(b []byte) []byte { return b[:len(b)-1] },
		"short":     func(b []byte) []byte { return b[:5] },
		"trailing":  func(b []byte) []byte { return append(b, 0) },
		"two":       func(b []byte) []byte { return append(b, b...) },
	} {
		t.Run(name, func(t *testing.T) {
			got, err := DecodeBlock([]byte("kept"), damage(bytes.Clone(good)))
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Equal(t, "kept", string(got))
		})
	}
}

func TestCorruptionError(t *testing.T) {
	var err error = &CorruptionError{Stream: "debug", Block: 7, Offset: 4096, Err: errors.Join(ErrCorrupt, io.ErrUnexpectedEOF)}
	assert.Equal(t, "ramlog: stream debug block 7 at offset 4096: ramlog: corrupt block\nunexpected EOF", err.Error())
	assert.ErrorIs(t, err, ErrCorrupt)
	var ce *CorruptionError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, uint64(7), ce.Block)
}

// FuzzDecodeBlock checks that any input decodes or fails with ErrCorrupt,
// never panics, and that what decodes is what a standard gzip reader
// reads and encodes back to the same bytes.
func FuzzDecodeBlock(f *testing.F) {
	e := newEncoder()
	for _, s := range []string{"", "a\n", strings.Repeat("line of log\n", 300)} {
		f.Add(bytes.Clone(e.encode([]byte(s), nil)))
	}
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, block []byte) {
		got, err := DecodeBlock(nil, block)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			if len(got) != 0 {
				t.Fatalf("%d bytes returned with an error", len(got))
			}
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(block))
		if err != nil {
			t.Fatalf("decoded, but gzip refuses it: %v", err)
		}
		zr.Multistream(false)
		std, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(std, got) {
			t.Fatalf("decoded %d bytes, gzip reads %d (%v)", len(got), len(std), err)
		}
		again, err := DecodeBlock(nil, e.encode(got, nil))
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("re-encoded block does not decode back: %v", err)
		}
	})
}
