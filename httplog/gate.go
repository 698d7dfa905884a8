package httplog

import (
	"net/http"
	"strconv"
	"time"
)

// MaxHeavy is how many heavy requests one handler runs at once: tails of
// more than DefaultTail lines, /events, /series and /files/{name}. A
// tail holds a batch and an archived segment, /series its buckets,
// /events a segment's events and /files/{name} a copy of its file;
// beyond MaxHeavy a request waits up to HeavyWait for its turn, then
// answers 503 with Retry-After.
const MaxHeavy = 2

// HeavyWait is how long a heavy request waits for its turn.
const HeavyWait = time.Second

// MaxFollowers is how many followers (GET /streams/{name}?follow=1) one
// handler serves at once; another answers 503 with Retry-After at once.
const MaxFollowers = 16

// gate limits the requests of one kind that run at once. Safe for
// concurrent use.
type gate struct {
	slots chan struct{}
	wait  time.Duration
}

func newGate(n int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, n), wait: wait}
}

// enter takes a slot, waiting up to g.wait for one, and reports whether
// it did; when it did not, it has answered 503 with Retry-After, saying
// that too many of what are running.
func (g *gate) enter(w http.ResponseWriter, r *http.Request, what string) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	if g.wait > 0 {
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
			return true
		case <-r.Context().Done():
			return false // the client is gone
		case <-t.C:
		}
	}
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "busy: "+strconv.Itoa(cap(g.slots))+" "+what+" running, the most served at once; retry later")
	return false
}

// leave gives the slot taken by enter back.
func (g *gate) leave() { <-g.slots }
