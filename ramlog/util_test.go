package ramlog

import (
	"io/fs"
	"iter"
	"strconv"
	"testing"
	"time"
)

var fs_ErrNotExist = fs.ErrNotExist //nolint:revive // test alias

func itoa(n int) string { return strconv.Itoa(n) }

func recv(t *testing.T, c <-chan string) string {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("nothing arrived")
		return ""
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func pull(seq iter.Seq[[]byte]) (func() (string, bool), func()) {
	next, stop := iter.Pull(seq)
	return func() (string, bool) {
		b, ok := next()
		return string(b), ok
	}, stop
}
