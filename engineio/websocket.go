package engineio

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// wsConn is the WebSocket transport of one connection (or of an upgrade
// probe). One goroutine reads it; at most one writes it at a time.
type wsConn struct {
	conn      *websocket.Conn
	closeOnce sync.Once
}

// upgrade turns r into a WebSocket connection.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) (*wsConn, error) {
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(int64(s.opts.MaxPayload))
	return &wsConn{conn: conn}, nil
}

func upgradeError(w http.ResponseWriter, _ *http.Request, status int, reason error) {
	requestError{status: status, code: 3, message: reason.Error()}.write(w)
}

func (ws *wsConn) close() {
	ws.closeOnce.Do(func() { _ = ws.conn.Close() })
}

// closeGracefully sends a close frame, then closes.
func (ws *wsConn) closeGracefully(timeout time.Duration) {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = ws.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(timeout))
	ws.close()
}

func (ws *wsConn) writeFrame(f frame) error {
	if f.binary {
		return ws.conn.WriteMessage(websocket.BinaryMessage, f.data)
	}
	w, err := ws.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte{byte(f.typ)}); err != nil {
		return err
	}
	if _, err := w.Write(f.data); err != nil {
		return err
	}
	return w.Close()
}

// readLoop delivers the packets of an open WebSocket connection until it
// ends.
func (ws *wsConn) readLoop(c *Conn) {
	for {
		p, err := ws.read()
		if err != nil {
			c.terminate(readCloseReason(err))
			return
		}
		if err := c.deliver(p); err != nil {
			if !errors.Is(err, ErrClosed) {
				c.terminate(ReasonTransportError)
			}
			return
		}
	}
}

func (ws *wsConn) read() (packet, error) {
	mt, data, err := ws.conn.ReadMessage()
	if err != nil {
		return packet{}, err
	}
	if mt == websocket.BinaryMessage {
		return packet{typ: packetMessage, data: data, binary: true}, nil
	}
	return decodeText(data)
}

func readCloseReason(err error) CloseReason {
	if errors.Is(err, ErrInvalidPacket) || errors.Is(err, websocket.ErrReadLimit) {
		return ReasonTransportError
	}
	return ReasonTransportClose
}

// writeLoop writes what is queued until the queue is empty, then exits;
// enqueue starts it again.
func (ws *wsConn) writeLoop(c *Conn) {
	for {
		c.mu.Lock()
		if c.ws != ws || c.state == stateClosed {
			c.writing = false
			c.mu.Unlock()
			return
		}
		frames := c.takeLocked()
		if len(frames) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		reason := c.closeReason
		c.mu.Unlock()

		_ = ws.conn.SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout))
		for _, f := range frames {
			if f.typ == packetClose {
				ws.closeGracefully(c.srv.opts.WriteTimeout)
				c.terminate(reason)
				return
			}
			if err := ws.writeFrame(f); err != nil {
				c.terminate(ReasonTransportError)
				return
			}
		}
	}
}

// serveUpgrade starts the upgrade of a polling session to WebSocket.
func (c *Conn) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	ws, err := c.srv.upgrade(w, r)
	if err != nil {
		return
	}
	c.mu.Lock()
	if !c.canUpgradeLocked() {
		// Already upgraded or upgrading: the reference server accepts the
		// WebSocket and closes it, and clients expect a close, not an
		// HTTP error.
		c.mu.Unlock()
		c.srv.opts.Logger.Debug("engineio: upgrade refused", "sid", c.id)
		ws.closeGracefully(c.srv.opts.WriteTimeout)
		return
	}
	c.probe = ws
	c.mu.Unlock()
	timer := time.AfterFunc(c.srv.opts.UpgradeTimeout, func() { c.abortProbe(ws) })
	go c.runProbe(ws, timer)
}

func (c *Conn) canUpgradeLocked() bool {
	return c.state == stateOpen && c.transport == Polling && c.probe == nil && !c.srv.opts.DisableUpgrades
}

// runProbe runs the upgrade dance on ws: "2probe" is answered "3probe"
// (and a waiting GET is released with a noop), then "5" switches the
// session to ws, which goes on as its transport.
func (c *Conn) runProbe(ws *wsConn, timer *time.Timer) {
	defer timer.Stop()
	for {
		p, err := ws.read()
		if err != nil {
			c.srv.opts.Logger.Debug("engineio: upgrade probe failed", "sid", c.id, "err", err)
			c.abortProbe(ws)
			return
		}
		switch {
		case p.typ == packetPing && string(p.data) == "probe":
			_ = ws.conn.SetWriteDeadline(time.Now().Add(c.srv.opts.WriteTimeout))
			if err := ws.writeFrame(frame{typ: packetPong, data: p.data}); err != nil {
				c.abortProbe(ws)
				return
			}
			c.mu.Lock()
			if c.probe == ws {
				c.probed = true
				c.notifyLocked()
			}
			c.mu.Unlock()
		case p.typ == packetUpgrade:
			timer.Stop()
			if !c.completeUpgrade(ws) {
				ws.close()
				return
			}
			ws.readLoop(c)
			return
		case p.typ == packetNoop:
		default:
			c.srv.opts.Logger.Debug("engineio: unexpected packet during upgrade", "sid", c.id, "type", string(p.typ))
			c.abortProbe(ws)
			return
		}
	}
}

func (c *Conn) completeUpgrade(ws *wsConn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.probe != ws || c.state == stateClosed {
		return false
	}
	c.transport = WebSocket
	c.ws = ws
	c.probe = nil
	c.probed = false
	c.notifyLocked() // a waiting GET is answered with a noop
	if len(c.queue) > 0 {
		c.kickLocked()
	}
	return true
}

// abortProbe ends an upgrade that did not complete; polling goes on.
func (c *Conn) abortProbe(ws *wsConn) {
	c.mu.Lock()
	if c.ws == ws { // the upgrade completed meanwhile
		c.mu.Unlock()
		return
	}
	if c.probe == ws {
		c.probe = nil
		c.probed = false
		c.notifyLocked()
	}
	c.mu.Unlock()
	ws.close()
}
