package socketio

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Handshake describes how a socket connected.
type Handshake struct {
	// Request is the Engine.IO handshake request (headers, cookies, URL,
	// RemoteAddr). Its body has been consumed.
	Request *http.Request
	// Header is Request.Header.
	Header http.Header
	// Query is the handshake's query string.
	Query url.Values
	// Auth is the CONNECT payload (socket.io-client's auth option) as raw
	// JSON, "{}" when the client sent none.
	Auth json.RawMessage
	// Address is the client's remote address.
	Address string
	// Time is when the socket connected.
	Time time.Time
}

// Socket is one client's membership of one namespace. Its methods are safe
// for concurrent use. Handlers registered with On run one at a time, in the
// order the client sent the events.
type Socket struct {
	id        string
	pid       string
	nsp       *Namespace
	client    *client
	handshake *Handshake
	recovered bool

	mu        sync.Mutex
	connected bool
	// The listeners (listeners.go). The slices are copy-on-write: a change
	// makes a new one, so a dispatch ranges over its copy without the lock.
	handlers        []eventHandler // a few per socket: a slice is smaller than a map
	anyHandlers     []anyHandler
	outgoing        []anyHandler
	eventMiddleware []func(*Event) error
	onError         []func(error)
	nextListener    uint64 // ids of handlers, for their removal
	onDisconnecting []func(DisconnectReason)
	onDisconnect    []func(DisconnectReason)
	hasOutgoing     atomic.Bool // outgoing is not empty (and counted by nsp)
	acks            map[uint64]func(Args, error)
	nextAck         uint64
	data            any
	added           bool     // added to its namespace: rooms go to the adapter
	joining         []string // rooms joined before (by middleware)
	keeping         bool     // its session is with a SessionKeeper adapter
}

// ID returns the socket's id, which is also the name of its own room.
func (s *Socket) ID() string { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns how the socket connected.
func (s *Socket) Handshake() *Handshake { return s.handshake }

// Recovered reports whether the socket got its state back through
// connection state recovery.
func (s *Socket) Recovered() bool { return s.recovered }

// Conn returns the socket's Engine.IO connection.
func (s *Socket) Conn() *engineio.Conn { return s.client.conn }

// Connected reports whether the socket is still connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Data returns the application's data attached to the socket.
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// SetData attaches the application's data to the socket; it is kept across
// connection state recovery.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
	s.keepSession()
}

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...string) {
	s.mu.Lock()
	if !s.added {
		s.joining = appendUnique(s.joining, rooms)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.nsp.adapter.AddAll(s.id, rooms)
	s.keepSession()
}

// Leave removes the socket from room.
func (s *Socket) Leave(room string) {
	s.mu.Lock()
	if !s.added {
		s.joining = slices.DeleteFunc(s.joining, func(r string) bool { return r == room })
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.nsp.adapter.Del(s.id, room)
	s.keepSession()
}

// startKeeping hands the socket's session to a SessionKeeper adapter,
// once the connection handlers have run, and again at every change.
func (s *Socket) startKeeping() {
	if _, ok := s.nsp.adapter.(SessionKeeper); !ok || s.pid == "" {
		return
	}
	s.mu.Lock()
	s.keeping = s.connected
	s.mu.Unlock()
	s.keepSession()
}

// keepSession gives a SessionKeeper adapter the socket's current session.
func (s *Socket) keepSession() {
	s.mu.Lock()
	keeping, data := s.keeping && s.connected, s.data
	s.mu.Unlock()
	if !keeping {
		return
	}
	if k, ok := s.nsp.adapter.(SessionKeeper); ok {
		k.KeepSession(&Session{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: data})
	}
}

// Rooms returns the socket's rooms, its own included.
func (s *Socket) Rooms() []string { return s.nsp.adapter.Rooms(s.id) }

// To starts a broadcast to rooms that leaves out this socket.
func (s *Socket) To(rooms ...string) *BroadcastOperator {
	return s.nsp.op().To(rooms...).Except(s.id)
}

// Broadcast starts a broadcast to every other socket of the namespace.
func (s *Socket) Broadcast() *BroadcastOperator { return s.nsp.op().Except(s.id) }

// Emit sends an event to the client. It never blocks on the network.
func (s *Socket) Emit(event string, args ...any) error {
	p, err := eventPacket(s.nsp.name, event, args)
	if err != nil {
		return err
	}
	if s.nsp.server.opts.Recovery != nil {
		// Through the adapter, so that the event carries an offset and is
		// kept for recovery, as the reference server does.
		s.nsp.adapter.Broadcast(p, &BroadcastOptions{Rooms: []string{s.id}})
		return nil
	}
	msgs, err := s.nsp.server.messages(p)
	if err != nil {
		return err
	}
	s.notifyOutgoing(p)
	return s.client.send(msgs, false)
}

// EmitVolatile sends an event unless the client cannot take it at once.
func (s *Socket) EmitVolatile(event string, args ...any) error {
	p, err := eventPacket(s.nsp.name, event, args)
	if err != nil {
		return err
	}
	msgs, err := s.nsp.server.messages(p)
	if err != nil {
		return err
	}
	s.notifyOutgoing(p)
	return s.client.send(msgs, true)
}

// EmitWithAck sends an event and waits for the client's ack, until ctx is
// done (or Options.AckTimeout passes, when ctx has no deadline).
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if _, ok := ctx.Deadline(); !ok && s.nsp.server.opts.AckTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.nsp.server.opts.AckTimeout)
		defer cancel()
	}
	p, err := eventPacket(s.nsp.name, event, args)
	if err != nil {
		return Args{}, err
	}
	type result struct {
		args Args
		err  error
	}
	ch := make(chan result, 1)
	id, ok := s.registerAck(func(a Args, err error) { ch <- result{a, err} })
	if !ok {
		return Args{}, ErrDisconnected
	}
	p.ID, p.HasID = id, true
	msgs, err := s.nsp.server.messages(p)
	if err != nil {
		s.cancelAck(id)
		return Args{}, err
	}
	s.notifyOutgoing(p)
	if err := s.client.send(msgs, false); err != nil {
		s.cancelAck(id)
		return Args{}, err
	}
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		s.cancelAck(id)
		return Args{}, ErrAckTimeout
	}
}

func (s *Socket) registerAck(fn func(Args, error)) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected {
		return 0, false
	}
	if s.acks == nil {
		s.acks = make(map[uint64]func(Args, error))
	}
	id := s.nextAck
	s.nextAck++
	s.acks[id] = fn
	return id, true
}

func (s *Socket) cancelAck(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.acks, id)
}

// sendWithAck sends p with an ack id of this socket; ack gets the answer.
// It returns the ack id, and false when the socket is disconnected.
func (s *Socket) sendWithAck(p *parser.Packet, volatile bool, ack func(Args)) (uint64, bool) {
	id, ok := s.registerAck(func(a Args, err error) {
		if err == nil {
			ack(a)
		}
	})
	if !ok {
		return 0, false
	}
	q := *p
	q.ID, q.HasID = id, true
	msgs, err := s.nsp.server.messages(&q)
	if err != nil {
		s.cancelAck(id)
		s.nsp.server.opts.Logger.Warn("socketio: encode packet", "sid", s.id, "err", err)
		return 0, false
	}
	s.notifyOutgoing(&q)
	_ = s.client.send(msgs, volatile)
	return id, true
}

// Disconnect disconnects the socket from its namespace; with close, the
// client's whole connection (all its namespaces) is closed.
func (s *Socket) Disconnect(close bool) {
	if close {
		s.client.disconnectAll()
		return
	}
	if !s.Connected() {
		return
	}
	s.client.sendPacket(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp.name})
	s.onClose(ReasonServerDisconnect)
}

// onPacket handles a packet for this socket.
func (s *Socket) onPacket(p *parser.Packet) error {
	switch p.Type {
	case parser.Event, parser.BinaryEvent:
		return s.onEvent(p)
	case parser.Ack, parser.BinaryAck:
		return s.onAck(p)
	case parser.Disconnect:
		s.onClose(ReasonClientDisconnect)
	default: // CONNECT_ERROR: only the server sends it
		return errProtocol
	}
	return nil
}

func (s *Socket) onEvent(p *parser.Packet) error {
	raw, err := parser.SplitArgs(p.Data)
	if err != nil || len(raw) == 0 {
		return parser.ErrInvalidPacket
	}
	s.mu.Lock()
	hs, anyh, mw := s.handlers, s.anyHandlers, s.eventMiddleware
	s.mu.Unlock()
	name, ok := handlerName(hs, raw[0])
	if !ok {
		name = decodeEventName(raw[0])
	}
	e := &Event{Name: name, Args: Args{raw: raw[1:], attachments: p.Attachments}, socket: s, id: p.ID, hasID: p.HasID}
	s.dispatch(e, hs, anyh, mw)
	return nil
}

func (s *Socket) onAck(p *parser.Packet) error {
	raw, err := parser.SplitArgs(p.Data)
	if err != nil {
		return err
	}
	s.mu.Lock()
	fn := s.acks[p.ID]
	delete(s.acks, p.ID)
	s.mu.Unlock()
	if fn != nil {
		fn(Args{raw: raw, attachments: p.Attachments}, nil)
	}
	return nil
}

// onClose ends the socket: state kept for recovery where the reason
// allows, rooms left, pending acks failed, handlers told.
func (s *Socket) onClose(reason DisconnectReason) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return
	}
	s.connected = false
	acks := s.acks
	s.acks = nil
	disconnecting, handlers := s.onDisconnecting, s.onDisconnect
	keeping := s.keeping
	s.keeping = false
	s.updateOutgoingLocked() // not connected: uncounted
	s.mu.Unlock()

	// Node's "disconnecting": still in its rooms (the handlers may leave
	// some, or change Data, before the session is kept).
	for _, fn := range disconnecting {
		fn(reason)
	}
	data := s.Data()

	if s.nsp.server.opts.Recovery != nil && reason.Recoverable() {
		s.nsp.adapter.PersistSession(&Session{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: data})
	} else if k, ok := s.nsp.adapter.(SessionKeeper); ok && keeping {
		k.DropSession(s.pid)
	}
	s.nsp.adapter.DelAll(s.id)
	s.nsp.remove(s)
	s.client.removeSocket(s)
	for _, fn := range acks {
		fn(Args{}, ErrDisconnected)
	}
	for _, fn := range handlers {
		fn(reason)
	}
}
