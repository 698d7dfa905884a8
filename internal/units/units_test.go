package units

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	good := map[string]int64{
		"0": 0, "4096": 4096, "1B": 1, "1KiB": 1024, "1 KB": 1024, "1k": 1024, "100MiB": 100 << 20,
		"1MB": 1 << 20, "1.5GiB": 3 << 29, "2gb": 2 << 30, " 7 mib ": 7 << 20,
	}
	for in, want := range good {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "MiB", "-1", "-1KiB", "1TiB", "1e400", "NaN", "9999999999GiB", "1.5.5MiB", "ten"} {
		_, err := ParseSize(in)
		assert.ErrorIs(t, err, ErrSize, in)
	}
}

func TestFormatSize(t *testing.T) {
	assert.Equal(t, "700B", FormatSize(700))
	assert.Equal(t, "1MiB", FormatSize(1<<20))
	assert.Equal(t, "1.5GiB", FormatSize(3<<29))
	assert.Equal(t, "-2KiB", FormatSize(-2048))
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{"30s": 30 * time.Second, "48h": 48 * time.Hour, "14d": 14 * 24 * time.Hour, "1d12h": 36 * time.Hour, "0d": 0, "0": 0}
	for in, want := range good {
		got, err := ParseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "d", "-1h", "1x", "-2d", "1d-1h", "two days"} {
		_, err := ParseDuration(in)
		assert.ErrorIs(t, err, ErrDuration, in)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1MiB", "1.5GB", "-1", "4096", "1e9K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && (n < 0 || n >= 1<<62) {
			t.Fatalf("%q → %d", s, n)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"14d", "1d12h", "30s", "-1h", "99999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d < 0 {
			t.Fatalf("%q → %s", s, d)
		}
	})
}

func TestUnixNano(t *testing.T) {
	assert.Zero(t, UnixNano(time.Time{}))
	assert.True(t, FromUnixNano(0).IsZero())
	at := time.Date(2026, 11, 22, 1, 2, 3, 4, time.UTC)
	assert.Equal(t, at, FromUnixNano(UnixNano(at)))
	assert.Equal(t, time.UTC, FromUnixNano(UnixNano(at.In(time.FixedZone("x", 3600)))).Location())
}

func TestShare(t *testing.T) {
	tests := []struct {
		name    string
		avail   int64
		weights []int64
		capped  []bool
		want    []float64
	}{
		{"all in proportion", 50, []int64{40, 60}, []bool{false, false}, []float64{0.5, 0.5}},
		{"growing past the weights", 200, []int64{40, 60}, []bool{false, false}, []float64{2, 2}},
		{"a capped part takes its weight, the others the rest", 100, []int64{10, 40, 20}, []bool{true, false, false}, []float64{1, 1.5, 1.5}},
		{"no room: all shrink alike", 35, []int64{10, 40, 20}, []bool{true, false, false}, []float64{0.5, 0.5, 0.5}},
		{"only capped parts: the rest stays", 100, []int64{10, 20}, []bool{true, true}, []float64{1, 1}},
		{"nothing to share", 0, []int64{10}, []bool{false}, []float64{0}},
		{"no weight", 10, []int64{0}, []bool{false}, []float64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Share(tt.avail, tt.weights, tt.capped)
			assert.InDeltaSlice(t, tt.want, got, 1e-9)
			var used float64
			for i, f := range got {
				used += f * float64(tt.weights[i])
			}
			assert.LessOrEqual(t, used, float64(max(tt.avail, 0))+1e-6, "never more than avail")
		})
	}
}
