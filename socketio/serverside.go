package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
)

// ServerSideAcker is implemented by an Adapter whose nodes can answer a
// server-side event (Node's serverSideEmitWithAck). The MemoryAdapter
// implements it (a single node has no other node to answer), and so does
// package redisadapter.
type ServerSideAcker interface {
	// ServerSideEmitWithAck sends an event to the other nodes and returns
	// the answer of each (the first argument of its acknowledgement), once
	// every node answered, or its own timeout passed, or ctx is done; the
	// error then wraps ErrAckTimeout.
	ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error)
}

var _ ServerSideAcker = (*MemoryAdapter)(nil)

// ErrNoServerSideAck is returned by Namespace.ServerSideEmitWithAck when
// the namespace's adapter does not implement ServerSideAcker.
var ErrNoServerSideAck = errors.New("socketio: the adapter does not support acknowledgements of server-side events")

// ErrParentNamespace is returned for what a parent namespace (OfMatch)
// cannot do on its own: server-side events are sent and received by each
// child namespace.
var ErrParentNamespace = errors.New("socketio: not supported on a parent namespace")

// serverSideReserved are the event names Node refuses for serverSideEmit.
var serverSideReserved = map[string]bool{"connect": true, "connection": true, "new_namespace": true}

// ServerSideEmit sends an event to the other nodes of the cluster, through
// the adapter, where the namespace's OnServerSideEmit listeners (or a
// Node.js node's io.on(event) listeners) get it; a single node has none.
// Arguments travel as JSON. The names connect, connection and
// new_namespace are reserved (ErrReservedEvent).
func (n *Namespace) ServerSideEmit(event string, args ...any) error {
	if serverSideReserved[event] {
		return ErrReservedEvent
	}
	if n.match != nil {
		return ErrParentNamespace
	}
	return n.adapter.ServerSideEmit(event, args)
}

// ServerSideEmitWithAck sends an event to the other nodes and returns the
// answer of each (what its listener passed to ServerEvent.Ack), until all
// answered, the adapter's request timeout passed or ctx is done; some
// answers missing make the error wrap ErrAckTimeout, with the answers that
// came. A single node gets no answer and no error.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	if serverSideReserved[event] {
		return nil, ErrReservedEvent
	}
	if n.match != nil {
		return nil, ErrParentNamespace
	}
	a, ok := n.adapter.(ServerSideAcker)
	if !ok {
		return nil, ErrNoServerSideAck
	}
	return a.ServerSideEmitWithAck(ctx, event, args...)
}

// OnServerSideEmit adds a listener of the server-side events named event
// that other nodes send on this namespace (Node's nsp.on(event) for
// events of serverSideEmit). Listeners run in the order added, on the
// adapter's receiving goroutine: one that takes long delays the node's
// other cluster messages. It returns the function that removes the
// listener.
func (n *Namespace) OnServerSideEmit(event string, fn func(e *ServerEvent)) (off func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.serverSideID++
	id := n.serverSideID
	if n.serverSide == nil {
		n.serverSide = make(map[string][]serverSideListener)
	}
	n.serverSide[event] = append(n.serverSide[event], serverSideListener{id: id, fn: fn})
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		list := n.serverSide[event]
		for i, l := range list {
			if l.id == id {
				n.serverSide[event] = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(n.serverSide[event]) == 0 {
			delete(n.serverSide, event)
		}
	}
}

type serverSideListener struct {
	id uint64
	fn func(e *ServerEvent)
}

// ReceiveServerSideEmit runs the namespace's OnServerSideEmit listeners of
// e.Name. A cluster adapter calls it with each event another node sent.
func (n *Namespace) ReceiveServerSideEmit(e *ServerEvent) {
	n.mu.RLock()
	list := n.serverSide[e.Name]
	n.mu.RUnlock()
	for _, l := range list {
		l.fn(e)
	}
}

// ServerEvent is an event another node sent with ServerSideEmit.
type ServerEvent struct {
	// Namespace is the namespace it was sent on.
	Namespace string
	// Name is the event's name.
	Name string
	// Args are its arguments, as JSON.
	Args Args

	ack  func(json.RawMessage)
	once sync.Once
}

// NewServerEvent returns the event named name with args, received on
// namespace; ack, nil when the sender waits for no answer, sends the
// answer back. A cluster adapter makes one per event it receives.
func NewServerEvent(namespace, name string, args Args, ack func(answer json.RawMessage)) *ServerEvent {
	return &ServerEvent{Namespace: namespace, Name: name, Args: args, ack: ack}
}

// HasAck reports whether the sender waits for an answer.
func (e *ServerEvent) HasAck() bool { return e.ack != nil }

// Ack answers the event with v (as JSON); only the first call counts
// (several listeners may get the event), and it does nothing when the
// sender asked for no answer.
func (e *ServerEvent) Ack(v any) error {
	if e.ack == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.once.Do(func() { e.ack(b) })
	return nil
}

// ServerSideEmitWithAck returns no answer: a single node has no other node.
func (a *MemoryAdapter) ServerSideEmitWithAck(context.Context, string, ...any) ([]json.RawMessage, error) {
	return nil, nil
}
