package levels

import (
	"math"
	"strconv"
)

// pow10 are the scales appendFloat tries: up to six decimals.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6}

// appendFloat appends f as strconv.AppendFloat(dst, f, 'g', -1, 64) does,
// byte for byte, taking a short cut for the values readings usually have:
// between 1e-4 and 1e6 in magnitude with at most six decimals (21.5,
// 1013.25, 0.003). For those 'g' writes the decimal form with the fewest
// digits that reads back as f; with m the integer nearest f×10^k for the
// least k at which m/10^k reads back as f, that is m with k decimals, as
// at this magnitude f's neighbours are much closer together than 10^-6
// and no other m' can read back as f. Everything else (zero, whose sign
// 'g' keeps, NaN, infinities, other magnitudes, more decimals) goes to
// strconv.
func appendFloat(dst []byte, f float64) []byte {
	a := math.Abs(f)
	if !(a >= 1e-4 && a < 1e6) {
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	for k, p := range pow10 {
		m := math.Round(a * p)
		if m/p != a {
			continue
		}
		n := uint64(m)
		if f < 0 {
			dst = append(dst, '-')
		}
		if k == 0 {
			return appendUint(dst, n)
		}
		// n < 1e12, and usually < 2^32: then it is split in 32 bits, as a
		// 64-bit division is a call on 32-bit ARM.
		var whole uint64
		var frac uint32
		if q := uint32(p); n < 1<<32 {
			whole, frac = uint64(uint32(n)/q), uint32(n)%q
		} else {
			whole, frac = n/uint64(q), uint32(n%uint64(q))
		}
		dst = appendUint(dst, whole)
		return appendDigits(append(dst, '.'), frac, k)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}
