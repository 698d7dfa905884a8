package eventlog

import (
	"bytes"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// framesOf encodes events as a ring segment holds them.
func framesOf(t testing.TB, evs []Event) []byte {
	t.Helper()
	var b []byte
	var hdr [maxHeader]byte
	for i := range evs {
		p, err := evs[i].MarshalMsg(nil)
		require.NoError(t, err)
		b = append(append(b, appendHeader(hdr[:0], p)...), p...)
	}
	return b
}

func TestColumnsRebuildEveryKindOfValue(t *testing.T) {
	values := []Value{Float(21.5), Float(-0.1), Float(math.Pi), Float(math.Copysign(0, -1)), Float(math.NaN()),
		Float(math.Inf(1)), Float(1e300), Float(123456.789), Int(0), Int(-1), Int(math.MaxInt64), Int(math.MinInt64),
		Int(300), String(""), String("ünïcode"), Bool(true), Bool(false), {}}
	var evs []Event
	for i := range 3000 {
		ev := Event{Seq: uint64(i*3 + 1), Time: t0.UnixNano() + int64(i*i)*1e6 - 5e9*int64(i%7), Type: "webbrick/CT",
			Source: "wb/" + strconv.Itoa(i%9), Attrs: []Attr{{Key: "v", Value: values[i%len(values)]}, FloatAttr("t", 20+float64(i%50)/10)}}
		if i%5 == 0 {
			ev.Token = "req-" + strconv.Itoa(i)
		}
		if i%11 == 0 {
			ev.Attrs = nil
		}
		if i > 2000 { // more distinct strings than the dictionary holds
			ev.Source = "wb/many/" + strconv.Itoa(i)
			ev.Attrs = append(ev.Attrs, StringAttr("k"+strconv.Itoa(i), "x"+strconv.Itoa(i)))
		}
		evs = append(evs, ev)
	}
	frames := framesOf(t, evs)
	e := newColEncoder()
	cols := e.encode(frames)
	require.Equal(t, byte(kindColumns), cols[0], "every record Write makes goes into columns")
	got, err := decodeColumns(nil, cols, int64(len(frames)))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(frames, got))
	t.Logf("%d bytes of frames in %d of columns", len(frames), len(cols))

	// Again, with the encoder's state from the last block: nothing carries over.
	cols = append([]byte(nil), e.encode(frames[:len(frames)/3])...)
	_, err = decodeColumns(nil, cols, int64(len(frames)))
	require.NoError(t, err)

	// The limit holds.
	_, err = decodeColumns(nil, cols, int64(len(frames)/3)-1)
	assert.ErrorIs(t, err, errColumns)
}

func TestColumnsKeepFramesTheyCannotRebuild(t *testing.T) {
	evs := []Event{temp(1, "a", 1), temp(2, "a", 2)}
	frames := framesOf(t, evs)
	// A record in a form Write does not make (a map): kept as frames.
	odd := []byte{0x81, 0xa1, 'k', 0x01}
	var hdr [maxHeader]byte
	mixed := append(append(append([]byte(nil), frames...), appendHeader(hdr[:0], odd)...), odd...)
	out := newColEncoder().encode(mixed)
	assert.Equal(t, byte(kindFrames), out[0])
	got, err := decodeColumns(nil, out, int64(len(mixed)))
	require.NoError(t, err)
	assert.Equal(t, mixed, got)
}

// FuzzColumns rebuilds events made from arbitrary values through the
// columns, and feeds arbitrary bytes to the column decoder: no panic, no
// more than the limit, and what the encoder writes always rebuilds.
func FuzzColumns(f *testing.F) {
	frames := framesOf(f, []Event{temp(1, "wb/1", 21.5), temp(2, "wb/2", 19.25), temp(3, "wb/1", 21.6)})
	cols := newColEncoder().encode(frames)
	f.Add(append([]byte(nil), cols...), int64(2), 21.5, "wb/1", "")
	f.Add(cols[:len(cols)/2], int64(-7), math.Pi, "", "tok")
	f.Add([]byte{kindColumns, 0xff, 0xff, 0xff, 0xff, 0x0f}, int64(0), 0.0, "x", "y")
	f.Add([]byte{kindFrames, 1, 2, 3}, int64(math.MinInt64), math.Inf(-1), "a/b", "")
	f.Fuzz(func(t *testing.T, b []byte, n int64, v float64, src, tok string) {
		const limit = 1 << 16
		if out, err := decodeColumns(nil, b, limit); err == nil && len(out) > limit {
			t.Fatalf("%d bytes over the limit", len(out))
		}
		evs := []Event{
			{Seq: 5, Time: n, Type: src, Source: src, Token: tok, Attrs: []Attr{FloatAttr(src, v), IntAttr("n", n), StringAttr(tok, src)}},
			{Seq: 6, Time: n / 3, Type: "t", Source: src, Attrs: []Attr{FloatAttr(src, v*10), IntAttr("n", -n)}},
			{Seq: 9, Time: -n, Type: "t", Source: tok, Attrs: []Attr{BoolAttr("b", n&1 == 0)}},
		}
		frames := framesOf(t, evs)
		cols := newColEncoder().encode(frames)
		if cols[0] != kindColumns {
			t.Fatalf("kept as frames")
		}
		got, err := decodeColumns(nil, cols, int64(len(frames)))
		if err != nil || !bytes.Equal(got, frames) {
			t.Fatalf("not rebuilt: %v", err)
		}
	})
}
