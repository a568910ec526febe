package engineio

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// Handler accepts new connections.
type Handler interface {
	// ServeConn is called once for each new connection, before the
	// handshake is answered, and returns the Receiver of its messages. It
	// must not block; it may already Send or Close. The connection is
	// registered with the server (Server.Conn, Len) after it returns.
	ServeConn(c *Conn) Receiver
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(c *Conn) Receiver

// ServeConn calls f(c).
func (f HandlerFunc) ServeConn(c *Conn) Receiver { return f(c) }

// Server is an Engine.IO v4 server: an http.Handler that serves the
// polling and WebSocket transports at the path it is mounted on.
type Server struct {
	opts     Options
	handler  Handler
	upgrader websocket.Upgrader

	mu      sync.RWMutex
	conns   map[string]*Conn
	closing bool
	drained chan struct{} // closed when closing and conns is empty
	pending int           // handshakes holding a place under MaxConnections

	flushers []flusher // write the WebSocket connections' queues

	slowConsumers    atomic.Int64
	capacityRefusals atomic.Int64
	wsWrites         atomic.Int64 // batches written to WebSocket connections
	wsFrames         atomic.Int64 // frames in them
	readers          sync.Pool    // *bufio.Reader of WebSocketBufferSize
	poll             *poller      // idle WebSocket connections, without their goroutine
	hb               heartbeats   // every connection's heartbeat, on one timer
	observers        observers    // Observe (observe.go)
	pollingConns     atomic.Int64 // open connections on polling (PollingLen)
}

// NewServer returns a server that hands each new connection to h.
func NewServer(h Handler, opts *Options) *Server {
	s := &Server{
		opts:    opts.withDefaults(),
		handler: h,
		conns:   make(map[string]*Conn),
		drained: make(chan struct{}),
		poll:    newPoller(),
	}
	s.flushers = newFlushers()
	size := s.opts.WebSocketBufferSize
	s.readers.New = func() any { return bufio.NewReaderSize(nil, size) }
	s.upgrader = websocket.Upgrader{
		// gorilla only does the handshake (see upgrade): the smallest
		// buffers, which are dropped with its Conn.
		ReadBufferSize:  1,
		WriteBufferPool: writeBufferPool,
		// The Origin was checked before the upgrade (checkOrigin).
		CheckOrigin: func(*http.Request) bool { return true },
		Error:       upgradeError,
		// Accepts permessage-deflate offers (see wsdeflate.go).
		EnableCompression: s.opts.PerMessageDeflate != nil,
	}
	return s
}

var writeBufferPool = &sync.Pool{}

// Options returns the server's options, with defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Len returns the number of open connections.
func (s *Server) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.conns)
}

// CapacityRefusals returns how many handshakes were refused because
// MaxConnections sessions were open since the server started.
func (s *Server) CapacityRefusals() int64 { return s.capacityRefusals.Load() }

// WebSocketWrites returns how many writes the server made to WebSocket
// connections since it started, and how many frames they carried: each
// write carries what a connection had queued, so frames/writes is how
// much the writes coalesce (1 when lightly loaded, more as the load
// rises).
func (s *Server) WebSocketWrites() (writes, frames int64) {
	return s.wsWrites.Load(), s.wsFrames.Load()
}

// countWrite counts one write of n frames.
func (s *Server) countWrite(n int) {
	s.wsWrites.Add(1)
	s.wsFrames.Add(int64(n))
}

// reserve holds a place for a new session under MaxConnections; add or
// release gives it back.
func (s *Server) reserve() bool {
	if s.opts.MaxConnections <= 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns)+s.pending >= s.opts.MaxConnections {
		s.capacityRefusals.Add(1)
		return false
	}
	s.pending++
	return true
}

// release gives back the place of a handshake that opened no session.
func (s *Server) release() {
	if s.opts.MaxConnections <= 0 {
		return
	}
	s.mu.Lock()
	s.pending--
	s.mu.Unlock()
}

// SlowConsumers returns how many connections were closed because their
// queue overflowed (ReasonSlowConsumer) since the server started.
func (s *Server) SlowConsumers() int64 { return s.slowConsumers.Load() }

// Conn returns the open connection with the given session id, or nil.
func (s *Server) Conn(id string) *Conn {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.conns[id]
}

// ServeHTTP serves one Engine.IO request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.checkOrigin(r) {
		s.refuse(w, r, errForbidden, map[string]any{"name": "ORIGIN_NOT_ALLOWED", "origin": r.Header.Get("Origin")})
		return
	}
	s.writeCORS(w, r)
	if r.Method == http.MethodOptions {
		s.writePreflight(w, r)
		return
	}
	q := r.URL.Query()
	transport := Transport(q.Get("transport"))
	if !s.opts.allows(transport) {
		s.refuse(w, r, errUnknownTransport, map[string]any{"transport": string(transport)})
		return
	}
	eio := q.Get("EIO")
	if eio != "4" && (eio != "3" || !s.opts.AllowEIO3) {
		s.refuse(w, r, errUnsupportedEIO, protocolContext(eio))
		return
	}
	isUpgrade := websocket.IsWebSocketUpgrade(r)
	if transport == WebSocket && !isUpgrade {
		s.refuse(w, r, errBadRequest, map[string]any{"name": "TRANSPORT_HANDSHAKE_ERROR"})
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		s.handshake(w, r, transport, eio == "3", q.Has("b64"))
		return
	}
	c := s.Conn(sid)
	if c != nil && c.pongOverdue() {
		c.terminate(ReasonPingTimeout)
		c = nil
	}
	if c == nil {
		s.refuse(w, r, errUnknownSID, map[string]any{"sid": sid})
		return
	}
	if transport == WebSocket {
		c.serveUpgrade(w, r)
		return
	}
	if t := c.Transport(); t != Polling {
		s.refuse(w, r, errBadRequest, map[string]any{"name": "TRANSPORT_MISMATCH", "transport": string(Polling), "previousTransport": string(t)})
		return
	}
	switch r.Method {
	case http.MethodGet:
		c.servePoll(w, r)
	case http.MethodPost:
		c.serveData(w, r)
	default:
		errBadRequest.write(w)
	}
}

// handshake opens a new session, of Engine.IO protocol 3 when eio3 is
// set (b64: its client takes no binary payloads).
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, transport Transport, eio3, b64 bool) {
	if r.Method != http.MethodGet {
		s.refuse(w, r, errBadHandshake, map[string]any{"method": r.Method})
		return
	}
	if s.opts.AllowRequest != nil {
		if err := s.opts.AllowRequest(r); err != nil {
			s.refuse(w, r, errForbidden.with(err.Error()), map[string]any{"message": err.Error()})
			return
		}
	}
	if !s.reserve() {
		w.Header().Set("Retry-After", "5")
		s.refuse(w, r, errAtCapacity, map[string]any{"name": "AT_CAPACITY"})
		return
	}
	id, err := s.sessionID(r)
	if err != nil {
		s.release()
		s.refuse(w, r, errBadRequest, map[string]any{"name": "ID_GENERATION_ERROR", "error": err})
		return
	}
	var ws *wsConn
	if transport == WebSocket {
		if ws, err = s.upgrade(w, r); err != nil {
			s.release()
			return
		}
	}
	c := &Conn{
		id:        id,
		srv:       s,
		req:       cloneRequest(r),
		transport: transport,
		flusher:   s.flusherFor(),
		eio3:      eio3,
		b64:       eio3 && b64,
	}
	if ws != nil {
		ws.eio3, ws.req = eio3, c.req
	}
	if transport == Polling {
		// Only polling GETs wait on wake. A session born on WebSocket never
		// polls, and an idle one is better off without the channel.
		c.wake = make(chan struct{}, 1)
	}
	c.pushLocked(frame{typ: packetOpen, data: s.openPacket(c.id, transport)})
	c.queued = len(c.queue[0].data) + 1
	// c is complete (queue, recv) before it is registered, where Shutdown
	// can close it, and before its WebSocket is attached, whose writer can
	// end it: both report to c.recv.
	c.recv = s.handler.ServeConn(c)
	c.startHeartbeat()
	if err := s.add(c); err != nil {
		reason, refusal, ctx := ReasonServerShutdown, errShuttingDown, map[string]any{"name": "SHUTTING_DOWN"}
		if err == errIDInUse { // GenerateID gave the id of a session opened meanwhile
			reason, refusal, ctx = ReasonForcedClose, errBadRequest, map[string]any{"name": "ID_GENERATION_ERROR", "error": err}
		}
		if ws != nil {
			s.report(r, refusal, ctx) // the 101 is out: the socket is closed
			ws.close()
		} else {
			s.refuse(w, r, refusal, ctx)
		}
		c.terminate(reason)
		return
	}
	s.opened(c)
	if ws != nil {
		c.mu.Lock()
		if c.state == stateClosed {
			c.mu.Unlock()
			ws.close()
			return
		}
		c.ws = ws
		c.kickLocked()
		c.mu.Unlock()
		go ws.readLoop(c)
		return
	}
	c.servePoll(w, r)
}

func (s *Server) openPacket(sid string, transport Transport) []byte {
	upgrades := []Transport{}
	if transport == Polling && !s.opts.DisableUpgrades && s.opts.allows(WebSocket) {
		upgrades = append(upgrades, WebSocket)
	}
	b, _ := json.Marshal(struct {
		SID          string      `json:"sid"`
		Upgrades     []Transport `json:"upgrades"`
		PingInterval int64       `json:"pingInterval"`
		PingTimeout  int64       `json:"pingTimeout"`
		MaxPayload   int         `json:"maxPayload"`
	}{sid, upgrades, s.opts.PingInterval.Milliseconds(), s.opts.PingTimeout.Milliseconds(), s.opts.MaxPayload})
	return b
}

// add registers c; it fails during Shutdown, and when c's id is taken.
func (s *Server) add(c *Conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.MaxConnections > 0 {
		s.pending-- // the place reserved by handshake
	}
	if s.closing {
		return ErrClosed
	}
	if _, taken := s.conns[c.id]; taken {
		return errIDInUse
	}
	s.conns[c.id] = c
	return nil
}

func (s *Server) remove(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.id] == c {
		delete(s.conns, c.id)
	}
	if s.closing && len(s.conns) == 0 {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

// Shutdown stops accepting new sessions, closes every connection with
// ReasonServerShutdown after flushing what is queued, and waits until all
// have closed or ctx is done; then it closes the rest at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	if len(s.conns) == 0 {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		if c.isClosed() {
			s.remove(c) // lingering after a client close
			continue
		}
		c.Close(ReasonServerShutdown)
	}
	select {
	case <-s.drained:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.terminate(ReasonServerShutdown)
		}
		return ctx.Err()
	}
}

// newID returns a random session id of 20 URL-safe characters.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// cloneRequest keeps what the application may look at later, without the
// body or the connection's context.
func cloneRequest(r *http.Request) *http.Request {
	// A shallow copy: net/http does not touch a request's header, URL or
	// cookies after its handler returned, and a deep copy is most of what an
	// idle connection would otherwise keep.
	c := r.WithContext(context.Background())
	c.Body = http.NoBody
	return c
}
