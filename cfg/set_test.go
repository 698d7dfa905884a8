package cfg

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRuntimeSet: a [runtime] key set from a command-line flag takes what
// a file takes, no more.
func TestRuntimeSet(t *testing.T) {
	for _, tt := range []struct {
		key, value string
		want       int64
		err        string
	}{
		{"ram_cap", "16MiB", 16 << 20, ""},
		{"RAM_CAP", " 1024GiB ", MaxRAMCap, ""},
		{"ram_cap", "99999999GiB", 0, `want a size from 1B to 1024GiB such as 100MiB, got "99999999GiB"`},
		{"ram_cap", "0", 0, `want a size from 1B to 1024GiB such as 100MiB, got "0"`},
		{"ram_cap", "lots", 0, `want a size such as 100MiB, got "lots"`},
		{"ram_cap", "", 0, `want a size such as 100MiB, got ""`},
		{"ram", "1MiB", 0, "unknown key; want profile, ram_cap, event_ram, disk, disk_cap, flush, flush_urgent, disk_write_budget, reload, monitor, max_line, http_token or name"},
	} {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			var r Runtime
			err := r.Set(tt.key, tt.value)
			if tt.err == "" {
				assert.NoError(t, err)
				assert.Equal(t, tt.want, r.RAMCap)
				return
			}
			assert.EqualError(t, err, tt.err)
			if tt.key == "ram" {
				assert.ErrorIs(t, err, ErrUnknown)
			} else {
				assert.ErrorIs(t, err, ErrValue)
			}
			assert.Zero(t, r.RAMCap, "left as it was")
		})
	}
}
