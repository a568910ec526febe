package socketio

import (
	"context"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// BroadcastOptions selects the sockets a broadcast reaches.
type BroadcastOptions struct {
	// Rooms limits the broadcast to sockets in at least one of these rooms;
	// empty means every socket of the namespace.
	Rooms []string
	// Except leaves out sockets in any of these rooms.
	Except []string
	// Volatile drops the packet for sockets that cannot take it at once.
	Volatile bool
	// Local limits the broadcast to this node.
	Local bool
	// Unlogged keeps the packet out of the connection state recovery log:
	// it gets no offset, and a client that reconnects does not get it
	// again. For state that clients fetch again themselves after a
	// reconnection. Read by the broadcasting node only (which logs), so
	// not part of the cluster's wire format.
	Unlogged bool
	// Uncompressed sends the packet without compression (Node's
	// compress(false) flag): see engineio.Message.Uncompressed.
	Uncompressed bool

	// stamp is when the broadcast began (BroadcastOperator.Emit), set
	// only under Options.DeliveryLatency: delivery.go.
	stamp engineio.Stamp
}

// Selects reports whether a socket in rooms is one the broadcast reaches:
// in at least one of Rooms (any socket when Rooms is empty) and in none of
// Except. Cluster adapters use it to replay logged broadcasts.
func (o *BroadcastOptions) Selects(rooms []string) bool {
	in := func(list []string) bool {
		for _, r := range list {
			for _, x := range rooms {
				if r == x {
					return true
				}
			}
		}
		return false
	}
	if len(o.Rooms) > 0 && !in(o.Rooms) {
		return false
	}
	return !in(o.Except)
}

// Adapter keeps the rooms of one namespace and delivers broadcasts. The
// in-memory adapter (NewMemoryAdapter) serves a single node; a cluster
// adapter implements the same interface over a message bus, usually by
// wrapping a MemoryAdapter for the local part. Implementations must be
// safe for concurrent use.
type Adapter interface {
	// AddAll adds socket id to rooms.
	AddAll(id string, rooms []string)
	// Del removes socket id from room.
	Del(id, room string)
	// DelAll removes socket id from all its rooms.
	DelAll(id string)
	// Rooms returns the rooms of socket id (on this node).
	Rooms(id string) []string
	// Broadcast delivers p to the sockets opts selects.
	Broadcast(p *parser.Packet, opts *BroadcastOptions)
	// BroadcastWithAck delivers p with an ack id per client and reports
	// how many clients were reached (clients, once per node) and each ack
	// as it arrives, until ctx is done.
	BroadcastWithAck(ctx context.Context, p *parser.Packet, opts *BroadcastOptions, clients func(n int), ack func(Args))
	// FetchSockets returns the sockets opts selects, across nodes.
	FetchSockets(ctx context.Context, opts *BroadcastOptions) ([]RemoteSocket, error)
	// AddSockets makes the sockets opts selects join rooms.
	AddSockets(opts *BroadcastOptions, rooms []string)
	// DelSockets makes the sockets opts selects leave rooms.
	DelSockets(opts *BroadcastOptions, rooms []string)
	// DisconnectSockets disconnects the sockets opts selects.
	DisconnectSockets(opts *BroadcastOptions, close bool)
	// ServerSideEmit sends an event to the other nodes of the cluster; the
	// in-memory adapter has none.
	ServerSideEmit(event string, args []any) error
	// PersistSession keeps the state of a disconnected socket for recovery.
	PersistSession(s *Session)
	// RestoreSession returns the state kept for pid with the packets
	// broadcast since offset, or nil when it cannot be recovered.
	RestoreSession(pid, offset string) (*Session, error)
	// Close releases the adapter's resources.
	Close() error
}

// Session is the state of a disconnected socket kept for connection state
// recovery.
type Session struct {
	// SID is the socket id, PID the private id the client proves it with.
	SID, PID string
	// Rooms are the socket's rooms when it disconnected.
	Rooms []string
	// Data is the socket's Data.
	Data any
	// Missed are the packets the socket missed, filled by RestoreSession.
	Missed []*parser.Packet
	// LogEnd is the adapter's own position in its log of broadcasts when
	// RestoreSession filled Missed; a Rejoiner continues from it. Only the
	// adapter that set it knows what it means.
	LogEnd string
}

// Rejoiner is implemented by an Adapter that puts a recovered socket back
// in its rooms and collects the packets broadcast since RestoreSession in
// one step, so that none is lost or doubled: since is the Session's
// LogEnd, and send gets the packets after it that rooms select. send must
// be called once, before any later broadcast can reach the socket; it does
// not block. Without it, the socket joins its rooms with AddAll and gets
// only Session.Missed.
type Rejoiner interface {
	Rejoin(id string, rooms []string, since string, send func(since []*parser.Packet))
}

// SessionKeeper is implemented by an Adapter that stores the session of
// every connected socket while it is connected, not only when it
// disconnects (PersistSession), so that its client can recover on another
// node even when this one dies without a word. KeepSession is called once
// the connection handlers have run and again whenever the socket's rooms
// or data change; DropSession when the socket ends for good (a disconnect
// that allows no recovery). Neither may block for long.
type SessionKeeper interface {
	KeepSession(s *Session)
	DropSession(pid string)
}

// RemoteSocket describes a socket found by FetchSockets, on this node or
// another one: its state when it was fetched, and methods that reach it
// wherever it lives (remotesocket.go).
type RemoteSocket struct {
	ID        string
	Namespace string
	Handshake *Handshake
	Rooms     []string
	Data      any
	// Local is the socket itself when it lives on this node, else nil.
	Local *Socket

	nsp *Namespace // set by FetchSockets: the methods go through it
}
