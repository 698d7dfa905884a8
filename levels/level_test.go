package levels

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLevel(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Level
	}{
		{"upper", "DEBUG", DEBUG},
		{"lower", "info", INFO},
		{"mixed", "Warning", WARNING},
		{"warn alias", "warn", WARNING},
		{"error", "ERROR", ERROR},
		{"critical", "critical", CRITICAL},
		{"fatal alias", "FATAL", CRITICAL},
		{"off", "off", OFF},
		{"notset", "NOTSET", NOTSET},
		{"spaces", "  info ", INFO},
		{"numeric debug", "10", DEBUG},
		{"numeric custom", "15", Level(15)},
		{"numeric zero", "0", NOTSET},
		{"numeric top", "50", CRITICAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLevel(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "verbose", "51", "-1", "1e1", "INFO2", "\x00"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := ParseLevel(bad)
			require.ErrorIs(t, err, ErrLevel)
			assert.Contains(t, err.Error(), "want NOTSET, DEBUG")
		})
	}
}

func TestLevelText(t *testing.T) {
	for _, lv := range []Level{NOTSET, DEBUG, INFO, WARNING, ERROR, CRITICAL, OFF, 15} {
		b, err := lv.MarshalText()
		require.NoError(t, err)
		var back Level
		require.NoError(t, back.UnmarshalText(b), "%s", b)
		assert.Equal(t, lv, back)
	}
	assert.Equal(t, "Level 15", Level(15).String())
	var l Level
	assert.ErrorIs(t, l.UnmarshalText([]byte("loud")), ErrLevel)
}

func TestSlogMapping(t *testing.T) {
	pairs := []struct {
		lv Level
		s  slog.Level
	}{
		{DEBUG, slog.LevelDebug},
		{INFO, slog.LevelInfo},
		{WARNING, slog.LevelWarn},
		{ERROR, slog.LevelError},
		{CRITICAL, slog.LevelError + 4},
	}
	for _, p := range pairs {
		assert.Equal(t, p.s, p.lv.Slog(), "%s", p.lv)
		assert.Equal(t, p.lv, FromSlog(p.s), "%s", p.s)
		assert.Equal(t, p.s, p.lv.Level())
	}
	assert.Equal(t, Level(1), FromSlog(slog.LevelDebug-100), "a record is never NOTSET")
	assert.Greater(t, OFF.Slog(), (CRITICAL).Slog())
}

func TestSeverity(t *testing.T) {
	want := map[Level]int{DEBUG: 7, INFO: 6, 25: 6, WARNING: 4, ERROR: 3, CRITICAL: 2, 5: 7}
	for lv, sev := range want {
		assert.Equal(t, sev, lv.Severity(), "%s", lv)
	}
}
