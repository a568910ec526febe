package engineio

import (
	"container/heap"
	"sync"
	"time"
)

// The server pings: PingInterval after the handshake (and after each pong)
// it queues a ping, and it closes the connection when no pong has arrived
// PingTimeout after the ping was queued. One due time (hbDue) serves both
// phases; the callback re-checks it, so that a pong racing with a due
// heartbeat does no harm.
//
// The due times of all the server's connections are kept in one heap
// under one timer, set for the earliest: a connection then costs a place
// in the heap, not a timer and its callback of its own, which were most of
// what an idle connection held after its socket.

// heartbeats schedules the heartbeats of a server's connections.
type heartbeats struct {
	mu    sync.Mutex
	conns hbHeap      // by hbDue, earliest first
	timer *time.Timer // runs fire; nil until the first schedule
	at    time.Time   // when timer is set to fire; zero when it is not
}

// schedule makes c's heartbeat callback run at due (c.hbDue is set to it).
// The caller holds c.mu: hbDue is written under both locks, so either
// protects a read.
func (h *heartbeats) schedule(c *Conn, due time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.hbDue = due
	if c.hbIndex == 0 {
		heap.Push(&h.conns, c)
	} else {
		heap.Fix(&h.conns, c.hbIndex-1)
	}
	if h.at.IsZero() || due.Before(h.at) {
		h.armLocked(due)
	}
}

// unschedule removes c's heartbeat. The caller holds c.mu.
func (h *heartbeats) unschedule(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.hbIndex != 0 {
		heap.Remove(&h.conns, c.hbIndex-1)
	}
}

func (h *heartbeats) armLocked(at time.Time) {
	h.at = at
	d := time.Until(at)
	if h.timer == nil {
		h.timer = time.AfterFunc(d, h.fire)
	} else {
		h.timer.Reset(d)
	}
}

// fire runs the callbacks of the heartbeats that are due. A Reset racing
// with a firing timer may run it twice: the second finds less or nothing
// due.
func (h *heartbeats) fire() {
	h.mu.Lock()
	now := time.Now()
	var due []*Conn
	for len(h.conns) > 0 && !h.conns[0].hbDue.After(now) {
		due = append(due, heap.Pop(&h.conns).(*Conn))
	}
	h.at = time.Time{}
	if len(h.conns) > 0 {
		h.armLocked(h.conns[0].hbDue)
	}
	h.mu.Unlock()
	for _, c := range due {
		c.onHeartbeatTimer()
	}
}

// hbHeap is a container/heap of connections by due heartbeat; a
// connection's hbIndex is its position + 1, 0 when it is not in the heap.
type hbHeap []*Conn

func (q hbHeap) Len() int           { return len(q) }
func (q hbHeap) Less(i, j int) bool { return q[i].hbDue.Before(q[j].hbDue) }

func (q hbHeap) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].hbIndex, q[j].hbIndex = i+1, j+1
}

func (q *hbHeap) Push(x any) {
	c := x.(*Conn)
	c.hbIndex = len(*q) + 1
	*q = append(*q, c)
}

func (q *hbHeap) Pop() any {
	old := *q
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	c.hbIndex = 0
	return c
}

func (c *Conn) startHeartbeat() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateClosed { // closed by ServeConn: nothing to ping
		return
	}
	if c.eio3 { // the client pings: the first is due within the interval
		c.srv.hb.schedule(c, time.Now().Add(c.srv.opts.PingInterval+c.srv.opts.PingTimeout))
		return
	}
	c.srv.hb.schedule(c, time.Now().Add(c.srv.opts.PingInterval))
}

// onHeartbeatTimer runs when c's heartbeat is due: it queues a ping, or
// closes c when the pong is overdue. It runs on the heartbeats' timer,
// which serves every connection: it does not block.
func (c *Conn) onHeartbeatTimer() {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	if time.Until(c.hbDue) > 0 { // a pong moved it meanwhile
		c.srv.hb.schedule(c, c.hbDue)
		c.mu.Unlock()
		return
	}
	if c.hbWaiting || c.eio3 { // protocol 3: no ping in time
		c.mu.Unlock()
		// terminate calls the Receiver's OnClose, which may take its time:
		// the other connections' heartbeats do not wait for it.
		go c.terminate(ReasonPingTimeout)
		return
	}
	c.hbWaiting = true
	// The pong is due PingTimeout after the ping was due, not after this
	// callback ran: a late timer does not lengthen the timeout.
	due := c.hbDue.Add(c.srv.opts.PingTimeout)
	if min := time.Now().Add(c.srv.opts.PingTimeout / 2); due.Before(min) {
		due = min // very late (an overloaded machine): give the client a chance
	}
	c.srv.hb.schedule(c, due)
	if c.state == stateOpen {
		c.sendControlLocked(packetPing, nil)
	}
	c.mu.Unlock()
}

func (c *Conn) onPong() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.hbWaiting || c.state == stateClosed {
		return
	}
	c.hbWaiting = false
	c.srv.hb.schedule(c, time.Now().Add(c.srv.opts.PingInterval))
}

// pongOverdue reports whether the pong's deadline has passed, even if the
// timer has not fired yet: a request arriving after the deadline must not
// find the session alive.
func (c *Conn) pongOverdue() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return (c.hbWaiting || c.eio3) && c.state != stateClosed && !time.Now().Before(c.hbDue)
}
