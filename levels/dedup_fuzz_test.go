package levels

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDedupSame renders records with arbitrary patterns and checks the
// comparison a Dedup makes: one record at two times (one of them possibly
// unknown) always repeats itself, and two records rendered at the same
// time repeat each other only when their lines are byte for byte equal.
func FuzzDedupSame(f *testing.F) {
	f.Add(DefaultPattern, "low", "high", fixedNow.UnixNano(), fixedNow.UnixNano()+1e9, false)
	f.Add("%(msecs)d%(levelno)d %(created).1f%(message)s", "a-", "a", int64(0), int64(-1), true)
	f.Add("%(asctime)30s|%(relativeCreated)-5d|%(message)r%(asctime)s%(name)s", "x", "x ", int64(1)<<62, int64(7), false)
	f.Add("%(created)d %(created)d %(created)d %(created)d %(created)d %(created)d %(created)d %(created)d %(created)d %(message)s", "m", "n", int64(1e18), int64(2e18), false)
	f.Fuzz(func(t *testing.T, pattern, msg, other string, ns1, ns2 int64, unknown bool) {
		fm, err := NewFormatter(FormatterOptions{Pattern: pattern, MaxLine: 1 << 20, Location: time.UTC})
		if err != nil {
			return
		}
		render := func(msg string, ns int64, unknown bool) ([]byte, *stamps) {
			rec := Record{Level: WARNING, Logger: "svc", Message: msg}
			if !unknown {
				rec.Time = time.Unix(0, ns)
			}
			st := &stamps{}
			return fm.appendLine(nil, &rec, st), st
		}
		a, as := render(msg, ns1, false)
		b, bs := render(msg, ns2, unknown)
		if !sameBut(a, as, b, bs) && as.n >= 0 { // more than maxStamps: compared whole
			t.Fatalf("the same record at two times does not repeat:\n%q %v\n%q %v", a, *as, b, *bs)
		}
		c, cs := render(other, ns1, false)
		if sameBut(a, as, c, cs) && !bytes.Equal(a, c) {
			t.Fatalf("different lines at the same time repeat:\n%q\n%q", a, c)
		}
	})
}
