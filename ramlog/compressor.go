package ramlog

import (
	"slices"
	"sync"
)

// flateMem is the working memory of a gzip writer at level 1 (measured:
// 1.2 MB on amd64), charged to the budget once per compressor.
const flateMem = 1280 << 10

// compressor is the goroutine that turns streams' sealed segments into
// blocks of their history, one segment at a time, oldest first. One
// compressor serves all the streams of a Budget, so that its working
// memory (the flate state, a segment's copy and its block: WorkMem) is
// charged to the budget once; a stream without a budget has its own.
// Writers never wait for it: they poke it, and a segment it has not
// taken when the ring needs its room is evicted as it would be without
// compression.
type compressor struct {
	budget *Budget

	mu      sync.Mutex // guards what follows; taken under no other lock but Budget.cmu
	streams []*Stream
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
func compressorFor(b *Budget, s *Stream, chunk, credit int64) (*compressor, int64, error) {
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
func (c *compressor) leave(s *Stream) {
	b := c.budget
	if b != nil {
		b.cmu.Lock()
		defer b.cmu.Unlock()
	}
	c.mu.Lock()
	c.streams = slices.DeleteFunc(c.streams, func(x *Stream) bool { return x == s })
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
