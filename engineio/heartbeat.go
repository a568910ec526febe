package engineio

import "time"

// The server pings: PingInterval after the handshake (and after each pong)
// it queues a ping, and it closes the connection when no pong has arrived
// PingTimeout after the ping was queued. One timer serves both phases; its
// callback re-checks the due time so that a Reset racing with a firing
// timer does no harm.

func (c *Conn) startHeartbeat() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hbDue = time.Now().Add(c.srv.opts.PingInterval)
	c.hb = time.AfterFunc(c.srv.opts.PingInterval, c.onHeartbeatTimer)
}

func (c *Conn) onHeartbeatTimer() {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	if wait := time.Until(c.hbDue); wait > 0 {
		c.hb.Reset(wait)
		c.mu.Unlock()
		return
	}
	if c.hbWaiting {
		c.mu.Unlock()
		c.terminate(ReasonPingTimeout)
		return
	}
	c.hbWaiting = true
	// The pong is due PingTimeout after the ping was due, not after this
	// callback ran: a late timer does not lengthen the timeout.
	c.hbDue = c.hbDue.Add(c.srv.opts.PingTimeout)
	if min := time.Now().Add(c.srv.opts.PingTimeout / 2); c.hbDue.Before(min) {
		c.hbDue = min // very late (an overloaded machine): give the client a chance
	}
	c.hb.Reset(time.Until(c.hbDue))
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
	c.hbDue = time.Now().Add(c.srv.opts.PingInterval)
	c.hb.Reset(c.srv.opts.PingInterval)
}

// pongOverdue reports whether the pong's deadline has passed, even if the
// timer has not fired yet: a request arriving after the deadline must not
// find the session alive.
func (c *Conn) pongOverdue() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hbWaiting && c.state != stateClosed && !time.Now().Before(c.hbDue)
}
