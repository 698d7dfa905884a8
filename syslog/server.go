package syslog

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ServerOptions configure a Server. The zero value listens nowhere.
type ServerOptions struct {
	// UDP is the address of the UDP listener ("127.0.0.1:5514"); empty
	// means none. Only loopback addresses are accepted: ingest is for the
	// gateway's own processes.
	UDP string
	// Unix is the path of a unix datagram socket ("/dev/log" when root);
	// empty means none. A socket file that no process serves any longer
	// is replaced; one that answers is another server's, and Listen
	// returns ErrInUse.
	Unix string
	// ReadBuffer is the sockets' receive buffer in bytes: what absorbs a
	// burst while the reader is busy. Zero means DefaultReadBuffer; the
	// kernel may cap it (net.core.rmem_max) unless the process is root.
	ReadBuffer int
	// MaxMessage is the most of a packet kept, in bytes. Of a longer
	// packet the header is read and the message cut where the kept bytes
	// end (Message.Size says how long it was); it is counted in
	// Stats.Truncated. Zero means MaxMessage; at most 64 KiB.
	MaxMessage int
	// Handle receives each packet: parsed, or with the parse error and
	// Message zero but for Received and Size. raw, and the Message's
	// strings, which are views of it, are valid only during the call:
	// copy what is kept. Handle is called from the listeners' goroutines,
	// concurrently.
	Handle func(m *Message, raw []byte, err error)
	// Lost, when set, is told how many packets the kernel dropped since
	// it was last told, because a receive buffer was full (Linux only):
	// at most once a LossEvery, and at Close. It is called from the
	// goroutines that call Handle, with no lock held, before the packets
	// received after the loss.
	Lost func(n uint64, at time.Time)
	// LossEvery is the least time between two calls of Lost; zero means
	// DefaultLossEvery.
	LossEvery time.Duration
}

// DefaultReadBuffer is the receive buffer of a zero ServerOptions.
const DefaultReadBuffer = 4 << 20

// DefaultLossEvery is the least time between two calls of
// ServerOptions.Lost when LossEvery is zero.
const DefaultLossEvery = time.Minute

// Stats are a Server's counters since Listen.
type Stats struct {
	// Received is the packets read.
	Received uint64 `json:"received"`
	// Malformed is those of them that follow neither format, handed to
	// Handle raw.
	Malformed uint64 `json:"malformed"`
	// Truncated is those of them longer than ServerOptions.MaxMessage,
	// cut.
	Truncated uint64 `json:"truncated"`
	// KernelDrops is the packets the kernel dropped because a receive
	// buffer was full. It is counted on Linux (SO_RXQ_OVFL) and learned
	// with the next packet the socket receives; elsewhere it stays 0.
	KernelDrops uint64 `json:"kernel_drops"`
}

// Server is the local syslog ingest: it reads datagrams from UDP on
// loopback and from a unix socket, and hands each to Handle. Malformed
// and oversized packets are counted and handed on, never dropped
// silently; packets the kernel dropped are counted and told to Lost.
type Server struct {
	conns     []net.PacketConn
	socket    boundSocket // the unix socket's file; path "" for none
	handle    func(*Message, []byte, error)
	limit     int // ServerOptions.MaxMessage
	wg        sync.WaitGroup
	received  atomic.Uint64
	malformed atomic.Uint64
	truncated atomic.Uint64
	dropped   atomic.Uint64 // by the kernel
	closeOnce sync.Once

	// The loss as last told to Lost.
	lost      func(uint64, time.Time)
	lossEvery time.Duration
	told      atomic.Uint64 // dropped as last told; written under lossMu
	lossMu    sync.Mutex
	toldAt    time.Time
}

// boundSocket is a unix socket file as Listen bound it: Close removes
// the path only while it is still this file.
type boundSocket struct {
	path string
	file os.FileInfo
}

// Listen opens the listeners of o and starts reading.
func Listen(o ServerOptions) (*Server, error) {
	if o.Handle == nil {
		return nil, errors.New("syslog: ServerOptions.Handle is required")
	}
	s := &Server{handle: o.Handle, limit: o.MaxMessage, lost: o.Lost, lossEvery: o.LossEvery}
	if s.limit <= 0 {
		s.limit = MaxMessage
	}
	s.limit = min(s.limit, maxDatagram)
	if s.lossEvery <= 0 {
		s.lossEvery = DefaultLossEvery
	}
	if o.UDP != "" {
		host, _, err := net.SplitHostPort(o.UDP)
		if err != nil {
			return nil, fmt.Errorf("syslog: udp %q: %w", o.UDP, err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, fmt.Errorf("syslog: udp %q: only loopback addresses are served", o.UDP)
		}
		c, err := net.ListenPacket("udp", o.UDP)
		if err != nil {
			return nil, fmt.Errorf("syslog: %w", err)
		}
		s.conns = append(s.conns, c)
	}
	if o.Unix != "" {
		c, err := listenUnix(o.Unix)
		if err != nil {
			s.Close()
			return nil, err
		}
		// What Close may remove: the file bound, not one that replaced it.
		fi, err := os.Lstat(o.Unix)
		if err == nil {
			s.socket = boundSocket{path: o.Unix, file: fi}
		}
		// The owner and its group may log; add processes to the group, or
		// chmod the socket, to let others.
		_ = os.Chmod(o.Unix, 0o660)
		s.conns = append(s.conns, c)
	}
	size := o.ReadBuffer
	if size <= 0 {
		size = DefaultReadBuffer
	}
	for _, c := range s.conns {
		growReadBuffer(c, size)
		s.wg.Go(func() { s.read(c) })
	}
	return s, nil
}

// listenUnix binds a unix datagram socket at path. A socket file already
// there is probed with connect(2), which sends nothing: one that refuses
// is stale, left by a process that died, and replaced; one that answers,
// or that cannot be probed (another type of socket, no permission), is
// left alone and Listen fails. Two servers that start at the same instant
// may still both find a stale file and race to replace it.
func listenUnix(path string) (net.PacketConn, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		probe, err := net.Dial("unixgram", path)
		switch {
		case err == nil:
			probe.Close()
			return nil, fmt.Errorf("%w: %s answers: another process serves it", ErrInUse, path)
		case !errors.Is(err, syscall.ECONNREFUSED):
			return nil, fmt.Errorf("%w: %s may be another process's (%w): left alone", ErrInUse, path, err)
		}
		_ = os.Remove(path) // stale
	}
	c, err := net.ListenPacket("unixgram", path)
	if err != nil {
		return nil, fmt.Errorf("syslog: %w", err)
	}
	return c, nil
}

// growReadBuffer sets c's receive buffer; past the kernel's cap it tries
// SO_RCVBUFFORCE, which root may use, as rsyslog does.
func growReadBuffer(c net.PacketConn, size int) {
	type buffered interface{ SetReadBuffer(int) error }
	if b, ok := c.(buffered); ok {
		_ = b.SetReadBuffer(size)
	}
	forceReadBuffer(c, size)
}

// UDPAddr returns the UDP listener's address, or nil.
func (s *Server) UDPAddr() net.Addr {
	for _, c := range s.conns {
		if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
			return a
		}
	}
	return nil
}

// The reader and the handler of a socket are two goroutines, so that the
// next packets are received while the last are parsed and logged, in the
// order received: the reader copies each datagram into the inbox's batch
// and wakes the handler, which takes the whole batch at once and handles
// it while the reader fills the other. A full batch makes the reader wait
// (the socket's buffer absorbs the burst meanwhile).
const (
	batchBytes   = 128 << 10 // a batch's buffer
	maxDatagram  = 64 << 10  // the largest datagram (UDP's limit)
	batchPackets = 1024      // packets a batch holds at most
)

// datagram is a packet as the reader received it.
type datagram struct {
	b    []byte // what was kept of it, valid until the next read
	size int    // its length as sent: more than len(b) when cut
	// drops is the kernel's count of the packets the socket dropped
	// before this one (SO_RXQ_OVFL), as a wrapping uint32; 0 when untold.
	drops uint32
}

// batch is received datagrams, back to back in buf.
type batch struct {
	buf   []byte
	ends  []int // end offset of each packet in buf
	sizes []int // each packet's length as sent
}

func newBatch() *batch {
	return &batch{buf: make([]byte, 0, batchBytes), ends: make([]int, 0, batchPackets), sizes: make([]int, 0, batchPackets)}
}

// inbox passes batches from the reader to the handler.
type inbox struct {
	mu    sync.Mutex
	taken sync.Cond // the handler took the batch
	cur   *batch
	wake  chan struct{}
}

// put appends the datagrams ps to the batch, waiting while it is full,
// and wakes the handler. It wakes it before it waits too: ps may fill
// the batch alone (a burst of long packets), and an idle handler takes
// it only when woken.
func (in *inbox) put(ps ...datagram) {
	in.mu.Lock()
	for _, p := range ps {
		for len(in.cur.buf)+len(p.b) > cap(in.cur.buf) || len(in.cur.ends) == cap(in.cur.ends) {
			in.wakeHandler()
			in.taken.Wait()
		}
		in.cur.buf = append(in.cur.buf, p.b...)
		in.cur.ends = append(in.cur.ends, len(in.cur.buf))
		in.cur.sizes = append(in.cur.sizes, p.size)
	}
	in.mu.Unlock()
	in.wakeHandler()
}

// wakeHandler wakes the handler, unless it is woken already.
func (in *inbox) wakeHandler() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// take swaps the batch for spare and returns it.
func (in *inbox) take(spare *batch) *batch {
	in.mu.Lock()
	b := in.cur
	in.cur = spare
	in.taken.Signal()
	in.mu.Unlock()
	return b
}

func (s *Server) read(c net.PacketConn) {
	in := &inbox{cur: newBatch(), wake: make(chan struct{}, 1)}
	in.taken.L = &in.mu
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.handleBatches(in)
	}()
	defer func() {
		close(in.wake)
		<-done
	}()
	if br := newBatchReader(c, s.limit); br != nil {
		var drops uint32 // the kernel's count as last seen
		for {
			ps, err := br.read()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue // a transient error (EINTR, …): keep serving
			}
			for _, p := range ps {
				if p.drops != 0 && p.drops != drops {
					s.dropped.Add(uint64(p.drops - drops)) // the count wraps as a uint32
					drops = p.drops
				}
			}
			s.received.Add(uint64(len(ps)))
			in.put(ps...)
		}
	}
	buf := make([]byte, maxDatagram)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a transient error: keep serving
		}
		s.received.Add(1)
		in.put(datagram{b: buf[:min(n, s.limit)], size: n})
	}
}

// handleBatches handles the inbox's batches until the reader closes
// in.wake, and tells Lost what the kernel dropped, before the batch
// received after the loss, or when LossEvery has passed since it was
// last told.
func (s *Server) handleBatches(in *inbox) {
	spare := newBatch()
	var retry *time.Timer
	var retryC <-chan time.Time
	later := func(wait time.Duration) { // tell Lost again after wait, once
		if wait > 0 && retryC == nil {
			retry = time.NewTimer(wait)
			retryC = retry.C
		}
	}
	handle := func() {
		b := in.take(spare)
		now := time.Now() // once a batch: packets of a batch arrived together
		later(s.tellLoss(now, false))
		start := 0
		for i, end := range b.ends {
			s.packet(b.buf[start:end], b.sizes[i], now)
			start = end
		}
		b.buf, b.ends, b.sizes = b.buf[:0], b.ends[:0], b.sizes[:0]
		spare = b
	}
	for {
		select {
		case _, open := <-in.wake:
			if !open {
				handle() // what came before the close
				if retry != nil {
					retry.Stop()
				}
				s.tellLoss(time.Now(), true)
				return
			}
			handle()
		case <-retryC:
			retryC = nil
			later(s.tellLoss(time.Now(), false))
		}
	}
}

// tellLoss tells Lost what the kernel dropped since it was last told,
// unless that was less than LossEvery ago and force is unset; it returns
// how long until it may tell what waits, 0 when nothing does.
func (s *Server) tellLoss(now time.Time, force bool) time.Duration {
	if s.lost == nil || s.dropped.Load() == s.told.Load() {
		return 0
	}
	s.lossMu.Lock()
	dropped := s.dropped.Load()
	n := dropped - s.told.Load()
	if wait := s.lossEvery - now.Sub(s.toldAt); !force && !s.toldAt.IsZero() && wait > 0 && n > 0 {
		s.lossMu.Unlock()
		return wait
	}
	s.told.Store(dropped)
	s.toldAt = now
	s.lossMu.Unlock()
	if n > 0 {
		s.lost(n, now) // outside the lock: Lost logs
	}
	return 0
}

// packet parses one datagram, p of size bytes as sent, received at now,
// and hands it to Handle.
func (s *Server) packet(p []byte, size int, now time.Time) {
	if size > len(p) {
		s.truncated.Add(1)
	}
	m, err := parseKept(p, size)
	if err != nil {
		s.malformed.Add(1)
		s.handle(&Message{Received: now, Size: size}, p, err)
		return
	}
	m.Received = now
	s.handle(&m, p, nil)
}

// Stats returns the server's counters. Safe for concurrent use.
func (s *Server) Stats() Stats {
	return Stats{Received: s.received.Load(), Malformed: s.malformed.Load(), Truncated: s.truncated.Load(), KernelDrops: s.dropped.Load()}
}

// Close stops the listeners and waits for their goroutines, which tell
// Lost what it was not told yet. The unix socket file is removed, unless
// another has replaced it meanwhile. Close is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		for _, c := range s.conns {
			c.Close()
		}
		if s.socket.path != "" {
			if fi, err := os.Lstat(s.socket.path); err == nil && os.SameFile(fi, s.socket.file) {
				_ = os.Remove(s.socket.path)
			}
		}
	})
	s.wg.Wait()
	return nil
}
