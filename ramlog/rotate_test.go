package ramlog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRotation(t *testing.T) {
	good := []struct {
		in   string
		want Rotation
		back string
	}{
		{"size 1MiB", Rotation{Kind: RotateSize, Size: 1 << 20}, "size 1MiB"},
		{"SIZE 512 KB", Rotation{Kind: RotateSize, Size: 512 << 10}, "size 512KiB"},
		{"time midnight", Rotation{Kind: RotateTime, Every: Midnight}, "time midnight"},
		{"time 10m", Rotation{Kind: RotateTime, Every: 10 * time.Minute}, "time 10m"},
		{"time 90", Rotation{Kind: RotateTime, Every: 90 * time.Minute}, "time 90m"},
		{"time hourly", Rotation{Kind: RotateTime, Every: time.Hour}, "time 60m"},
		{"both 10m,1MiB", Rotation{Kind: RotateBoth, Every: 10 * time.Minute, Size: 1 << 20}, "both 10m,1MiB"},
		{"both midnight, 4MB", Rotation{Kind: RotateBoth, Every: Midnight, Size: 4 << 20}, "both midnight,4MiB"},
		{"none", Rotation{Kind: RotateNone}, "none"},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRotation(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.back, got.String())
		})
	}
	bad := []struct{ in, why string }{
		{"sise 1MiB", ""},
		{"size", "positive size"},
		{"size 0", "positive size"},
		{"size -1MiB", "positive size"},
		{"time 0m", "whole minutes from 1m"},
		{"time 1441", "whole minutes from 1m"},
		{"time 30s", "whole minutes from 1m"},
		{"time soon", "midnight, minutes or a duration"},
		{"both 10m", ""},
		{"both 10m,zero", "positive size"},
		{"none please", ""},
		{"", ""},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.in, func(t *testing.T) {
			_, err := ParseRotation(tt.in)
			require.ErrorIs(t, err, ErrRotate)
			assert.Contains(t, err.Error(), `want "size N", "time UNIT", "both UNIT,N" or "none", got "`+tt.in+`"`)
			assert.Contains(t, err.Error(), tt.why)
		})
	}
}

func TestPeriodAlignsToWallClock(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	at := time.Date(2026, 11, 21, 10, 17, 42, 0, loc)
	tests := []struct {
		every      time.Duration
		start, end string
		suffix     string
	}{
		{10 * time.Minute, "10:10", "10:20", "2026-11-21_10-10"},
		{time.Hour, "10:00", "11:00", "2026-11-21_10"},
		{Midnight, "00:00", "00:00", "2026-11-21"},
		{7 * time.Minute, "10:16", "10:23", "2026-11-21_10-16"},
	}
	for _, tt := range tests {
		r := Rotation{Kind: RotateTime, Every: tt.every}
		s, e := r.period(at, loc)
		assert.Equal(t, tt.start, s.Format("15:04"), "%s", tt.every)
		assert.Equal(t, tt.end, e.Format("15:04"), "%s", tt.every)
		assert.Equal(t, tt.suffix, r.suffix(s))
	}
	// A unit that does not divide the day ends its last period at midnight.
	r := Rotation{Kind: RotateTime, Every: 7 * time.Minute}
	s, e := r.period(time.Date(2026, 11, 21, 23, 59, 0, 0, loc), loc)
	assert.Equal(t, "23:55", s.Format("15:04"))
	assert.Equal(t, time.Date(2026, 11, 22, 0, 0, 0, 0, loc), e)
}
