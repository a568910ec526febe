package engineio

import (
	"net/http"
	"sync"
	"time"
)

// Receiver takes the messages of one connection. The server calls its
// methods from one goroutine at a time, in the order the client sent the
// messages; a slow OnMessage delays only this connection's later messages.
type Receiver interface {
	// OnMessage is called for each message the client sends. data belongs
	// to the receiver.
	OnMessage(data []byte, binary bool)
	// OnClose is called once, after the connection has closed.
	OnClose(reason CloseReason)
}

type connState uint8

const (
	stateOpen    connState = iota
	stateClosing           // Close called: flush what is queued, then close
	stateClosed
)

// Conn is one Engine.IO session. Its methods are safe for concurrent use.
//
// The fields are in the order of use: queueing a message (Send, the hot
// path of a broadcast, which touches thousands of connections in turn,
// each of them cold in the cache) reads and writes only the first two
// cache lines, mu and what it guards first. A Conn is 256 bytes, so the
// allocator places each at a multiple of 64 (TestConnLayout checks both).
type Conn struct {
	mu           sync.Mutex
	state        connState
	writing      bool // on its flusher's list, or its own writer is running
	getActive    bool // polling: a GET is waiting
	postActive   bool // polling: a POST is being read
	probed       bool // upgrade probe answered, "5" not yet in
	hbWaiting    bool // a ping is out, its pong not in
	closePending bool // OnClose waits for delivering to reach 0
	pollClose    byte // packet answering a GET after close: '1' or '6'
	eio3         bool // Engine.IO protocol 3 (eio3.go)
	b64          bool // protocol 3: the client takes no binary payloads
	opened       bool // registered and reported to the observers (observe.go)
	queued       int  // bytes in queue
	queue        []frame
	qhold        *[]frame // the pooled holder of queue's array, or nil
	flusher      *flusher // writes its WebSocket queue

	transport Transport
	ws        *wsConn
	srv       *Server
	wake      chan struct{}
	id        string
	req       *http.Request

	recv   Receiver
	recvMu sync.Mutex // serializes delivery to recv

	closeReason CloseReason
	probe       *wsConn

	// heartbeat
	hbIndex int // its place in the server's heartbeats (heartbeat.go)
	hbDue   time.Time

	closeTimer *time.Timer

	delivering int // deliverMessage calls in progress

	_ [24]byte // to 256 bytes, a size class whose objects start on a cache line (TestConnLayout)
}

// ID returns the session id.
func (c *Conn) ID() string { return c.id }

// Request returns the handshake request. Its body has been consumed; its
// headers, URL, cookies and RemoteAddr are as the client sent them.
func (c *Conn) Request() *http.Request { return c.req }

// Transport returns the transport in use now.
func (c *Conn) Transport() Transport {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transport
}

// Send queues messages for the client, in order and as one unit. It never
// blocks on the network. It returns ErrClosed after the connection closed,
// and ErrSlowConsumer when the queue would exceed MaxBufferedBytes, in which
// case the connection is closed with ReasonSlowConsumer.
func (c *Conn) Send(msgs ...Message) error {
	return c.enqueue(msgs, false)
}

// SendVolatile queues messages only if the transport can take them now
// without building a backlog, and reports whether it did. Dropped messages
// are not an error: use it for data that is useless when late.
func (c *Conn) SendVolatile(msgs ...Message) bool {
	return c.enqueue(msgs, true) == nil
}

// closedLinger is how long a session closed by the client over polling
// still answers one GET with a noop.
const closedLinger = time.Second

// volatileBacklog is the queue size over which volatile messages to a
// WebSocket connection are dropped.
const volatileBacklog = 16 << 10

func (c *Conn) enqueue(msgs []Message, volatile bool) error {
	if c.eio3 {
		msgs = withTypeByte3(msgs)
	}
	size := 0
	for _, m := range msgs {
		size += len(m.Data) + 1
	}
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return ErrClosed
	}
	if volatile && !c.writableLocked() {
		c.mu.Unlock()
		return ErrSlowConsumer
	}
	if c.queued+size > c.srv.opts.MaxBufferedBytes {
		c.mu.Unlock()
		if volatile { // dropped, never a reason to close
			return ErrSlowConsumer
		}
		c.srv.slowConsumers.Add(1)
		c.terminate(ReasonSlowConsumer)
		return ErrSlowConsumer
	}
	for _, m := range msgs {
		c.pushLocked(frame{typ: packetMessage, data: m.Data, binary: m.Binary, uncompressed: m.Uncompressed, stamp: m.Stamp})
	}
	c.queued += size
	c.kickLocked()
	c.mu.Unlock()
	return nil
}

func (c *Conn) writableLocked() bool {
	if c.transport == Polling {
		return c.getActive
	}
	return c.queued < volatileBacklog
}

// sendControl queues a control packet (ping, noop).
func (c *Conn) sendControlLocked(t packetType, data []byte) {
	c.pushLocked(frame{typ: t, data: data})
	c.queued += len(data) + 1
	c.kickLocked()
}

// kickLocked makes the transport write what is queued: it wakes a waiting
// polling GET, or puts the WebSocket connection on its flusher's list.
func (c *Conn) kickLocked() {
	if c.transport == WebSocket {
		if !c.writing && c.ws != nil {
			c.writing = true
			c.flusher.add(c)
		}
		return
	}
	c.notifyLocked()
}

func (c *Conn) notifyLocked() {
	// wake is nil on a session born on WebSocket, which never polls: the
	// send below is then never ready.
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// queues holds the arrays of empty queues: a connection holds one only
// while something is queued for it, and a busy one does not allocate.
var queues = sync.Pool{New: func() any { q := make([]frame, 0, 8); return &q }}

// maxPooledQueue is the largest array given back to queues.
const maxPooledQueue = 1024

// pushLocked appends f to the queue (its bytes are counted by the caller).
func (c *Conn) pushLocked(f frame) {
	if c.queue == nil {
		c.qhold = queues.Get().(*[]frame)
		c.queue = (*c.qhold)[:0]
	}
	c.queue = append(c.queue, f)
}

// takeLocked removes and returns what is queued, with the holder to give
// back to recycleQueue once the frames are written.
func (c *Conn) takeLocked() ([]frame, *[]frame) {
	q, hold := c.queue, c.qhold
	c.queue, c.qhold = nil, nil
	c.queued = 0
	return q, hold
}

// recycleQueue gives a written queue's array back to the pool.
func recycleQueue(q []frame, hold *[]frame) {
	if hold == nil || cap(q) > maxPooledQueue {
		return
	}
	q = q[:cap(q)]
	clear(q) // drop the references to the data
	*hold = q[:0]
	queues.Put(hold)
}

// Close closes the connection after what is queued has been written (or
// WriteTimeout has passed). reason is reported to the Receiver; the empty
// reason means ReasonForcedClose.
func (c *Conn) Close(reason CloseReason) {
	if reason == "" {
		reason = ReasonForcedClose
	}
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return
	}
	// A WebSocket always goes through its writer so that the client gets a
	// close frame; polling without a waiting GET and with nothing queued
	// has nothing to flush.
	if c.queued == 0 && c.transport == Polling && !c.getActive {
		c.mu.Unlock()
		c.terminate(reason)
		return
	}
	c.state = stateClosing
	c.closeReason = reason
	c.pushLocked(frame{typ: packetClose})
	c.queued++
	c.closeTimer = time.AfterFunc(c.srv.opts.WriteTimeout, func() { c.terminate(reason) })
	c.kickLocked()
	c.mu.Unlock()
}

// terminate closes the connection now and reports reason once.
func (c *Conn) terminate(reason CloseReason) {
	c.terminateWith(reason, packetClose)
}

// terminateWith closes the connection; a waiting polling GET is answered
// with pollAnswer.
func (c *Conn) terminateWith(reason CloseReason, pollAnswer packetType) {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	if c.state == stateClosing {
		// Close was called: its reason wins over the way the flush ended
		// (the WebSocket reader sees the socket closed by the writer and
		// would report ReasonTransportClose).
		reason = c.closeReason
	}
	c.srv.opts.Logger.Debug("engineio: connection closed", "sid", c.id, "reason", reason, "transport", c.transport)
	c.state = stateClosed
	c.pollClose = byte(pollAnswer)
	c.queue, c.qhold, c.queued = nil, nil, 0
	c.srv.hb.unschedule(c)
	if c.closeTimer != nil {
		c.closeTimer.Stop()
	}
	ws, probe := c.ws, c.probe
	c.notifyLocked()
	c.closeReason = reason
	wasOpen := c.opened
	if wasOpen && c.transport == Polling {
		c.srv.pollingConns.Add(-1)
	}
	deferred := c.delivering > 0
	c.closePending = deferred
	// A client that closes over polling may have its next GET already on
	// the way (the reference client sends them together): keep the closed
	// session known for a moment so that GET gets a noop, not a 400.
	linger := c.transport == Polling && !c.getActive && pollAnswer == packetNoop
	c.mu.Unlock()

	if ws != nil {
		ws.close()
	}
	if probe != nil {
		probe.close()
	}
	if linger {
		time.AfterFunc(closedLinger, func() { c.srv.remove(c) })
	} else {
		c.srv.remove(c)
	}
	if !deferred {
		c.recvMu.Lock()
		c.recv.OnClose(reason)
		c.recvMu.Unlock()
	}
	if wasOpen {
		c.srv.closed(c, reason)
	}
}

// deliver hands one incoming packet, carried by r, to its handling.
func (c *Conn) deliver(p packet, r *http.Request) error {
	switch p.typ {
	case packetMessage:
		return c.deliverMessage(p.data, p.binary, r)
	case packetPong:
		c.onPong()
	case packetPing:
		c.mu.Lock()
		if c.state == stateOpen {
			if c.eio3 { // the client's heartbeat
				c.srv.hb.schedule(c, time.Now().Add(c.srv.opts.PingInterval+c.srv.opts.PingTimeout))
			}
			c.sendControlLocked(packetPong, p.data)
		}
		c.mu.Unlock()
	case packetClose:
		c.terminateWith(ReasonTransportClose, packetNoop)
		return ErrClosed
	case packetNoop, packetUpgrade:
	default:
		return ErrInvalidPacket
	}
	return nil
}

// deliverMessage calls OnMessage (or OnRequestMessage with r). A close
// that happens meanwhile (even from inside OnMessage) is reported after
// OnMessage returns.
func (c *Conn) deliverMessage(data []byte, binary bool, r *http.Request) error {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.delivering++
	c.mu.Unlock()

	c.recvMu.Lock()
	if !c.isClosed() {
		if rr, ok := c.recv.(RequestReceiver); ok {
			if r == nil {
				r = c.req
			}
			rr.OnRequestMessage(data, binary, r)
		} else {
			c.recv.OnMessage(data, binary)
		}
	}
	c.recvMu.Unlock()

	c.mu.Lock()
	c.delivering--
	pending := c.closePending && c.delivering == 0
	if pending {
		c.closePending = false
	}
	reason := c.closeReason
	c.mu.Unlock()
	if pending {
		c.recvMu.Lock()
		c.recv.OnClose(reason)
		c.recvMu.Unlock()
		return ErrClosed
	}
	return nil
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateClosed
}
