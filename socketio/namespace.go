package socketio

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// Middleware runs when a client asks to join a namespace, before the
// socket is connected. A non-nil error refuses the client: it gets a
// connect_error whose message is the error's text (and whose data is
// ConnectError.Data when the error is a *ConnectError).
type Middleware func(s *Socket) error

// Namespace is a communication channel that multiplexes one connection:
// sockets join it, and events, rooms and broadcasts are scoped to it. A
// namespace made by OfMatch is a parent: its middleware and connection
// handlers serve the child namespaces it matches, and its broadcasts reach
// all of them.
type Namespace struct {
	name    string
	server  *Server
	adapter Adapter
	parent  *Namespace

	mu           sync.RWMutex
	sockets      map[string]*Socket
	middleware   []Middleware
	onConnection []func(*Socket)

	// outgoingSockets counts its sockets with OnAnyOutgoing handlers: a
	// broadcast looks at its sockets' handlers only when some have any.
	outgoingSockets atomic.Int64

	// CONNECTs in progress (counted for every namespace, read only for
	// the children of a parent: cleanup.go)
	holds   atomic.Int64
	deleted bool // under mu

	// parents only
	match    func(name string) bool
	children map[string]*Namespace

	// server-side event listeners (serverside.go), under mu
	serverSide   map[string][]serverSideListener
	serverSideID uint64
}

func newNamespace(s *Server, name string) *Namespace {
	n := &Namespace{name: name, server: s, sockets: make(map[string]*Socket)}
	n.adapter = s.opts.NewAdapter(n)
	return n
}

// Name returns the namespace's name, such as "/" or "/chat".
func (n *Namespace) Name() string { return n.name }

// Server returns the server the namespace belongs to.
func (n *Namespace) Server() *Server { return n.server }

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

// Use adds a middleware. Middleware runs in the order added.
func (n *Namespace) Use(m Middleware) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.middleware = append(n.middleware, m)
}

// OnConnection adds a handler called for each socket that connects, after
// the client was told it is connected. Register event handlers there.
func (n *Namespace) OnConnection(fn func(s *Socket)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.onConnection = append(n.onConnection, fn)
}

func (n *Namespace) handlers() ([]Middleware, []func(*Socket)) {
	n.mu.RLock()
	mw, onConn := n.middleware, n.onConnection
	n.mu.RUnlock()
	if p := n.parent; p != nil {
		p.mu.RLock()
		defer p.mu.RUnlock()
		return slices.Concat(p.middleware, mw), slices.Concat(p.onConnection, onConn)
	}
	return mw, onConn
}

// Socket returns the connected socket with the given id on this node, or
// nil.
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// Len returns the number of sockets connected to the namespace on this
// node (for a parent, to all its children).
func (n *Namespace) Len() int {
	if n.match != nil {
		total := 0
		for _, c := range n.childList() {
			total += c.Len()
		}
		return total
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.sockets)
}

func (n *Namespace) add(s *Socket) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sockets[s.id] = s
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
	n.cleanup()
}

func (n *Namespace) childList() []*Namespace {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Namespace, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, c)
	}
	return out
}

func (n *Namespace) op() *BroadcastOperator { return &BroadcastOperator{nsp: n} }

// To selects the sockets in any of rooms for a broadcast.
func (n *Namespace) To(rooms ...string) *BroadcastOperator { return n.op().To(rooms...) }

// In is the same as To.
func (n *Namespace) In(rooms ...string) *BroadcastOperator { return n.op().To(rooms...) }

// Except leaves out the sockets in any of rooms from a broadcast.
func (n *Namespace) Except(rooms ...string) *BroadcastOperator { return n.op().Except(rooms...) }

// Local limits a broadcast to this node.
func (n *Namespace) Local() *BroadcastOperator { return n.op().Local() }

// Volatile lets a broadcast drop the packet for clients that cannot take
// it at once.
func (n *Namespace) Volatile() *BroadcastOperator { return n.op().Volatile() }

// Unlogged starts a broadcast kept out of the recovery log
// (BroadcastOperator.Unlogged).
func (n *Namespace) Unlogged() *BroadcastOperator { return n.op().Unlogged() }

// Compress starts a broadcast that may (true, the default) or may not be
// compressed.
func (n *Namespace) Compress(compress bool) *BroadcastOperator { return n.op().Compress(compress) }

// Emit broadcasts an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error { return n.op().Emit(event, args...) }

// FetchSockets returns every socket of the namespace, across nodes.
func (n *Namespace) FetchSockets(ctx context.Context) ([]RemoteSocket, error) {
	return n.op().FetchSockets(ctx)
}

// DisconnectSockets disconnects every socket of the namespace.
func (n *Namespace) DisconnectSockets(close bool) { n.op().DisconnectSockets(close) }
