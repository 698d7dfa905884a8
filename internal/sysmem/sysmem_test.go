package sysmem

import (
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMemTotal(t *testing.T) {
	tests := []struct {
		name, in string
		want     int64
		err      string
	}{
		{"board", "MemTotal:         506200 kB\nMemFree:          30000 kB\n", 506200 << 10, ""},
		{"not first", "MemFree: 1 kB\nMemTotal: 2048 kB\n", 2 << 20, ""},
		{"missing", "MemFree: 1 kB\n", 0, "no MemTotal line"},
		{"unit", "MemTotal: 2048 MB\n", 0, `/proc/meminfo:1: want "MemTotal: N kB", got "MemTotal: 2048 MB"`},
		{"number", "x\nMemTotal: -5 kB\n", 0, `/proc/meminfo:2: want a positive number of kB, got "-5"`},
		{"huge", "MemTotal: 99999999999999999999 kB\n", 0, "want a positive number of kB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMemTotal([]byte(tt.in))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestTotalOfThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/meminfo is Linux's")
	}
	data, err := os.ReadFile("/proc/meminfo")
	require.NoError(t, err)
	want, err := ParseMemTotal(data)
	require.NoError(t, err)
	got, err := Total()
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Greater(t, got, int64(16<<20), "a machine that runs the tests has more than 16 MiB")
}

func FuzzParseMemTotal(f *testing.F) {
	f.Add([]byte("MemTotal:         506200 kB\n"))
	f.Add([]byte("MemFree: 1 kB\nMemTotal: 2048 kB\n"))
	f.Add([]byte("MemTotal: kB\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseMemTotal(data)
		if err == nil && (n <= 0 || n%1024 != 0) {
			t.Fatalf("MemTotal %d from %q", n, data)
		}
	})
}
