package ramlog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFollowLiveLines(t *testing.T) {
	s, err := New("x", Options{})
	require.NoError(t, err)
	s.WriteLine(1, []byte("before\n"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for l := range s.Follow(ctx) {
			got <- string(l)
		}
	}()
	// The follower starts at the tail it sees when it subscribes: write
	// numbered pings until one shows up, then drain up to the last one
	// written, so that what follows is exact.
	pings, last := 0, ""
	waitFor(t, func() bool {
		pings++
		s.WriteLine(1, fmt.Appendf(nil, "ping %d\n", pings))
		select {
		case last = <-got:
			require.True(t, strings.HasPrefix(last, "ping "), last)
			return true
		case <-time.After(5 * time.Millisecond):
			return false
		}
	})
	for last != fmt.Sprintf("ping %d\n", pings) {
		last = recv(t, got)
		require.True(t, strings.HasPrefix(last, "ping "), last)
	}
	s.WriteLine(1, []byte("a"))
	s.WriteLine(1, []byte("b\n"))
	assert.Equal(t, "a\n", recv(t, got))
	assert.Equal(t, "b\n", recv(t, got))
	cancel()
	<-done
}

func TestFollowSlowReaderIsToldWhatItMissed(t *testing.T) {
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 1})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next, stop := pull(s.Follow(ctx))
	defer stop()
	// The follower has subscribed once the first pull is under way; the
	// writer then laps the ring while the reader sleeps.
	first := make(chan string)
	go func() { l, _ := next(); first <- l }()
	time.Sleep(20 * time.Millisecond)
	s.WriteLine(1, line(0))
	assert.Equal(t, "line 0000\n", <-first)
	for i := 1; i <= 100; i++ {
		s.WriteLine(1, line(i)) // 1000 bytes through a 200-byte ring
	}
	l, _ := next()
	assert.Regexp(t, `^… \d+ lines missed\n$`, l)
	var rest []string
	for range s.Stats().Lines {
		l, ok := next()
		require.True(t, ok)
		rest = append(rest, l)
	}
	assert.Equal(t, string(line(100)), rest[len(rest)-1], "then it carries on from the oldest line held")
	assert.Equal(t, "… "+itoa(int(100-len(rest)))+" lines missed\n", l, "missed + delivered = written")
}

func TestFollowEndsOnClose(t *testing.T) {
	s, err := New("x", Options{})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		for range s.Follow(context.Background()) {
		}
		close(done)
	}()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, s.Close())
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("follower did not end on Close")
	}
	assert.Nil(t, s.followers.Load(), "the follower unsubscribed")
}

func TestFS(t *testing.T) {
	a, err := New("debug", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2})
	require.NoError(t, err)
	b, err := New("access", Options{Rotate: Rotation{Kind: RotateTime}, Location: time.UTC, RAM: 64 << 10})
	require.NoError(t, err)
	for i := range 25 {
		a.WriteLine(1, line(i))
	}
	b.WriteLine(0, []byte("GET /"))
	fsys := NewFS(func() []*Stream { return []*Stream{a, b} })
	require.NoError(t, fstest.TestFS(fsys, "debug.log", "debug.log.1", "debug.log.2", "access.log"))
	data, err := fsys.ReadFile("debug.log.1")
	require.NoError(t, err)
	assert.Equal(t, 10, strings.Count(string(data), "\n"))
	assert.True(t, strings.HasPrefix(string(data), "line 0010\n"))
	_, err = fsys.Open("debug.log.9")
	assert.ErrorIs(t, err, fs_ErrNotExist)
	_, err = fsys.Open("../etc/passwd")
	assert.Error(t, err)
	info, err := fsys.Stat("access.log")
	require.NoError(t, err)
	assert.Equal(t, int64(6), info.Size())
}

func TestFollowTailStartsBackWithoutGapOrRepeat(t *testing.T) {
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 2})
	require.NoError(t, err)
	for i := range 25 {
		s.WriteLine(1, line(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next, stop := pull(s.FollowTail(ctx, 3))
	defer stop()
	for i := 22; i < 25; i++ {
		l, _ := next()
		assert.Equal(t, string(line(i)), l)
	}
	s.WriteLine(1, line(25))
	l, _ := next()
	assert.Equal(t, string(line(25)), l)

	all, stopAll := pull(s.FollowTail(ctx, 1000))
	defer stopAll()
	l, _ = all()
	assert.Equal(t, string(line(0)), l, "n beyond what is held starts at the oldest line")
}

func TestFollowFromAMark(t *testing.T) {
	s, err := New("x", Options{Rotate: Rotation{Kind: RotateSize, Size: 100}, Keep: 1})
	require.NoError(t, err)
	s.WriteLine(1, line(0))
	m := s.Mark()
	assert.Equal(t, uint64(1), m.Written)
	s.WriteLine(1, line(1))
	s.WriteLine(1, line(2))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next, stop := pull(s.FollowFrom(ctx, m))
	l, _ := next()
	assert.Equal(t, string(line(1)), l, "the lines since the mark come first")
	l, _ = next()
	assert.Equal(t, string(line(2)), l)
	stop()

	for i := 3; i < 40; i++ {
		s.WriteLine(1, line(i)) // laps the 200-byte ring
	}
	next, stop = pull(s.FollowFrom(ctx, m))
	defer stop()
	l, _ = next()
	assert.Regexp(t, `^… \d+ lines missed\n$`, l, "what the ring dropped since the mark is told")
}
