package socketio

import (
	"encoding/json"
	"slices"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// The listener API of a Socket, as Node's: several handlers per event,
// Once, removal of one handler (the function On returns) or of all of an
// event (Off), catch-all handlers (OnAny, PrependAny, OffAny), per-event
// middleware (Use) with its errors (OnError), and the disconnecting and
// disconnect hooks.
//
// Go functions cannot be compared, so where Node removes a listener by
// passing it again (socket.off(event, fn), offAny(fn)), the Go method that
// added it returns the function that removes it.

// eventHandler is one handler of one event name.
type eventHandler struct {
	event string
	fn    func(*Event)
	id    uint64
	once  bool
}

// anyHandler is one catch-all handler.
type anyHandler struct {
	fn func(*Event)
	id uint64
}

// On adds a handler of an event. An event's handlers run in the order they
// were added (Node's socket.on); the first Ack sent answers the client.
// The returned function removes this handler (Node's socket.off(event,
// fn)); calling it again does nothing.
func (s *Socket) On(event string, fn func(e *Event)) (off func()) {
	return s.addHandler(event, fn, false)
}

// Once adds a handler of an event that runs for the next such event only
// (Node's socket.once). The returned function removes it if it has not
// run.
func (s *Socket) Once(event string, fn func(e *Event)) (off func()) {
	return s.addHandler(event, fn, true)
}

func (s *Socket) addHandler(event string, fn func(*Event), once bool) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextListener++
	id := s.nextListener
	hs := make([]eventHandler, len(s.handlers), len(s.handlers)+1)
	copy(hs, s.handlers)
	s.handlers = append(hs, eventHandler{event: event, fn: fn, id: id, once: once})
	return func() { s.removeHandler(id) }
}

// removeHandler removes the handler id and reports whether it was there.
func (s *Socket) removeHandler(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.handlers, func(h eventHandler) bool { return h.id == id })
	if i < 0 {
		return false
	}
	s.handlers = slices.Delete(slices.Clone(s.handlers), i, i+1)
	return true
}

// Off removes every handler of event (Node's socket.removeAllListeners
// (event); one handler is removed by the function On returned).
func (s *Socket) Off(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.ContainsFunc(s.handlers, func(h eventHandler) bool { return h.event == event }) {
		return
	}
	s.handlers = slices.DeleteFunc(slices.Clone(s.handlers), func(h eventHandler) bool { return h.event == event })
}

// OnAny adds a handler called for every event the client sends, after the
// catch-all handlers added before it and before the middleware (Use) and
// the event's own handlers. The returned function removes it (Node's
// socket.offAny(fn)).
func (s *Socket) OnAny(fn func(e *Event)) (off func()) {
	return s.addAny(&s.anyHandlers, fn, false)
}

// PrependAny adds a catch-all handler, like OnAny, that runs before those
// already added.
func (s *Socket) PrependAny(fn func(e *Event)) (off func()) {
	return s.addAny(&s.anyHandlers, fn, true)
}

// OffAny removes every catch-all handler (Node's socket.offAny()).
func (s *Socket) OffAny() {
	s.mu.Lock()
	s.anyHandlers = nil
	s.mu.Unlock()
}

func (s *Socket) addAny(list *[]anyHandler, fn func(*Event), prepend bool) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextListener++
	id := s.nextListener
	h := anyHandler{fn: fn, id: id}
	hs := make([]anyHandler, 0, len(*list)+1)
	if prepend {
		hs = append(append(hs, h), *list...)
	} else {
		hs = append(append(hs, *list...), h)
	}
	*list = hs
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if i := slices.IndexFunc(*list, func(h anyHandler) bool { return h.id == id }); i >= 0 {
			*list = slices.Delete(slices.Clone(*list), i, i+1)
		}
	}
}

// OnAnyOutgoing adds a handler called for every event sent to the client
// (Node's socket.onAnyOutgoing): by Emit, EmitVolatile, EmitWithAck and by
// broadcasts that reach this socket, before it is queued. e.Name and
// e.Args are the event as sent (with its recovery offset, when it carries
// one); e.Ack does nothing. e's arguments share the encoded packet, which
// the handler must not modify. The returned function removes it.
// Handlers of outgoing events cost a broadcast nothing while no socket of
// the namespace has one.
func (s *Socket) OnAnyOutgoing(fn func(e *Event)) (off func()) {
	return s.addOutgoing(fn, false)
}

// PrependAnyOutgoing adds a handler of outgoing events, like
// OnAnyOutgoing, that runs before those already added.
func (s *Socket) PrependAnyOutgoing(fn func(e *Event)) (off func()) {
	return s.addOutgoing(fn, true)
}

// OffAnyOutgoing removes every handler of outgoing events (Node's
// socket.offAnyOutgoing()).
func (s *Socket) OffAnyOutgoing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outgoing = nil
	s.updateOutgoingLocked()
}

func (s *Socket) addOutgoing(fn func(*Event), prepend bool) func() {
	off := s.addAny(&s.outgoing, fn, prepend)
	s.mu.Lock()
	s.updateOutgoingLocked()
	s.mu.Unlock()
	return func() {
		off()
		s.mu.Lock()
		s.updateOutgoingLocked()
		s.mu.Unlock()
	}
}

// updateOutgoingLocked keeps hasOutgoing, and the namespace's count of
// sockets with outgoing handlers, in step with s.outgoing while the socket
// is connected (the count covers connected sockets only).
func (s *Socket) updateOutgoingLocked() {
	has := len(s.outgoing) > 0 && s.connected
	if has == s.hasOutgoing.Load() {
		return
	}
	s.hasOutgoing.Store(has)
	if has {
		s.nsp.outgoingSockets.Add(1)
	} else {
		s.nsp.outgoingSockets.Add(-1)
	}
}

// notifyOutgoing calls the handlers of outgoing events with p.
func (s *Socket) notifyOutgoing(p *parser.Packet) {
	if !s.hasOutgoing.Load() {
		return
	}
	s.mu.Lock()
	hs := s.outgoing
	s.mu.Unlock()
	if len(hs) == 0 {
		return
	}
	raw, err := parser.SplitArgs(p.Data)
	if err != nil || len(raw) == 0 {
		return
	}
	e := &Event{Name: decodeEventName(raw[0]), Args: Args{raw: raw[1:], attachments: p.Attachments}, socket: s}
	for _, h := range hs {
		h.fn(e)
	}
}

// Use adds a middleware that runs for every event the client sends, after
// the catch-all handlers and before the event's handlers (Node's
// socket.use). Middleware run in the order added; the first that returns
// an error stops the event: its handlers do not run, and the error goes
// to the OnError handlers.
func (s *Socket) Use(fn func(e *Event) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mw := make([]func(*Event) error, len(s.eventMiddleware), len(s.eventMiddleware)+1)
	copy(mw, s.eventMiddleware)
	s.eventMiddleware = append(mw, fn)
}

// OnError adds a handler of the errors of the socket's middleware (Node's
// socket.on("error")). Without one, such errors are logged at debug level.
func (s *Socket) OnError(fn func(err error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onError = append(slices.Clip(s.onError), fn)
}

// OnDisconnecting adds a handler called once when the socket disconnects,
// before it leaves its rooms (Node's "disconnecting"): Rooms still lists
// them. The OnDisconnect handlers run after, once it has left them.
func (s *Socket) OnDisconnecting(fn func(reason DisconnectReason)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onDisconnecting = append(s.onDisconnecting, fn)
}

// OnDisconnect adds a handler called once when the socket disconnects,
// after it has left its rooms (Node's "disconnect").
func (s *Socket) OnDisconnect(fn func(reason DisconnectReason)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onDisconnect = append(s.onDisconnect, fn)
}

// dispatch runs an incoming event through the catch-all handlers, the
// middleware and the event's handlers, as Node's socket does.
func (s *Socket) dispatch(e *Event, hs []eventHandler, anyh []anyHandler, mw []func(*Event) error) {
	for _, h := range anyh {
		h.fn(e)
	}
	for _, fn := range mw {
		if err := fn(e); err != nil {
			s.reportError(err)
			return
		}
	}
	for _, h := range hs {
		if h.event != e.Name {
			continue
		}
		if h.once && !s.removeHandler(h.id) {
			continue // a Once handler that already ran
		}
		h.fn(e)
	}
}

func (s *Socket) reportError(err error) {
	s.mu.Lock()
	fns := s.onError
	s.mu.Unlock()
	if len(fns) == 0 {
		s.nsp.server.opts.Logger.Debug("socketio: event refused by middleware", "sid", s.id, "err", err)
		return
	}
	for _, fn := range fns {
		fn(err)
	}
}

// handlerName returns the name of an event whose name is the JSON string
// lit when lit is a plain string (printable ASCII, no escapes) that some
// handler is registered for: then its name is the registered one, without
// decoding or allocating. ok is false otherwise, and the caller decodes
// the name.
func handlerName(hs []eventHandler, lit []byte) (name string, ok bool) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return "", false
	}
	b := lit[1 : len(lit)-1]
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '\\' || c == '"' {
			return "", false
		}
	}
	for _, h := range hs {
		if h.event == string(b) {
			return h.event, true
		}
	}
	return "", false
}

// decodeEventName decodes an event's name (a JSON string; the reference
// also accepts a number, kept as written). It is a function of its own so
// that the decoded string, which escapes to json.Unmarshal, is allocated
// only on this path.
func decodeEventName(lit []byte) string {
	var name string
	if err := json.Unmarshal(lit, &name); err != nil {
		return string(lit)
	}
	return name
}
