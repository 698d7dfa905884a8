package ramlog

import (
	"slices"
	"sync"
)

// flateMem is the working memory of a gzip writer at level 1 (measured:
// 1.2 MB on amd64), charged to the budget once per compressor.
const flateMem = 1280 << 10

// sealer is a ring owner whose sealed segments a compressor turns into
// blocks: a Stream, or another package's owner through a Seat.
type sealer interface {
	// compressOne moves the owner's oldest sealed segment into its
	// compressed history, using c's working memory, and reports whether
	// there was one.
	compressOne(c *compressor) bool
}

// compressor is the goroutine that turns streams' sealed segments into
// blocks of their history, one segment at a time, oldest first. One
// compressor serves all the streams of a Budget (and the event log), so that its working
// memory (the flate state, a segment's copy and its block: WorkMem) is
// charged to the budget once; a stream without a budget has its own.
// Writers never wait for it: they poke it, and a segment it has not
// taken when the ring needs its room is evicted as it would be without
// compression.
type compressor struct {
	budget *Budget

	mu      sync.Mutex // guards what follows; taken under no other lock but Budget.cmu
	streams []sealer
	chunk   int64 // the largest segment the buffers are charged for
	charged int64

	kick chan struct{}
	stop chan struct{}
	done chan struct{}

	// the worker's own
	enc *encoder
	in  []byte
}

// WorkMem returns the working memory a compressor charges for streams
// whose largest segment is chunk bytes: the flate state, a copy of the
// segment and its block at worst (stored: 5 bytes per 64 KiB and the gzip
// framing beyond the segment).
func WorkMem(chunk int64) int64 {
	return flateMem + 2*chunk + (chunk>>16+1)*5 + 64
}

// compressorFor registers s, whose largest segment is chunk bytes, with
// b's compressor (nil b: a compressor of its own), charging its working
// memory to b, of which credit bytes s is about to give back (grow); it
// starts the compressor's goroutine when s is the first. It returns the
// credit used.
func compressorFor(b *Budget, s sealer, chunk, credit int64) (*compressor, int64, error) {
	var c *compressor
	if b != nil {
		b.cmu.Lock()
		defer b.cmu.Unlock()
		c = b.comp
	}
	if c == nil {
		c = &compressor{budget: b, kick: make(chan struct{}, 1)}
	}
	used, err := c.grow(chunk, credit)
	if err != nil {
		return nil, 0, err
	}
	c.mu.Lock()
	c.streams = append(c.streams, s)
	first := len(c.streams) == 1
	c.mu.Unlock()
	if first {
		c.stop, c.done = make(chan struct{}), make(chan struct{})
		c.enc = newEncoder()
		go c.run(c.stop, c.done)
		if b != nil {
			b.comp = c
		}
	}
	return c, used, nil
}

// grow charges the working memory for segments of chunk bytes, when more
// than charged. Up to credit bytes of it are not reserved but taken from
// what the caller holds and is about to give back (a stream that shrinks
// as it starts compressing), so that the cap holds without the budget
// refusing a change that fits; grow returns the credit it used.
func (c *compressor) grow(chunk, credit int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if chunk <= c.chunk {
		return 0, nil
	}
	need := WorkMem(chunk)
	used := min(max(credit, 0), need-c.charged)
	if c.budget != nil {
		if err := c.budget.Reserve(need - c.charged - used); err != nil {
			return 0, err
		}
	}
	c.chunk, c.charged = chunk, need
	return used, nil
}

// leave unregisters s; the last stream to leave stops the goroutine and
// gives the working memory back. No stream lock may be held.
func (c *compressor) leave(s sealer) {
	b := c.budget
	if b != nil {
		b.cmu.Lock()
		defer b.cmu.Unlock()
	}
	c.mu.Lock()
	c.streams = slices.DeleteFunc(c.streams, func(x sealer) bool { return x == s })
	last := len(c.streams) == 0
	charged := c.charged
	if last {
		c.chunk, c.charged = 0, 0
	}
	c.mu.Unlock()
	if !last {
		return
	}
	close(c.stop)
	<-c.done
	c.enc, c.in = nil, nil
	if b != nil {
		b.Release(charged)
		b.comp = nil
	}
}

// poke asks the compressor to look at its streams; it never blocks.
func (c *compressor) poke() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// run compresses what the streams have sealed, whenever poked, until
// stopped.
func (c *compressor) run(stop, done chan struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		case <-c.kick:
		}
		for busy := true; busy; {
			busy = false
			c.mu.Lock()
			list := slices.Clone(c.streams)
			if int64(cap(c.in)) < c.chunk {
				c.in = make([]byte, 0, c.chunk)
			}
			c.mu.Unlock()
			for _, s := range list {
				select {
				case <-stop:
					return
				default:
				}
				for s.compressOne(c) {
					busy = true
				}
			}
		}
	}
}

// Seat is a place at a budget's compressor for a ring owner outside this
// package (the event log): the owner's sealed segments are compressed on
// the compressor's goroutine, its working memory charged once with the
// streams'.
type Seat struct {
	c  *compressor
	fn func(*Work) bool
}

// Work is the compressor's working memory, lent to one Seat's function
// at a time: Load copies a sealed segment with the owner's lock held,
// Encode compresses it, or the owner's transform of it, with no lock held.
type Work struct{ c *compressor }

// Load copies the plain bytes of r's segment g.
func (w *Work) Load(r *Ring, g *Segment) { w.c.in = r.AppendRange(w.c.in[:0], g.Start, g.End) }

// Plain returns what Load copied, valid until the next Load.
func (w *Work) Plain() []byte { return w.c.in }

// Encode returns the block of b (DecodeBlock reads it), valid until the
// next call.
func (w *Work) Encode(b []byte) []byte { return w.c.enc.encode(b, nil) }

func (s *Seat) compressOne(c *compressor) bool { return s.fn(&Work{c: c}) }

// JoinCompressor seats an owner whose sealed segments are at most chunk
// bytes at b's compressor (nil b: one of its own), charging its working
// memory. fn is called on the compressor's goroutine, with no lock held,
// each time it looks for work after a Poke: it moves the owner's oldest
// sealed segment into its history (Load under the owner's lock, Encode
// without) and reports whether there was one. Working memory the owner
// needs besides the compressor's is its own to charge.
func JoinCompressor(b *Budget, chunk int64, fn func(*Work) bool) (*Seat, error) {
	s := &Seat{fn: fn}
	c, _, err := compressorFor(b, s, chunk, 0)
	if err != nil {
		return nil, err
	}
	s.c = c
	return s, nil
}

// Poke asks the compressor to look for work; it never blocks.
func (s *Seat) Poke() { s.c.poke() }

// Leave gives the seat up, stopping the compressor when it was the last;
// it may wait for a compression in progress, so no lock that fn takes may
// be held.
func (s *Seat) Leave() { s.c.leave(s) }
