package socketio

import (
	"sync/atomic"
)

// Event is an event received from a client.
type Event struct {
	// Name is the event's name.
	Name string
	// Args are the arguments after the name.
	Args

	socket *Socket
	id     uint64
	hasID  bool
	acked  atomic.Bool
}

// Socket returns the socket the event came from.
func (e *Event) Socket() *Socket { return e.socket }

// HasAck reports whether the client waits for an ack.
func (e *Event) HasAck() bool { return e.hasID }

// Ack answers the event with args; only the first call sends anything.
// It does nothing when the client did not ask for an ack.
func (e *Event) Ack(args ...any) error {
	if !e.hasID || e.acked.Swap(true) {
		return nil
	}
	msgs, err := e.socket.nsp.server.encodeAck(e.socket.nsp.name, e.id, args)
	if err != nil {
		return err
	}
	return e.socket.client.send(msgs, false)
}

// Handle registers a typed handler of event on s: the event's first
// argument is decoded into a T, and what fn returns is sent as the ack
// when the client asked for one (a non-nil error is sent as
// {"error": "..."}). An argument that does not decode is answered with an
// error ack and fn is not called.
func Handle[T, R any](s *Socket, event string, fn func(s *Socket, v T) (R, error)) {
	s.On(event, func(e *Event) {
		var v T
		if e.Len() > 0 {
			if err := e.Decode(0, &v); err != nil {
				_ = e.Ack(errorAck{err.Error()})
				return
			}
		}
		r, err := fn(s, v)
		if err != nil {
			_ = e.Ack(errorAck{err.Error()})
			return
		}
		_ = e.Ack(r)
	})
}

type errorAck struct {
	Error string `json:"error"`
}
