package socketio

import (
	"context"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// BroadcastOperator describes a broadcast: which sockets it reaches and
// how. Its methods return a new operator and leave the receiver unchanged,
// so an operator can be kept and reused.
type BroadcastOperator struct {
	nsp     *Namespace
	opts    BroadcastOptions
	timeout time.Duration
}

func (b *BroadcastOperator) clone() *BroadcastOperator {
	c := *b
	c.opts.Rooms = append([]string(nil), b.opts.Rooms...)
	c.opts.Except = append([]string(nil), b.opts.Except...)
	return &c
}

// To adds rooms: the broadcast reaches sockets in any of them.
func (b *BroadcastOperator) To(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.opts.Rooms = appendUnique(c.opts.Rooms, rooms)
	return c
}

// In is the same as To.
func (b *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return b.To(rooms...) }

// Except leaves out sockets in any of rooms.
func (b *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.opts.Except = appendUnique(c.opts.Except, rooms)
	return c
}

// Local limits the broadcast to this node.
func (b *BroadcastOperator) Local() *BroadcastOperator {
	c := b.clone()
	c.opts.Local = true
	return c
}

// Unlogged keeps the packet out of the connection state recovery log
// (BroadcastOptions.Unlogged): unlike Volatile, every selected client
// gets it, but one that reconnects does not get it again.
func (b *BroadcastOperator) Unlogged() *BroadcastOperator {
	c := b.clone()
	c.opts.Unlogged = true
	return c
}

// Volatile drops the packet for clients that cannot take it at once.
func (b *BroadcastOperator) Volatile() *BroadcastOperator {
	c := b.clone()
	c.opts.Volatile = true
	return c
}

// Compress sets whether the packet may be compressed (Node's
// compress(bool)); true is the default. With false it is sent
// uncompressed whatever the connection negotiated: see
// engineio.Message.Uncompressed.
func (b *BroadcastOperator) Compress(compress bool) *BroadcastOperator {
	c := b.clone()
	c.opts.Uncompressed = !compress
	return c
}

// Timeout sets how long EmitWithAck waits for acks when its context has no
// deadline.
func (b *BroadcastOperator) Timeout(d time.Duration) *BroadcastOperator {
	c := b.clone()
	c.timeout = d
	return c
}

func appendUnique(dst, add []string) []string {
next:
	for _, r := range add {
		for _, x := range dst {
			if x == r {
				continue next
			}
		}
		dst = append(dst, r)
	}
	return dst
}

// targets returns the namespaces a broadcast goes to: the namespace, or
// every child of a parent.
func (b *BroadcastOperator) targets() []*Namespace {
	if b.nsp.match != nil {
		return b.nsp.childList()
	}
	return []*Namespace{b.nsp}
}

// Emit sends an event to the selected sockets. The packet is encoded once
// per namespace; Emit never waits for a client.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	opts := b.stamped()
	for _, n := range b.targets() {
		p, err := eventPacket(n.name, event, args)
		if err != nil {
			return err
		}
		n.adapter.Broadcast(p, opts)
	}
	return nil
}

// EmitWithAck sends an event to the selected sockets and waits for each to
// ack, until ctx is done or the operator's Timeout passes. It returns the
// acks received; the error is ErrAckTimeout when some did not arrive.
func (b *BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if _, ok := ctx.Deadline(); !ok && b.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.timeout)
		defer cancel()
	}
	var (
		mu       sync.Mutex
		expected int
		counting = true // until every node has said how many it reached
		acks     []Args
		done     = make(chan struct{}, 1)
	)
	check := func() {
		if !counting && len(acks) >= expected {
			select {
			case done <- struct{}{}:
			default:
			}
		}
	}
	clients := func(n int) {
		mu.Lock()
		expected += n
		mu.Unlock()
	}
	ack := func(a Args) {
		mu.Lock()
		acks = append(acks, a)
		check()
		mu.Unlock()
	}
	for _, n := range b.targets() {
		p, err := eventPacket(n.name, event, args)
		if err != nil {
			return nil, err
		}
		n.adapter.BroadcastWithAck(ctx, p, &b.opts, clients, ack)
	}
	mu.Lock()
	counting = false
	check()
	mu.Unlock()
	select {
	case <-done:
		mu.Lock()
		defer mu.Unlock()
		return append([]Args(nil), acks...), nil
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		return append([]Args(nil), acks...), ErrAckTimeout
	}
}

// FetchSockets returns the selected sockets, across nodes.
func (b *BroadcastOperator) FetchSockets(ctx context.Context) ([]RemoteSocket, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var out []RemoteSocket
	for _, n := range b.targets() {
		s, err := n.adapter.FetchSockets(ctx, &b.opts)
		for i := range s {
			s[i].nsp = n
		}
		if err != nil {
			return append(out, s...), err
		}
		out = append(out, s...)
	}
	return out, nil
}

// SocketsJoin makes the selected sockets join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) {
	for _, n := range b.targets() {
		n.adapter.AddSockets(&b.opts, rooms)
	}
}

// SocketsLeave makes the selected sockets leave rooms.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) {
	for _, n := range b.targets() {
		n.adapter.DelSockets(&b.opts, rooms)
	}
}

// DisconnectSockets disconnects the selected sockets; with close, their
// whole connection is closed.
func (b *BroadcastOperator) DisconnectSockets(close bool) {
	for _, n := range b.targets() {
		n.adapter.DisconnectSockets(&b.opts, close)
	}
}

// eventPacket builds the EVENT packet of a broadcast.
func eventPacket(nsp, event string, args []any) (*parser.Packet, error) {
	if isReserved(event) {
		return nil, ErrReservedEvent
	}
	data, attachments, err := encodeEventData(event, args)
	if err != nil {
		return nil, err
	}
	t := parser.Event
	if len(attachments) > 0 {
		t = parser.BinaryEvent
	}
	return &parser.Packet{Type: t, Namespace: nsp, Data: data, Attachments: attachments}, nil
}
