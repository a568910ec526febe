package engineio

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// wsConn is the WebSocket transport of one connection (or of an upgrade
// probe), on the connection gorilla/websocket's Upgrader hands over. One
// goroutine reads it (wsread.go); the frames to the client are written one
// writer at a time (wmu): the write loop, the probe's answer, and the
// answers to the client's pings and close (wsframe.go).
type wsConn struct {
	srv       *Server
	nc        net.Conn
	raw       syscall.RawConn // nc's socket, to wait for data without a buffer; nil if not a socket
	fd        int             // the socket's descriptor, -1 if not a socket
	br        *bufio.Reader   // the pooled read buffer, held only while data is buffered
	wmu       sync.Mutex
	wdeadline time.Time    // the write deadline set on nc, under wmu
	fdUse     atomic.Int32 // fdWriting while tryWrite writes fd, fdClosing once close began
	closeOnce sync.Once
	ready     bool          // waitIdle saw data: readMessage need not wait (beside closeOnce, in its padding)
	eio3      bool          // Engine.IO protocol 3 (eio3.go)
	deflate   bool          // permessage-deflate negotiated (wsdeflate.go)
	req       *http.Request // the request that opened it: given with the messages it carries

	// guarded by the server's poller
	closed  bool
	pollGen uint64 // the poller generation fd was added to
	conn    *Conn  // whose reader resumes when the parked socket has data
}

// controlTimeout bounds the write of a control frame answering the
// client.
const controlTimeout = 5 * time.Second

// upgrade turns r into a WebSocket connection.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) (*wsConn, error) {
	var h http.Header // the hooks' headers of the 101
	if s.opts.hasHeaderHooks() {
		h = http.Header{}
		s.hookHeaders(h, r, "")
	}
	var sniff *extSniffer
	if s.upgrader.EnableCompression {
		if limitsWindow(r.Header) {
			r.Header.Del("Sec-Websocket-Extensions") // declined: no compression
		}
		sniff = &extSniffer{ResponseWriter: w}
		w = sniff
	}
	conn, err := s.upgrader.Upgrade(w, r, h)
	if err != nil {
		return nil, err
	}
	// Only the handshake is gorilla's: from here on the frames are read
	// and written on the net.Conn, and gorilla's Conn is dropped.
	if sniff != nil {
		ws := s.newWSConn(sniff.conn.Conn)
		ws.deflate = sniff.conn.deflate
		return ws, nil
	}
	return s.newWSConn(conn.NetConn()), nil
}

// newWSConn returns the WebSocket transport on nc, whose socket it reaches
// directly when nc is one.
func (s *Server) newWSConn(nc net.Conn) *wsConn {
	ws := &wsConn{srv: s, nc: nc, fd: -1}
	if sc, ok := nc.(syscall.Conn); ok {
		ws.raw, _ = sc.SyscallConn()
	}
	if ws.raw != nil {
		_ = ws.raw.Control(func(fd uintptr) { ws.fd = int(fd) })
	}
	return ws
}

func upgradeError(w http.ResponseWriter, _ *http.Request, status int, reason error) {
	requestError{status: status, code: 3, message: reason.Error()}.write(w)
}

// The bits of wsConn.fdUse.
const (
	fdWriting = 1 // tryWrite is writing the descriptor
	fdClosing = 2 // close began: tryWrite writes no more
)

func (ws *wsConn) close() {
	ws.closeOnce.Do(func() {
		ws.srv.poll.forget(ws)
		// tryWrite writes the descriptor without net's reference to it:
		// it must be done before the descriptor is closed, or its number
		// could be reused by another connection in between. Its write
		// never blocks, so this wait is short.
		ws.fdUse.Or(fdClosing)
		for ws.fdUse.Load()&fdWriting != 0 {
			runtime.Gosched()
		}
		_ = ws.nc.Close()
	})
}

// closeGracefully sends a close frame, then closes.
func (ws *wsConn) closeGracefully(timeout time.Duration) {
	_ = ws.writeControl(wsFinClose, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), timeout)
	ws.close()
}

// writeControl writes one control frame (at most 125 bytes of data).
func (ws *wsConn) writeControl(op byte, data []byte, timeout time.Duration) error {
	var b [2 + 125]byte
	msg := append(appendFrameHeader(b[:0], op, len(data)), data...)
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	ws.setWriteDeadlineLocked(timeout)
	_, err := ws.nc.Write(msg)
	return err
}

// writeFrames writes frames in one write (or writev).
func (ws *wsConn) writeFrames(frames []frame, timeout time.Duration) error {
	b := getBatch()
	defer putBatch(b)
	ws.encode(b, frames)
	ws.srv.countWrite(len(frames))
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	ws.setWriteDeadlineLocked(timeout)
	return b.writeTo(ws.nc)
}

// setWriteDeadlineLocked makes the next write end within timeout, and not
// sooner than timeout/2: the deadline (a timer in the runtime) is moved
// only when half of it has passed, not for every batch of a busy
// connection.
func (ws *wsConn) setWriteDeadlineLocked(timeout time.Duration) {
	now := time.Now()
	if ws.wdeadline.Sub(now) >= timeout/2 && !ws.wdeadline.After(now.Add(timeout)) {
		return
	}
	ws.wdeadline = now.Add(timeout)
	_ = ws.nc.SetWriteDeadline(ws.wdeadline)
}

// readLoop delivers the packets of an open WebSocket connection until it
// ends.
func (ws *wsConn) readLoop(c *Conn) {
	for {
		if ws.br == nil && ws.waitIdle() && ws.srv.poll.park(ws, c) {
			return // parked: a new reader starts when data comes
		}
		p, err := ws.read()
		if err != nil {
			c.terminate(readCloseReason(err))
			return
		}
		if err := c.deliver(p, ws.req); err != nil {
			if !errors.Is(err, ErrClosed) {
				c.terminate(ReasonTransportError)
			}
			return
		}
	}
}

func (ws *wsConn) read() (packet, error) {
	op, data, err := ws.readMessage()
	if err != nil {
		return packet{}, err
	}
	switch {
	case ws.eio3 && op == wsOpBinary:
		return decodeBinary3(data)
	case op == wsOpBinary:
		return packet{typ: packetMessage, data: data, binary: true}, nil
	case ws.eio3:
		return decodeText3(data)
	}
	return decodeText(data)
}

func readCloseReason(err error) CloseReason {
	if errors.Is(err, ErrInvalidPacket) {
		return ReasonTransportError
	}
	return ReasonTransportClose
}

// writeLoop writes frames (taken from c's queue), then what is queued,
// until the queue is empty; then it exits, and the next message goes to
// c's flusher again. It is the writer of a connection that needs one of
// its own: a slow client, a close handshake.
func (ws *wsConn) writeLoop(c *Conn, frames []frame, hold *[]frame) {
	timeout := c.srv.opts.WriteTimeout
	for {
		var reason CloseReason
		if frames == nil {
			c.mu.Lock()
			if c.ws != ws || c.state == stateClosed {
				c.writing = false
				c.mu.Unlock()
				return
			}
			frames, hold = c.takeLocked()
			if len(frames) == 0 {
				c.writing = false
				c.mu.Unlock()
				return
			}
			reason = c.closeReason
			c.mu.Unlock()
		}

		closing := false
		for i, f := range frames {
			if f.typ == packetClose { // always last: nothing is queued after it
				frames, closing = frames[:i], true
				break
			}
		}
		if len(frames) > 0 {
			if err := ws.writeFrames(frames, timeout); err != nil {
				c.terminate(ReasonTransportError)
				return
			}
			c.srv.observeStamps(frames)
		}
		recycleQueue(frames, hold)
		frames, hold = nil, nil
		if closing {
			ws.closeGracefully(timeout)
			c.terminate(reason)
			return
		}
	}
}

// serveUpgrade starts the upgrade of a polling session to WebSocket.
func (c *Conn) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	ws, err := c.srv.upgrade(w, r)
	if err != nil {
		return
	}
	ws.eio3 = c.eio3
	if _, ok := c.recv.(RequestReceiver); ok {
		ws.req = cloneRequest(r)
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
// (polling goes on meanwhile: see servePoll), then "5" switches the
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
			if err := ws.writeFrames([]frame{{typ: packetPong, data: p.data}}, c.srv.opts.WriteTimeout); err != nil {
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
			c.srv.upgraded(c)
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
	if c.opened && c.transport == Polling {
		c.srv.pollingConns.Add(-1)
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
