package levels

import "strconv"

// digitPairs holds "00" to "99", two bytes each.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendInt appends i in decimal, as strconv.AppendInt(dst, i, 10).
func appendInt(dst []byte, i int64) []byte {
	if i < 0 {
		if i == -1<<63 {
			return strconv.AppendInt(dst, i, 10)
		}
		return appendUint(append(dst, '-'), uint64(-i))
	}
	return appendUint(dst, uint64(i))
}

// appendUint appends u in decimal, as strconv.AppendUint(dst, u, 10),
// two digits per division. The values lines carry (counts, statuses,
// milliseconds) fit in 32 bits, where a division is one instruction on
// 32-bit ARM rather than a call; larger ones go to strconv.
func appendUint(dst []byte, u uint64) []byte {
	if u >= 1<<32 {
		return strconv.AppendUint(dst, u, 10)
	}
	v := uint32(u)
	if v < 10 {
		return append(dst, byte('0'+v))
	}
	if v < 100 {
		return append(dst, digitPairs[2*v], digitPairs[2*v+1])
	}
	var buf [10]byte
	i := len(buf)
	for v >= 100 {
		q := v / 100
		r := (v - q*100) * 2
		i -= 2
		buf[i], buf[i+1] = digitPairs[r], digitPairs[r+1]
		v = q
	}
	if v >= 10 {
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*v], digitPairs[2*v+1]
	} else {
		i--
		buf[i] = byte('0' + v)
	}
	return append(dst, buf[i:]...)
}

// appendDigits appends the width (at most 9) last decimal digits of v,
// zeros leading: the decimals of a fraction.
func appendDigits(dst []byte, v uint32, width int) []byte {
	var digits [9]byte
	for i := width - 1; i >= 0; i-- {
		digits[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, digits[:width]...)
}
