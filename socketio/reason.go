package socketio

import (
	"errors"

	"github.com/kin-comms/kinrt/engineio"
)

// DisconnectReason says why a socket left its namespace. The values are
// the reference server's.
type DisconnectReason string

// The reasons a socket disconnects.
const (
	// ReasonServerDisconnect: the server called Socket.Disconnect.
	ReasonServerDisconnect DisconnectReason = "server namespace disconnect"
	// ReasonClientDisconnect: the client left the namespace.
	ReasonClientDisconnect DisconnectReason = "client namespace disconnect"
	// ReasonServerShutdown: the server is shutting down.
	ReasonServerShutdown DisconnectReason = "server shutting down"
	// ReasonTransportClose: the connection was closed by the client or the
	// network.
	ReasonTransportClose DisconnectReason = "transport close"
	// ReasonTransportError: the connection failed.
	ReasonTransportError DisconnectReason = "transport error"
	// ReasonPingTimeout: the client stopped answering pings.
	ReasonPingTimeout DisconnectReason = "ping timeout"
	// ReasonParseError: the client sent a packet that could not be decoded.
	ReasonParseError DisconnectReason = "parse error"
	// ReasonForcedClose: the connection was closed by the server.
	ReasonForcedClose DisconnectReason = "forced close"
	// ReasonForcedServerClose: the Engine.IO connection was closed because
	// of a server-side Disconnect(true) on another namespace.
	ReasonForcedServerClose DisconnectReason = "forced server close"
	// ReasonSlowConsumer: the client did not read fast enough and its
	// queue overflowed.
	ReasonSlowConsumer DisconnectReason = "slow consumer"
)

// Recoverable reports whether a socket that disconnected for this reason
// may recover its state when connection state recovery is on.
func (r DisconnectReason) Recoverable() bool {
	switch r {
	case ReasonTransportClose, ReasonTransportError, ReasonPingTimeout,
		ReasonForcedClose, ReasonServerShutdown, ReasonForcedServerClose, ReasonSlowConsumer:
		return true
	}
	return false
}

func reasonOf(r engineio.CloseReason) DisconnectReason {
	return DisconnectReason(r)
}

// ConnectError refuses a connection from a middleware: the client's
// connect_error gets Message and Data.
type ConnectError struct {
	Message string
	Data    any
}

// Error returns the message.
func (e *ConnectError) Error() string { return e.Message }

// Errors of emits and acks.
var (
	// ErrAckTimeout is returned when acks did not arrive in time.
	ErrAckTimeout = errors.New("socketio: operation has timed out")
	// ErrDisconnected is returned for an ack that can no longer arrive
	// because the socket disconnected.
	ErrDisconnected = errors.New("socketio: socket disconnected")
	// ErrReservedEvent is returned when emitting an event name the protocol
	// reserves (connect, connect_error, disconnect, disconnecting,
	// newListener, removeListener).
	ErrReservedEvent = errors.New("socketio: reserved event name")
)
