package socketio

import (
	"context"
	"errors"
)

// ErrNotFetched is returned by the methods of a RemoteSocket that
// FetchSockets did not return (one built by hand): it knows no namespace
// to reach the socket through.
var ErrNotFetched = errors.New("socketio: RemoteSocket not returned by FetchSockets")

// The methods of RemoteSocket reach the socket wherever it lives, as
// Node's RemoteSocket does: through a broadcast to the socket's own room,
// which the adapter carries to the other nodes (package redisadapter: the
// requests of Node's Redis adapter, so that a Node.js node's socket is
// reached too). On a socket that has disconnected since, they do nothing.

// operator returns the broadcast operator of the socket's own room.
func (r RemoteSocket) operator() *BroadcastOperator {
	if r.nsp == nil {
		return nil
	}
	return r.nsp.To(r.ID)
}

// Emit sends an event to the socket.
func (r RemoteSocket) Emit(event string, args ...any) error {
	op := r.operator()
	if op == nil {
		return ErrNotFetched
	}
	return op.Emit(event, args...)
}

// EmitWithAck sends an event to the socket and returns its ack, waiting
// until ctx is done (or, when ctx has no deadline, the server's
// AckTimeout passes): then the error is ErrAckTimeout. A socket that is
// no longer connected anywhere makes it ErrDisconnected.
func (r RemoteSocket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	op := r.operator()
	if op == nil {
		return Args{}, ErrNotFetched
	}
	if d := r.nsp.server.opts.AckTimeout; d > 0 {
		op = op.Timeout(d)
	}
	acks, err := op.EmitWithAck(ctx, event, args...)
	switch {
	case len(acks) > 0:
		return acks[0], nil
	case err != nil:
		return Args{}, err
	default:
		return Args{}, ErrDisconnected
	}
}

// Join makes the socket join rooms.
func (r RemoteSocket) Join(rooms ...string) {
	if op := r.operator(); op != nil {
		op.SocketsJoin(rooms...)
	}
}

// Leave makes the socket leave room.
func (r RemoteSocket) Leave(room string) {
	if op := r.operator(); op != nil {
		op.SocketsLeave(room)
	}
}

// Disconnect disconnects the socket; with close, its client's whole
// connection is closed.
func (r RemoteSocket) Disconnect(close bool) {
	if op := r.operator(); op != nil {
		op.DisconnectSockets(close)
	}
}
