package engineio

import (
	"net"
	"runtime"
	"sync"
	"sync/atomic"
)

// WebSocket writes are made by a few flusher goroutines (one per
// GOMAXPROCS), not by a goroutine per connection. A connection that has
// something queued is put on its flusher's list; the flusher takes the
// whole list, writes each connection's queue in one non-blocking write,
// and starts over with the connections queued meanwhile.
//
// Why: with a goroutine per writing connection, a broadcast to 10,000
// connections starts 10,000 goroutines, and whatever produces the next
// message (a webhook, a reader) waits behind all of them in the run
// queue, so that each connection is written as soon as a message arrives:
// one write(2) per message, the costliest way. With a flusher, the
// producers run between its writes, and under load a pass over the list
// takes longer, so each connection has more messages queued when its
// turn comes: the cost per message falls as the load rises, and the queue
// forms in the connections' buffers, where it is cheap, not in front of
// the producers.
//
// A write that cannot complete at once (the client reads slowly: the
// socket's send buffer is full) is finished by a goroutine of the
// connection's own, with the write timeout, which then goes on writing
// that connection until its queue is empty: one slow client never holds a
// flusher.

// flusher writes the queued frames of its connections.
type flusher struct {
	mu      sync.Mutex
	dirty   []*Conn // connections to write in the next pass
	running bool    // a goroutine is running passes
	runFn   func()  // f.run, made once: go f.run() would allocate a closure each time
}

// newFlushers returns one flusher per GOMAXPROCS.
func newFlushers() []flusher {
	fs := make([]flusher, max(1, runtime.GOMAXPROCS(0)))
	for i := range fs {
		fs[i].runFn = fs[i].run
	}
	return fs
}

// nextFlusher spreads new connections over the flushers.
var nextFlusher atomic.Uint32

// flusherFor returns the flusher of a new connection.
func (s *Server) flusherFor() *flusher {
	return &s.flushers[int(nextFlusher.Add(1))%len(s.flushers)]
}

// add puts c on the list of the next pass. c.mu is held and c.writing is
// set: c is on one list at most.
func (f *flusher) add(c *Conn) {
	f.mu.Lock()
	f.dirty = append(f.dirty, c)
	start := !f.running
	f.running = true
	f.mu.Unlock()
	if start {
		go f.runFn()
	}
}

// yieldEvery is how many connections a flusher writes between yields.
const yieldEvery = 32

// maxPassCap is the largest list array kept between passes.
const maxPassCap = 1 << 16

// run makes passes until the list is empty.
func (f *flusher) run() {
	var pass []*Conn
	var y netYield
	for {
		f.mu.Lock()
		if len(f.dirty) == 0 {
			f.running = false
			f.mu.Unlock()
			y.close()
			return
		}
		pass, f.dirty = f.dirty, pass[:0]
		f.mu.Unlock()
		for i, c := range pass {
			pass[i] = nil
			c.flush(f)
			if i%yieldEvery == yieldEvery-1 {
				// The writes are raw system calls (writeFD): the
				// runtime does not see them, so a long pass would hold
				// the P from its first write to its last. Yielding
				// lets the producers (webhooks, readers) and what the
				// network has readied run meanwhile (netYield).
				y.yield()
			}
		}
		if cap(pass) > maxPassCap {
			pass = nil
		}
	}
}

// flush writes what c has queued, without blocking: called by c's
// flusher, c.writing set.
func (c *Conn) flush(f *flusher) {
	c.mu.Lock()
	ws := c.ws
	if ws == nil || c.state == stateClosed || len(c.queue) == 0 {
		c.writing = false
		c.mu.Unlock()
		return
	}
	if c.queue[len(c.queue)-1].typ == packetClose {
		// Closing: a close handshake waits, so it gets a goroutine.
		c.mu.Unlock()
		go ws.writeLoop(c, nil, nil)
		return
	}
	frames, hold := c.takeLocked()
	c.mu.Unlock()

	if !ws.wmu.TryLock() { // a control frame is being written
		go ws.writeLoop(c, frames, hold)
		return
	}
	b := getBatch()
	ws.encode(b, frames)
	c.srv.countWrite(len(frames))
	n, err := ws.tryWrite(b)
	switch {
	case err != nil:
		ws.wmu.Unlock()
		putBatch(b)
		// Not on the flusher: closing runs the application's close
		// handlers, which may wait (a store, Redis).
		go c.terminate(ReasonTransportError)
		return
	case n < b.size():
		// The socket is full: the rest waits, with the write timeout, on
		// a goroutine that inherits wmu, so that nothing is written in
		// between.
		go ws.finishBatch(c, b, n, frames, hold)
		return
	}
	ws.wmu.Unlock()
	putBatch(b)
	c.srv.observeStamps(frames)
	recycleQueue(frames, hold)

	c.mu.Lock()
	if len(c.queue) > 0 && c.ws == ws && c.state != stateClosed {
		f.add(c) // what came meanwhile goes in the next pass
	} else {
		c.writing = false
	}
	c.mu.Unlock()
}

// finishBatch writes the rest of b (written bytes already out) with the
// write timeout, releases wmu, and writes c's queue until it is empty.
func (ws *wsConn) finishBatch(c *Conn, b *wsBatch, written int, frames []frame, hold *[]frame) {
	ws.setWriteDeadlineLocked(c.srv.opts.WriteTimeout)
	b.out = skipBytes(b.iov, written)
	_, err := b.out.WriteTo(ws.nc)
	ws.wmu.Unlock()
	putBatch(b)
	if err != nil {
		c.terminate(ReasonTransportError)
		return
	}
	c.srv.observeStamps(frames)
	recycleQueue(frames, hold)
	ws.writeLoop(c, nil, nil)
}

// skipBytes drops the first n bytes of bufs (in place).
func skipBytes(bufs net.Buffers, n int) net.Buffers {
	for n > 0 && len(bufs) > 0 {
		if n < len(bufs[0]) {
			bufs[0] = bufs[0][n:]
			break
		}
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	return bufs
}
