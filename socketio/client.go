package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// client is one Engine.IO connection and the sockets it carries, one per
// namespace. It is the connection's engineio.Receiver.
type client struct {
	server  *Server
	conn    *engineio.Conn
	decoder parser.Decoder // used only from OnMessage, one call at a time
	custom  PacketDecoder  // Options.Parser's decoder, instead of decoder

	mu sync.Mutex
	// sockets has one socket per namespace joined: usually one, which a
	// slice holds in a few bytes and a map in a few hundred.
	sockets []*Socket
	// connectTimer closes the connection if no CONNECT comes; nil once one
	// came, so that a connected client does not keep it.
	connectTimer *time.Timer
	closed       bool
	failed       bool // a protocol error closed the connection; used only from OnMessage
}

func newClient(s *Server, c *engineio.Conn) *client {
	cl := &client{server: s, conn: c}
	cl.decoder.MaxAttachments = s.opts.MaxAttachments
	if s.opts.Parser != nil {
		cl.custom = s.opts.Parser.NewDecoder(s.opts.MaxAttachments)
	}
	cl.connectTimer = time.AfterFunc(s.opts.ConnectTimeout, func() {
		cl.mu.Lock()
		idle := len(cl.sockets) == 0
		cl.mu.Unlock()
		if idle {
			c.Close(engineio.ReasonForcedClose)
		}
	})
	return cl
}

// send queues encoded messages on the connection.
func (c *client) send(msgs []engineio.Message, volatile bool) error {
	if volatile {
		c.conn.SendVolatile(msgs...)
		return nil
	}
	return c.conn.Send(msgs...)
}

// OnMessage decodes a message and routes the packet.
func (c *client) OnMessage(data []byte, binary bool) {
	defer c.recoverHandler()
	if c.failed {
		return // the connection is closing: ignore what follows
	}
	p, err := c.decode(data, binary)
	if err == nil && p != nil {
		err = c.route(p)
	}
	if err != nil {
		c.failed = true
		c.server.opts.Logger.Debug("socketio: closing connection", "sid", c.conn.ID(), "err", err)
		c.conn.Close(engineio.ReasonParseError)
	}
}

var errProtocol = errors.New("socketio: protocol violation")

// recoverHandler turns a panic in an application handler (middleware,
// connection or event handler, run from OnMessage) into the close of that
// one connection, so that the server and its other clients carry on.
func (c *client) recoverHandler() {
	r := recover()
	if r == nil {
		return
	}
	c.failed = true
	c.server.opts.Logger.Warn("socketio: handler panicked; closing its connection",
		"sid", c.conn.ID(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	c.conn.Close(engineio.ReasonTransportError)
}

func (c *client) route(p *parser.Packet) error {
	c.mu.Lock()
	s := c.socketLocked(p.Namespace)
	c.mu.Unlock()
	if p.Type == parser.Connect {
		if s != nil {
			return errProtocol // a second CONNECT for a joined namespace
		}
		c.connect(p)
		return nil
	}
	if s == nil {
		return errProtocol // a packet for a namespace not joined
	}
	return s.onPacket(p)
}

// connect handles a CONNECT: finds (or creates) the namespace, recovers or
// runs the middleware, and connects the socket.
func (c *client) connect(p *parser.Packet) {
	nsp := c.server.namespace(p.Namespace)
	if nsp == nil {
		c.sendConnectError(p.Namespace, "Invalid namespace", nil)
		return
	}
	auth := json.RawMessage(p.Data)
	if len(auth) == 0 {
		auth = json.RawMessage("{}")
	}
	s := &Socket{
		nsp:    nsp,
		client: c,
		handshake: &Handshake{
			Request: c.conn.Request(),
			Header:  c.conn.Request().Header,
			Query:   c.conn.Request().URL.Query(),
			Auth:    auth,
			Address: c.conn.Request().RemoteAddr,
			Time:    time.Now(),
		},
	}
	var session *Session
	if rec := c.server.opts.Recovery; rec != nil {
		session = c.restore(nsp, auth)
	}
	if session != nil {
		s.id, s.pid, s.recovered, s.data = session.SID, session.PID, true, session.Data
	} else {
		s.id = newID()
		if c.server.opts.Recovery != nil {
			s.pid = newID()
		}
	}
	middleware, onConnection := nsp.handlers()
	if session == nil || c.server.opts.Recovery.RunMiddlewares {
		for _, m := range middleware {
			if err := m(s); err != nil {
				if session != nil {
					// Refused: the session stays for its owner to recover.
					nsp.adapter.PersistSession(&Session{SID: session.SID, PID: session.PID, Rooms: session.Rooms, Data: session.Data})
				}
				var ce *ConnectError
				if errors.As(err, &ce) {
					c.sendConnectError(nsp.name, ce.Message, ce.Data)
				} else {
					c.sendConnectError(nsp.name, err.Error(), nil)
				}
				return
			}
		}
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	s.mu.Lock() // connected is the socket's: read under its lock (Connected)
	s.connected = true
	s.mu.Unlock()
	c.sockets = append(c.sockets, s)
	if c.connectTimer != nil { // it only guards the first CONNECT
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
	c.mu.Unlock()
	nsp.add(s)
	s.mu.Lock()
	s.added = true
	s.updateOutgoingLocked() // handlers added by middleware count now
	rooms := append([]string{s.id}, s.joining...)
	s.joining = nil
	s.mu.Unlock()
	if session != nil {
		rooms = append(rooms, session.Rooms...)
	}
	reply := connectReply{SID: s.id, PID: s.pid}
	data, _ := json.Marshal(reply)
	sendConnect := func(missed ...[]*parser.Packet) {
		c.sendPacket(&parser.Packet{Type: parser.Connect, Namespace: nsp.name, Data: data})
		for _, list := range missed {
			for _, m := range list {
				c.sendPacket(m)
			}
		}
	}
	if rj, ok := nsp.adapter.(Rejoiner); ok && session != nil {
		// Back in the rooms with no broadcast in between: each one is
		// either in the missed packets or sent live, after them. (connect
		// runs inside OnMessage, so a close caused by these sends reports
		// OnClose only after it returns, outside the adapter's lock.)
		rj.Rejoin(s.id, rooms, session.LogEnd, func(since []*parser.Packet) {
			sendConnect(session.Missed, since)
		})
	} else {
		nsp.adapter.AddAll(s.id, rooms)
		if session != nil {
			sendConnect(session.Missed)
		} else {
			sendConnect()
		}
	}
	for _, fn := range onConnection {
		fn(s)
	}
	s.startKeeping()
}

type connectReply struct {
	SID string `json:"sid"`
	PID string `json:"pid,omitempty"`
}

// restore returns the session a recovering client asks for, if any.
func (c *client) restore(nsp *Namespace, auth json.RawMessage) *Session {
	var a struct {
		PID    *string `json:"pid"`
		Offset *string `json:"offset"`
	}
	if json.Unmarshal(auth, &a) != nil || a.PID == nil || a.Offset == nil {
		return nil
	}
	session, err := nsp.adapter.RestoreSession(*a.PID, *a.Offset)
	if err != nil {
		c.server.opts.Logger.Warn("socketio: restore session", "err", err)
		session = nil
	}
	if session != nil {
		c.server.recovered.Add(1)
	} else {
		c.server.refused.Add(1)
	}
	c.server.opts.Logger.Debug("socketio: session recovery", "sid", c.conn.ID(), "nsp", nsp.name, "recovered", session != nil)
	return session
}

func (c *client) sendConnectError(nsp, message string, data any) {
	body := struct {
		Message string `json:"message"`
		Data    any    `json:"data,omitempty"`
	}{message, data}
	b, _ := json.Marshal(body)
	c.sendPacket(&parser.Packet{Type: parser.ConnectError, Namespace: nsp, Data: b})
}

func (c *client) removeSocket(s *Socket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.sockets, s); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
	}
}

// socketLocked returns the socket joined to the namespace named nsp, or
// nil.
func (c *client) socketLocked(nsp string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == nsp {
			return s
		}
	}
	return nil
}

func (c *client) socketList() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sockets)
}

// disconnectAll disconnects every socket, then closes the connection.
func (c *client) disconnectAll() {
	for _, s := range c.socketList() {
		s.Disconnect(false)
	}
	c.conn.Close(engineio.ReasonForcedClose)
}

// OnClose ends every socket of the connection.
func (c *client) OnClose(reason engineio.CloseReason) {
	c.mu.Lock()
	c.closed = true
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
	c.mu.Unlock()
	r := reasonOf(reason)
	for _, s := range c.socketList() {
		s.onClose(r)
	}
}
