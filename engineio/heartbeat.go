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
	c.hbDue = time.Now().Add(c.srv.opts.PingTimeout)
	c.hb.Reset(c.srv.opts.PingTimeout)
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
