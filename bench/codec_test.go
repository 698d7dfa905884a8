package bench

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	kflate "github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/ramlog"
)

// The codec benchmarks measure the candidates for compressing sealed
// history in RAM (and on disk): each corpus is cut into blocks of
// BENCH_CODEC_BLOCK bytes (default 256 KiB) at line or record boundaries,
// as sealed segments are, and each block is compressed alone. Text comes
// from the *.log files of BENCH_CORPUS (real logs, such as loghub's 2k
// samples; the benchmarks skip without it); events are msgpack records of
// four sensors read once a second, from a real event log. Reported per
// codec and corpus: the ratio (plain bytes per compressed byte, "x"), and
// MB/s of plain bytes to compress (enc) and to decompress (dec).

// codec is one candidate: a compressor and a decompressor of whole
// blocks, appending to dst.
type codec struct {
	name   string
	encode func(dst, src []byte) []byte
	decode func(dst, src []byte) ([]byte, error)
}

func codecs(tb testing.TB) []codec {
	zfast, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
	require.NoError(tb, err)
	zdef, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
	require.NoError(tb, err)
	zdec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	require.NoError(tb, err)
	return []codec{
		{"flate-1", flateEncoder(1, false), flateDecode(false)},
		{"flate-6", flateEncoder(6, false), flateDecode(false)},
		{"kflate-1", flateEncoder(1, true), flateDecode(true)},
		{"zstd-fastest", func(dst, src []byte) []byte { return zfast.EncodeAll(src, dst) }, func(dst, src []byte) ([]byte, error) { return zdec.DecodeAll(src, dst) }},
		{"zstd-default", func(dst, src []byte) []byte { return zdef.EncodeAll(src, dst) }, func(dst, src []byte) ([]byte, error) { return zdec.DecodeAll(src, dst) }},
		{"s2", func(dst, src []byte) []byte { return s2.Encode(dst[len(dst):cap(dst)], src) }, func(dst, src []byte) ([]byte, error) { return s2.Decode(dst[len(dst):cap(dst)], src) }},
		{"lz4", lz4Encode, lz4Decode},
	}
}

func flateEncoder(level int, klauspost bool) func(dst, src []byte) []byte {
	var out bytes.Buffer
	var w io.WriteCloser
	if klauspost {
		w, _ = kflate.NewWriter(&out, level)
	} else {
		w, _ = flate.NewWriter(&out, level)
	}
	return func(dst, src []byte) []byte {
		out.Reset()
		w.(interface{ Reset(io.Writer) }).Reset(&out)
		_, _ = w.Write(src)
		_ = w.Close()
		return append(dst, out.Bytes()...)
	}
}

func flateDecode(klauspost bool) func(dst, src []byte) ([]byte, error) {
	var r io.ReadCloser
	return func(dst, src []byte) ([]byte, error) {
		switch {
		case r == nil && klauspost:
			r = kflate.NewReader(bytes.NewReader(src))
		case r == nil:
			r = flate.NewReader(bytes.NewReader(src))
		default:
			_ = r.(flate.Resetter).Reset(bytes.NewReader(src), nil)
		}
		buf := bytes.NewBuffer(dst)
		_, err := buf.ReadFrom(r)
		return buf.Bytes(), err
	}
}

func lz4Encode(dst, src []byte) []byte {
	var c lz4.Compressor
	out := make([]byte, lz4.CompressBlockBound(len(src))+4)
	n, _ := c.CompressBlock(src, out[4:])
	out[0], out[1], out[2], out[3] = byte(len(src)), byte(len(src)>>8), byte(len(src)>>16), byte(len(src)>>24)
	return append(dst, out[:4+n]...)
}

func lz4Decode(dst, src []byte) ([]byte, error) {
	n := int(src[0]) | int(src[1])<<8 | int(src[2])<<16 | int(src[3])<<24
	out := slices.Grow(dst, n)[len(dst) : len(dst)+n]
	m, err := lz4.UncompressBlock(src[4:], out)
	return append(dst, out[:m]...), err
}

// codecBlock is the block size of the codec benchmarks.
func codecBlock() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_CODEC_BLOCK")); err == nil && n > 0 {
		return n
	}
	return 256 << 10
}

// textBlocks cuts the corpus files into blocks at line ends.
func textBlocks(tb testing.TB, size int) [][]byte {
	dir := os.Getenv("BENCH_CORPUS")
	if dir == "" {
		tb.Skip("BENCH_CORPUS is not set: a directory of real *.log files (such as loghub's *_2k.log)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	require.NoError(tb, err)
	require.NotEmpty(tb, files, "no *.log in %s", dir)
	var blocks [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(tb, err)
		for len(data) > 0 {
			n := min(size, len(data))
			if i := bytes.LastIndexByte(data[:n], '\n'); i > 0 && n < len(data) {
				n = i + 1
			}
			blocks = append(blocks, data[:n])
			data = data[n:]
		}
	}
	return blocks
}

// eventBlocks are the sealed segments of a real event log holding four
// sensors' readings, once a second each: temperatures that wander, a
// humidity, a power figure.
func eventBlocks(tb testing.TB, size int) [][]byte {
	ev, err := eventlog.New(eventlog.Options{RAM: 64 << 20, Segment: int64(size)})
	require.NoError(tb, err)
	defer ev.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	temp := []float64{21.5, 19.0, 23.2, 4.5}
	for i := range 200_000 {
		s := i % 4
		temp[s] += rng.NormFloat64() * 0.05
		ev.Write(eventlog.Event{Time: t0.Add(time.Duration(i/4) * time.Second).UnixNano(), Type: "webbrick/CT", Source: fmt.Sprintf("wb/100/CT/%d", s+1),
			Attrs: []eventlog.Attr{eventlog.FloatAttr("val", math.Round(temp[s]*100)/100), eventlog.StringAttr("unit", "C"), eventlog.IntAttr("zone", int64(s+1))}})
	}
	var blocks [][]byte
	ev.Walk(0, func(p *ramlog.Spill) {
		if !p.Live {
			blocks = append(blocks, p.AppendTo(nil))
		}
	})
	require.NotEmpty(tb, blocks)
	return blocks
}

func BenchmarkCodec(b *testing.B) {
	size := codecBlock()
	corpora := []struct {
		name   string
		blocks func(testing.TB, int) [][]byte
	}{{"logs", textBlocks}, {"events", eventBlocks}}
	for _, corpus := range corpora {
		b.Run(corpus.name, func(b *testing.B) {
			blocks := corpus.blocks(b, size)
			plain := 0
			for _, blk := range blocks {
				plain += len(blk)
			}
			for _, c := range codecs(b) {
				var packed [][]byte
				zipped := 0
				for _, blk := range blocks {
					z := c.encode(nil, blk)
					out, err := c.decode(nil, z)
					require.NoError(b, err, c.name)
					require.True(b, bytes.Equal(blk, out), "%s: round trip", c.name)
					packed = append(packed, z)
					zipped += len(z)
				}
				ratio := float64(plain) / float64(zipped)
				b.Run(c.name+"/enc", func(b *testing.B) {
					b.SetBytes(int64(plain))
					b.ReportAllocs()
					b.ReportMetric(ratio, "x")
					dst := make([]byte, 0, 2*size)
					for i := 0; i < b.N; i++ {
						for _, blk := range blocks {
							dst = c.encode(dst[:0], blk)
						}
					}
				})
				b.Run(c.name+"/dec", func(b *testing.B) {
					b.SetBytes(int64(plain))
					b.ReportAllocs()
					b.ReportMetric(ratio, "x")
					dst := make([]byte, 0, 2*size)
					for i := 0; i < b.N; i++ {
						for _, z := range packed {
							dst, _ = c.decode(dst[:0], z)
						}
					}
				})
			}
		})
	}
}
