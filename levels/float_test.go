package levels

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAppendFloat checks the short cut against strconv's 'g' with the
// shortest precision, on chosen values and on random readings.
func TestAppendFloat(t *testing.T) {
	want := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1, 21.5, -21.5, 1013.25, 0.1, 0.2, 0.3, 0.003, 1e-4, 0.00012, 9.9999e-5,
		999999, 999999.5, 1e6, 1234567, 0.1 + 0.2, 1.0 / 3, 123456.789012, 100, 2.5e-4, 0.000123456,
		math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Nextafter(21.5, 22), math.Nextafter(0.1, 1), 5e-324, 4503599627370497,
	} {
		assert.Equal(t, want(f), string(appendFloat(nil, f)), "%v", f)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var f float64
		switch r.IntN(4) {
		case 0: // a reading with a few decimals
			f = float64(r.Int64N(2e8)-1e8) / pow10[r.IntN(len(pow10))]
		case 1: // any float near the short cut's range
			f = (r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(14)-6))
		case 2: // a neighbour of a reading
			f = math.Nextafter(float64(r.Int64N(1e6))/100, math.Inf(1))
		default:
			f = math.Float64frombits(r.Uint64())
		}
		if got := string(appendFloat(nil, f)); got != want(f) {
			t.Fatalf("appendFloat(%v) = %s, want %s", f, got, want(f))
		}
	}
}
