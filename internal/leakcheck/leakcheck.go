// Package leakcheck fails a test that leaves goroutines running, in the
// manner of goleak: goroutines alive at the start are ignored, and the
// check waits a while for the rest to end.
package leakcheck

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Check snapshots the goroutines now and, when the test ends, fails it if
// any goroutine started since is still running after wait.
func Check(t testing.TB, wait time.Duration) {
	t.Helper()
	before := ids()
	t.Cleanup(func() {
		deadline := time.Now().Add(wait)
		for {
			left := leaked(before)
			if len(left) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutine(s) left running:\n\n%s", len(left), strings.Join(left, "\n\n"))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// Running returns the stacks of goroutines started after before that are
// still running, leaving out the caller's.
func leaked(before map[string]bool) []string {
	var out []string
	self := id(stack(false))
	for _, g := range strings.Split(stack(true), "\n\n") {
		gid := id(g)
		if gid == "" || gid == self || before[gid] {
			continue
		}
		out = append(out, g)
	}
	return out
}

func ids() map[string]bool {
	m := make(map[string]bool)
	for _, g := range strings.Split(stack(true), "\n\n") {
		if gid := id(g); gid != "" {
			m[gid] = true
		}
	}
	return m
}

func stack(all bool) string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, all)
		if n < len(buf) {
			return string(bytes.TrimSpace(buf[:n]))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// id returns the goroutine number of a "goroutine N [state]:" block.
func id(block string) string {
	rest, ok := strings.CutPrefix(block, "goroutine ")
	if !ok {
		return ""
	}
	n, _, _ := strings.Cut(rest, " ")
	return n
}
