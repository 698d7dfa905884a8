package levels

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAppendIntMatchesStrconv(t *testing.T) {
	vals := []int64{0, 1, 9, 10, 11, 99, 100, 101, 200, 999, 1000, 1234, 65535, 99999, 100000,
		1e9 - 1, 1e9, math.MaxUint32 - 1, math.MaxUint32, math.MaxUint32 + 1, 1e12, math.MaxInt64,
		-1, -9, -10, -1234, -math.MaxUint32, -math.MaxUint32 - 1, math.MinInt64 + 1, math.MinInt64}
	for p := int64(1); p > 0 && p < math.MaxInt64/10; p *= 10 {
		vals = append(vals, p-1, p, p+1, -p)
	}
	for _, v := range vals {
		assert.Equal(t, strconv.FormatInt(v, 10), string(appendInt([]byte("x"), v))[1:], "%d", v)
		if v >= 0 {
			assert.Equal(t, strconv.FormatUint(uint64(v), 10), string(appendUint(nil, uint64(v))), "%d", v)
		}
	}
	assert.Equal(t, strconv.FormatUint(math.MaxUint64, 10), string(appendUint(nil, math.MaxUint64)))
}

// TestAppendIntRandom compares with strconv on values of every length,
// from a fixed seed.
func TestAppendIntRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := int64(rng.Uint64() >> rng.IntN(64))
		if rng.IntN(2) == 0 {
			v = -v
		}
		if got, want := string(appendInt(nil, v)), strconv.FormatInt(v, 10); got != want {
			t.Fatalf("appendInt(%d) = %q, want %q", v, got, want)
		}
		if got, want := string(appendUint(nil, uint64(v))), strconv.FormatUint(uint64(v), 10); got != want {
			t.Fatalf("appendUint(%d) = %q, want %q", uint64(v), got, want)
		}
	}
}

func TestAppendDigits(t *testing.T) {
	for _, tt := range []struct {
		v     uint32
		width int
		want  string
	}{{5, 1, "5"}, {5, 3, "005"}, {123, 3, "123"}, {0, 6, "000000"}, {999999999, 9, "999999999"}, {42, 0, ""}} {
		assert.Equal(t, "x."+tt.want, string(appendDigits([]byte("x."), tt.v, tt.width)), "%d to %d", tt.v, tt.width)
	}
}
