package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/levels"
)

// TestTailFiltersStore runs gwlog tail's filters against a daemon with a
// disk, then with -store on what it left, and wants the same lines.
func TestTailFiltersStore(t *testing.T) {
	dir := t.TempDir()
	rt := diskRuntime(t, dir)
	addr, stop := serve(t, rt)
	for i := range 300 {
		ctx := context.Background()
		if i%50 == 0 {
			ctx = levels.WithToken(ctx, fmt.Sprintf("req-%d", i))
		}
		rt.Logger(fmt.Sprintf("svc.part%d", i%3)).LogAttrs(ctx, []levels.Level{levels.WARNING, levels.ERROR}[i%2], fmt.Sprintf("line %03d", i))
	}
	queries := [][]string{
		{"tail", "-level", "ERROR", "-n", "3", "debug"},
		{"tail", "-logger", "svc.part2", "-grep", "line 2[0-9]7", "debug"},
		{"tail", "-token", "req-150", "debug"},
		{"tail", "-since", "-1h", "-until", "now", "-n", "2", "debug"},
	}
	want := make([]string, len(queries))
	for i, q := range queries {
		code, out, errs := run2(append([]string{"-addr", addr}, q...)...)
		require.Equal(t, ExitOK, code, errs)
		want[i] = out
	}
	assert.Equal(t, []string{"line 295", "line 297", "line 299"}, messages(want[0]))
	assert.Equal(t, []string{"line 227", "line 257", "line 287"}, messages(want[1]))
	assert.Equal(t, []string{"line 150"}, messages(want[2]))
	assert.Contains(t, want[2], " token='req-150'\n")
	assert.Equal(t, []string{"line 298", "line 299"}, messages(want[3]))
	stop()
	require.NoError(t, rt.Close())
	for i, q := range queries {
		code, out, errs := run2(append([]string{"-store", dir}, q...)...)
		require.Equal(t, ExitOK, code, errs)
		assert.Equal(t, want[i], out, "%v", q)
	}
	code, _, errs := run2("-store", dir, "tail", "-grep", "[", "debug")
	assert.Equal(t, ExitUsage, code)
	assert.Equal(t, "gwlog: usage: -grep: error parsing regexp: missing closing ]: `[`\n", errs)
}

// messages lists the "line NNN" messages of a tail's lines.
func messages(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if i := strings.Index(l, "line "); i >= 0 && len(l) >= i+8 {
			out = append(out, l[i:i+8])
		}
	}
	return out
}
