package spill

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gwlog/gwlog/eventlog"
	"github.com/gwlog/gwlog/persist"
	"github.com/gwlog/gwlog/ramlog"
)

// TestBackNoteWhileLogging: the note that says a failed disk is back is
// handed over with no lock of the spiller's held; written under one, a
// ring evicting into the spiller at that moment would wait for ever.
func TestBackNoteWhileLogging(t *testing.T) {
	h := newHarness(t, Options{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			h.debug.WriteLine(time.Now().UnixNano(), fmt.Appendf(nil, "busy line i=%d\n", i))
		}
	})
	failAndFlush := func() error {
		h.sp.mu.Lock()
		h.sp.failing = true
		h.sp.mu.Unlock()
		_, err := h.sp.Flush()
		return err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			assert.NoError(t, failAndFlush())
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("flushes and logging deadlocked")
	}
	close(stop)
	wg.Wait()
	// The line itself, checked once the writer is quiet: under load the
	// lines written between the last flush and the stop may push it out
	// of the ring.
	require.NoError(t, failAndFlush())
	assert.Contains(t, strings.Join(h.debug.Tail(1000), "\n"), "is back: spilling logs again")
}

// TestDiskFailsWhileRingsEvict: a disk that fails while writers fill the
// rings at full speed (so that they evict into the spiller throughout)
// is said, the flusher and the writers end in bounded time, and once the
// disk is back what was lost is counted and said in the history.
func TestDiskFailsWhileRingsEvict(t *testing.T) {
	h := newHarness(t, Options{Flush: 5 * time.Millisecond, DetectEvery: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond})
	h.sp.Start()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				h.debug.WriteLine(time.Now().UnixNano(), fmt.Appendf(nil, "writer %d line %d %s\n", w, i, strings.Repeat("x", 100)))
				h.events.Write(eventlog.Event{Type: "t", Source: "s", Attrs: []eventlog.Attr{eventlog.IntAttr("i", int64(i))}})
			}
		})
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				stop.Store(true)
				t.Fatalf("waited 20 s for %s: %+v", what, *h.sp.Stats())
			}
		}
	}
	wait("a flush", func() bool { return h.sp.Stats().Flushes > 0 })
	h.faultStore().fail(true)
	wait("the disk to be lost", func() bool { return !h.sp.Stats().Present })
	wait("lines lost while it is away", func() bool { return h.sp.Stats().LostBy["debug"] > 0 })
	h.faultStore().fail(false) // the store reopened is another one; this one is closed
	wait("the disk back", func() bool { return len(h.said("is back: spilling logs again")) > 0 })
	wait("the loss said", func() bool { return len(h.said("were lost before they reached the disk")) > 0 })
	stop.Store(true)
	done := make(chan struct{})
	go func() { wg.Wait(); h.close(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("writers and the spiller's close did not end")
	}
	assert.Len(t, h.said("failed, keeping logs in RAM only until it is back"), 1, "the failure said once")
	loss := h.said("were lost before they reached the disk")[0]
	assert.Contains(t, loss, "the disk was away")
	st := h.sp.Stats()
	assert.NotZero(t, st.Failures)
	assert.NotZero(t, st.LostLines)
}

// TestFailedAndBackKeepsOneCopy: after a failure and a reopen of the
// same store, the live segment's tail written before is replaced by its
// sealed segment, not kept beside it under another ID.
func TestFailedAndBackKeepsOneCopy(t *testing.T) {
	h := newHarness(t, Options{})
	for i := range 10 {
		h.debug.WriteLine(time.Now().UnixNano(), fmt.Appendf(nil, "line n=%02d\n", i))
	}
	h.flush() // the live segment's tail
	h.sp.lose(fmt.Errorf("%w: a test", persist.ErrUnavailable))
	require.True(t, h.sp.reopen())
	seen := make(map[string]int)
	for _, l := range h.view().Stream("debug").Tail(1000) {
		if i := strings.Index(l, "n="); i >= 0 {
			seen[l[i:]]++
		}
	}
	require.Len(t, seen, 10)
	for k, n := range seen {
		assert.Equal(t, 1, n, "%s stored once", k)
	}
}

// TestLossIsSaidInTheHistory: lines the ring gave up while the disk was
// away are counted, and said, with the count, by a line in the history at
// the point where they are missing, once the disk is back.
func TestLossIsSaidInTheHistory(t *testing.T) {
	h := newHarness(t, Options{})
	pad := strings.Repeat("x", 200)
	h.log("before", 100, pad)
	h.flush()
	h.faultStore().fail(true)
	h.log("between", 1, pad) // a tail to write: the flush fails
	require.False(t, h.sp.flushOrLose())
	require.False(t, h.sp.Stats().Present)
	h.log("away", 500, pad) // more than the 24 KiB ring holds
	lost := h.sp.Stats().LostBy["debug"]
	require.NotZero(t, lost, "the ring gave up lines while the disk was away")
	require.True(t, h.sp.reopen())
	h.sp.handOver()
	h.log("after", 10, "")
	d := h.sp.Stats()
	v := h.view()
	require.Equal(t, lost, h.sp.Stats().LostBy["debug"], "nothing lost after the disk was back")

	history := strings.Join(v.Stream("debug").Tail(100000), "\n")
	said := fmt.Sprintf("gwlog: %d lines and events were lost before they reached the disk (debug %d", d.LostLines, lost)
	require.Contains(t, history, said)
	assert.Contains(t, history, "): the disk was away")
	assert.Less(t, strings.Index(history, "is back: spilling logs again"), strings.Index(history, said), "after the return")
	assert.Less(t, strings.Index(history, said), strings.Index(history, "after 000"), "before what came after")
	assert.Equal(t, 1, strings.Count(history, "were lost before they reached the disk"), "said once")
	assert.Len(t, h.said("failed, keeping logs in RAM only"), 1)
}

// TestLossSaidAtMostOnceAMinute: under overload the loss line would come
// with every kicked flush; it comes at most once a LossEvery, with the
// counts since, by cause when there were several.
func TestLossSaidAtMostOnceAMinute(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := newHarness(t, Options{Now: clock})
	count := func(n uint64, why string) {
		h.sp.mu.Lock()
		h.sp.lostLocked("debug", n, why)
		h.sp.mu.Unlock()
	}
	lose := func(n uint64, why string) {
		count(n, why)
		h.log("tick", 1, "") // something to flush: an idle flush says nothing
		h.flush()
	}
	said := func() []string { return h.said("were lost before") }
	lose(10, "the spill queue was full")
	require.Equal(t, []string{"gwlog: 10 lines and events were lost before they reached the disk (debug 10): the spill queue was full"}, said())
	lose(20, "the spill queue was full")
	lose(5, "the disk was away")
	assert.Len(t, said(), 1, "not again within the minute")
	count(1, "the disk was away")
	mu.Lock()
	now = now.Add(DefaultLossEvery)
	mu.Unlock()
	h.log("tick", 1, "")
	h.flush()
	require.Len(t, said(), 2)
	assert.Equal(t, "gwlog: 26 lines and events were lost before they reached the disk (debug 26): the disk was away (6); the spill queue was full (20)", said()[1])
}

// hookSource is a spill source that holds nothing and calls fn when a
// flush walks it: a way into the middle of a flush's walks.
type hookSource struct{ fn func() }

func (h *hookSource) SetSpill(func(*ramlog.Spill)) {}

func (h *hookSource) Walk(uint64, func(*ramlog.Spill)) uint64 {
	h.fn()
	return 0
}

// TestQueryDuringAFlushWalk: a sealed event segment a flush has copied,
// and the ring gives up before that flush is done, is where readers find
// it; a query run then sees every event once, in order.
func TestQueryDuringAFlushWalk(t *testing.T) {
	h := newHarness(t, Options{})
	ev := h.events
	write := func(n int) {
		for i := range n {
			ev.Write(eventlog.Event{Type: "webbrick/CT", Source: "wb/1", Attrs: []eventlog.Attr{eventlog.IntAttr("i", int64(i))}})
		}
	}
	// The flush walks its sources in no set order: when the event log
	// comes first, its copies are made before the hook floods the ring.
	for round := range 12 {
		write(300)
		hook := &hookSource{fn: func() {
			write(2000) // more than the 64 KiB ring holds
			last := ev.Stats().LastSeq
			var want uint64 = 1
			for e, err := range ev.Query(eventlog.Filter{}) {
				require.NoError(t, err, "round %d", round)
				require.Equal(t, want, e.Seq, "round %d: no gap, no duplicate", round)
				want++
			}
			require.Equal(t, last+1, want, "round %d: every event", round)
		}}
		h.sp.attach(hook, fmt.Sprintf("hook%d", round))
		h.sp.mu.Lock()
		h.sp.sources[hook].gone = true // walked by this flush only, as a stream a reload closed
		h.sp.mu.Unlock()
		h.flush()
	}
}

// TestNotesWaitForTheHandOver: notes said under the spiller's lock (by a
// flush, on the caller's goroutine) reach Notify only at the hand-over,
// in order, and never while a lock of the spiller's is held.
func TestNotesWaitForTheHandOver(t *testing.T) {
	h := newHarness(t, Options{})
	h.log("line", 10, "")
	h.sp.mu.Lock()
	h.sp.failing = true
	h.sp.lostLocked("debug", 3, "a test")
	h.sp.mu.Unlock()
	_, err := h.sp.flushOnce()
	require.NoError(t, err)
	assert.Empty(t, h.said("is back"), "not handed over yet")
	h.sp.o.Notify = func(n Note) {
		require.True(t, h.sp.mu.TryLock(), "Notify runs with the spiller's lock free")
		h.sp.mu.Unlock()
		require.True(t, h.sp.fmu.TryLock(), "and no flush under way")
		h.sp.fmu.Unlock()
		h.notify(n)
	}
	h.sp.handOver()
	back, lost := h.said("is back"), h.said("were lost")
	require.Len(t, back, 1)
	require.Len(t, lost, 1)
	assert.Equal(t, "gwlog: 3 lines and events were lost before they reached the disk (debug 3): a test", lost[0])
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.True(t, strings.Contains(h.notes[len(h.notes)-2].Text, "is back"), "back, then the loss")
}

// TestMissingDiskIsLookedFor: a store that cannot open is said once, on
// the console; the flusher looks for it every DetectEvery and, once it
// opens, writes what the rings hold.
func TestMissingDiskIsLookedFor(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	var opened atomic.Int32
	dir := t.TempDir()
	var notes []Note
	var mu sync.Mutex
	debug, err := ramlog.New("debug", ramlog.Options{Rotate: ramlog.Rotation{Kind: ramlog.RotateSize, Size: 8 << 10}, Keep: 2})
	require.NoError(t, err)
	sp := New(Options{Dir: dir, Force: true, DetectEvery: 20 * time.Millisecond, Flush: time.Hour,
		Open: func(po persist.Options) (Store, error) {
			opened.Add(1)
			if refuse.Load() {
				return nil, fmt.Errorf("%w: not mounted", persist.ErrUnavailable)
			}
			return openStore(po)
		},
		Notify: func(n Note) { mu.Lock(); notes = append(notes, n); mu.Unlock() },
	})
	sp.Follow([]*ramlog.Stream{debug}, nil)
	sp.Start()
	for i := range 20 {
		debug.WriteLine(time.Now().UnixNano(), fmt.Appendf(nil, "line %d\n", i))
	}
	require.Eventually(t, func() bool { return opened.Load() >= 3 }, 10*time.Second, 5*time.Millisecond, "looked for again")
	assert.False(t, sp.Stats().Present)
	refuse.Store(false)
	require.Eventually(t, func() bool { return sp.Stats().Present && sp.Stats().Flushes > 0 }, 10*time.Second, 5*time.Millisecond)
	sp.Close()
	mu.Lock()
	defer mu.Unlock()
	var ram, spilling int
	for _, n := range notes {
		if strings.Contains(n.Text, "keeping logs in RAM only: ") {
			ram++
			assert.True(t, n.Console)
		}
		if strings.Contains(n.Text, "spilling logs to "+dir) {
			spilling++
		}
	}
	assert.Equal(t, 1, ram, "said once, not at every look")
	assert.Equal(t, 1, spilling)
	v, err := OpenView(dir)
	require.NoError(t, err)
	defer v.Close()
	assert.Len(t, v.Stream("debug").Tail(100), 20, "what the ring held went to the disk once found")
}
