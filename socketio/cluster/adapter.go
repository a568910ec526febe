package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Transport carries the messages of one namespace's Adapter to the other
// nodes. Publish must not wait for them (it queues), and drops what it
// cannot send.
type Transport interface {
	Publish(m *Message)
}

// Logger is what an Adapter logs to; *slog.Logger implements it.
type Logger interface {
	Debug(msg string, args ...any)
	Warn(msg string, args ...any)
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Warn(string, ...any)  {}

// Options configures an Adapter. The zero value of every field selects
// the default its comment gives (Node's); a nil *Options selects all
// defaults.
type Options struct {
	// HeartbeatInterval is how long the adapter may stay silent before it
	// sends a heartbeat. Default 5s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long another node may stay silent before it
	// is taken for gone: requests stop waiting for it. Default 10s.
	HeartbeatTimeout time.Duration
	// RequestsTimeout bounds the wait for the other nodes' answers
	// (FetchSockets, ServerSideEmitWithAck, the client counts of a
	// broadcast with acks). Default 5s.
	RequestsTimeout time.Duration
	// OnServerSideEmit receives every event other nodes send with
	// ServerSideEmit, before the namespace's listeners of its name
	// (socketio.Namespace.OnServerSideEmit). Default: none.
	OnServerSideEmit func(e *socketio.ServerEvent)
	// Logger receives diagnostics. Default: discard.
	Logger Logger
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 5 * time.Second
	}
	if c.HeartbeatTimeout <= 0 {
		c.HeartbeatTimeout = 10 * time.Second
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = nopLogger{}
	}
	return c
}

// ErrTimeout is returned by ServerSideEmitWithAck when some nodes did not
// answer in time. It wraps socketio.ErrAckTimeout.
var ErrTimeout = fmt.Errorf("cluster: nodes did not answer in time: %w", socketio.ErrAckTimeout)

// NewUID returns a random node id, as socket.io-adapter makes them (16
// hex digits).
func NewUID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Adapter is the socketio.Adapter of one namespace in a cluster: a
// socketio.MemoryAdapter for this node's sockets, and the messages of
// socket.io-adapter's ClusterAdapterWithHeartbeat, through a Transport,
// for the others. Its methods are safe for concurrent use.
type Adapter struct {
	nsp   *socketio.Namespace
	local *socketio.MemoryAdapter
	uid   string
	t     Transport
	opts  Options

	mu       sync.Mutex
	nodes    map[string]time.Time // the other nodes, by uid: when last heard
	requests map[string]*request  // this node's requests waiting for answers
	closed   bool
	hb       *time.Timer
	stop     chan struct{}
	done     chan struct{}

	closeOnce sync.Once
}

// request is a request of this node waiting for answers.
type request struct {
	typ     Type
	missing map[string]bool // the nodes that have not answered
	done    chan struct{}   // closed when none is missing
	sockets []socketio.RemoteSocket
	answers []json.RawMessage
	counts  chan int            // broadcast with acks
	ack     func(socketio.Args) // broadcast with acks
}

var (
	_ socketio.Adapter         = (*Adapter)(nil)
	_ socketio.ServerSideAcker = (*Adapter)(nil)
	_ socketio.Rejoiner        = (*Adapter)(nil)
	_ socketio.RoomEvents      = (*Adapter)(nil)
)

// NewAdapter returns the adapter of namespace nsp for the node uid
// (NewUID), sending through t. It sends nothing until Announce.
func NewAdapter(nsp *socketio.Namespace, uid string, t Transport, opts *Options) *Adapter {
	a := &Adapter{
		nsp:      nsp,
		local:    socketio.NewMemoryAdapter(nsp),
		uid:      uid,
		t:        t,
		opts:     opts.withDefaults(),
		nodes:    make(map[string]time.Time),
		requests: make(map[string]*request),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go a.expireNodes()
	return a
}

// UID returns the node's id, the uid of its messages.
func (a *Adapter) UID() string { return a.uid }

// Local returns the adapter of this node's sockets: an adapter built on
// this one delivers through it (MemoryAdapter.Deliver) what it logs for
// recovery itself.
func (a *Adapter) Local() *socketio.MemoryAdapter { return a.local }

// Namespace returns the adapter's namespace.
func (a *Adapter) Namespace() *socketio.Namespace { return a.nsp }

// Announce sends the initial heartbeat, to which the other nodes answer
// with theirs: call it once the transport receives the namespace's
// messages, and again when it may have lost some (after a reconnection).
func (a *Adapter) Announce() { a.publish(&Message{Type: InitialHeartbeat}) }

// ServerCount returns the number of nodes of the cluster known from their
// heartbeats, this one included (Node's serverCount).
func (a *Adapter) ServerCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return 1 + len(a.nodes)
}

// otherNodes returns the uids of the other nodes.
func (a *Adapter) otherNodes() map[string]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := make(map[string]bool, len(a.nodes))
	for uid := range a.nodes {
		m[uid] = true
	}
	return m
}

// publish sends m as this node's, and puts off the next heartbeat.
func (a *Adapter) publish(m *Message) {
	m.UID, m.Nsp = a.uid, a.nsp.Name()
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	if a.hb == nil {
		a.hb = time.AfterFunc(a.opts.HeartbeatInterval, func() { a.publish(&Message{Type: Heartbeat}) })
	} else {
		a.hb.Reset(a.opts.HeartbeatInterval)
	}
	a.mu.Unlock()
	a.t.Publish(m)
}

// expireNodes forgets, every second, the nodes silent for longer than
// HeartbeatTimeout.
func (a *Adapter) expireNodes() {
	defer close(a.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-a.stop:
			return
		case now := <-tick.C:
			var gone []string
			a.mu.Lock()
			for uid, seen := range a.nodes {
				if now.Sub(seen) > a.opts.HeartbeatTimeout {
					gone = append(gone, uid)
				}
			}
			a.mu.Unlock()
			for _, uid := range gone {
				a.opts.Logger.Warn("cluster: node seems down", "nsp", a.nsp.Name(), "uid", uid)
				a.removeNode(uid)
			}
		}
	}
}

// removeNode forgets node uid: no request waits for it any more.
func (a *Adapter) removeNode(uid string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.nodes, uid)
	for _, r := range a.requests {
		r.answered(uid)
	}
}

// answered notes that uid answered (or is gone); a.mu is held.
func (r *request) answered(uid string) {
	if r.missing == nil || !r.missing[uid] {
		return
	}
	delete(r.missing, uid)
	if len(r.missing) == 0 {
		close(r.done)
	}
}

// OnMessage handles a message the transport received: another node's
// (this node's own and other namespaces' are ignored). A message without
// namespace is taken for this one's: the transport's channel named it.
func (a *Adapter) OnMessage(m *Message) {
	if m.UID == a.uid || m.Nsp != "" && m.Nsp != a.nsp.Name() {
		return
	}
	if m.UID != "" && m.UID != EmitterUID {
		a.mu.Lock()
		if !a.closed {
			a.nodes[m.UID] = time.Now()
		}
		a.mu.Unlock()
	}
	var opts *socketio.BroadcastOptions
	if m.Opts != nil {
		opts = m.Opts.BroadcastOptions()
	}
	switch m.Type {
	case InitialHeartbeat:
		a.publish(&Message{Type: Heartbeat})
	case AdapterClose:
		a.removeNode(m.UID)
	case Broadcast:
		if m.Packet == nil || opts == nil {
			return
		}
		if m.RequestID != "" {
			a.onBroadcastWithAck(m, opts)
			return
		}
		a.local.Broadcast(m.Packet, opts)
	case SocketsJoin:
		if opts != nil {
			a.local.AddSockets(opts, m.Rooms)
		}
	case SocketsLeave:
		if opts != nil {
			a.local.DelSockets(opts, m.Rooms)
		}
	case DisconnectSockets:
		if opts != nil {
			a.local.DisconnectSockets(opts, m.Close)
		}
	case FetchSockets:
		if opts == nil || m.RequestID == "" {
			return
		}
		opts.Local = true
		sockets, _ := a.local.FetchSockets(context.Background(), opts)
		a.publish(&Message{Type: FetchSocketsResponse, RequestID: m.RequestID, Value: EncodeSockets(sockets)})
	case ServerSideEmit:
		a.onServerSideEmit(m)
	case FetchSocketsResponse, ServerSideEmitResponse, BroadcastClientCount, BroadcastAck:
		a.onResponse(m)
	}
}

// onBroadcastWithAck delivers another node's broadcast with acks and
// sends back the number of clients reached, then each client's ack.
func (a *Adapter) onBroadcastWithAck(m *Message, opts *socketio.BroadcastOptions) {
	timeout := a.opts.RequestsTimeout
	if t := m.Opts.Timeout; t > 0 {
		timeout = min(time.Duration(t)*time.Millisecond, 10*time.Minute)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	context.AfterFunc(ctx, cancel)
	id := m.RequestID
	a.local.BroadcastWithAck(ctx, m.Packet, opts, func(n int) {
		a.publish(&Message{Type: BroadcastClientCount, RequestID: id, ClientCount: n})
	}, func(args socketio.Args) {
		r := &Message{Type: BroadcastAck, RequestID: id}
		if args.Len() > 0 { // only the first argument crosses, as in Node
			r.Value, r.Attachments = args.Raw(0), args.Attachments()
		}
		a.publish(r)
	})
}

// onServerSideEmit hands another node's event to Options.OnServerSideEmit
// and the namespace's listeners; the first answer goes back.
func (a *Adapter) onServerSideEmit(m *Message) {
	var ack func(json.RawMessage)
	if m.RequestID != "" {
		id := m.RequestID
		ack = func(v json.RawMessage) {
			a.publish(&Message{Type: ServerSideEmitResponse, RequestID: id, Value: v})
		}
	}
	e, ok := ServerEventOf(a.nsp.Name(), m.Value, m.Attachments, ack)
	if !ok {
		return
	}
	if fn := a.opts.OnServerSideEmit; fn != nil {
		fn(e)
	}
	a.nsp.ReceiveServerSideEmit(e)
}

// onResponse hands an answer to the request of this node waiting for it.
func (a *Adapter) onResponse(m *Message) {
	a.mu.Lock()
	r := a.requests[m.RequestID]
	if r == nil {
		a.mu.Unlock()
		return
	}
	var ack func(socketio.Args)
	switch {
	case m.Type == BroadcastClientCount && r.typ == Broadcast:
		select {
		case r.counts <- m.ClientCount:
		default:
		}
	case m.Type == BroadcastAck && r.typ == Broadcast:
		ack = r.ack
	case m.Type == FetchSocketsResponse && r.typ == FetchSockets:
		r.sockets = append(r.sockets, DecodeSockets(a.nsp.Name(), m.Value)...)
		r.answered(m.UID)
	case m.Type == ServerSideEmitResponse && r.typ == ServerSideEmit:
		v := m.Value
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		r.answers = append(r.answers, v)
		r.answered(m.UID)
	}
	a.mu.Unlock()
	if ack != nil {
		var args socketio.Args
		if len(m.Value) > 0 {
			args = socketio.NewArgs([]json.RawMessage{m.Value}, m.Attachments)
		}
		ack(args)
	}
}

// newRequest registers a request waiting for the answers of the other
// nodes; it returns nil when there is none.
func (a *Adapter) newRequest(typ Type) (string, *request) {
	missing := a.otherNodes()
	if len(missing) == 0 {
		return "", nil
	}
	id := NewUID()
	r := &request{typ: typ, missing: missing, done: make(chan struct{})}
	a.mu.Lock()
	a.requests[id] = r
	a.mu.Unlock()
	return id, r
}

func (a *Adapter) dropRequest(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.requests, id)
}

// wait waits until every node answered r, RequestsTimeout passed or ctx
// is done; it reports whether all answered.
func (a *Adapter) wait(ctx context.Context, r *request, what string) bool {
	timer := time.NewTimer(a.opts.RequestsTimeout)
	defer timer.Stop()
	select {
	case <-r.done:
		return true
	case <-timer.C:
	case <-ctx.Done():
	}
	a.mu.Lock()
	missing := len(r.missing)
	a.mu.Unlock()
	a.opts.Logger.Warn("cluster: nodes did not answer in time", "request", what, "nsp", a.nsp.Name(), "missing", missing)
	return missing == 0
}

// AddAll adds socket id to rooms.
func (a *Adapter) AddAll(id string, rooms []string) { a.local.AddAll(id, rooms) }

// Del removes socket id from room.
func (a *Adapter) Del(id, room string) { a.local.Del(id, room) }

// DelAll removes socket id from all its rooms.
func (a *Adapter) DelAll(id string) { a.local.DelAll(id) }

// Rooms returns the rooms of socket id, on this node.
func (a *Adapter) Rooms(id string) []string { return a.local.Rooms(id) }

// Broadcast sends p to the other nodes (unless opts.Local) and delivers
// it to this node's sockets.
func (a *Adapter) Broadcast(p *parser.Packet, opts *socketio.BroadcastOptions) {
	if !opts.Local {
		a.publish(&Message{Type: Broadcast, Packet: p, Opts: OptsOf(opts, 0)})
	}
	a.local.Broadcast(p, opts)
}

// BroadcastWithAck delivers p here and on the other nodes; it returns once
// every node has said how many clients it reached (or RequestsTimeout
// passed), and acks go on arriving until ctx is done. Only a client's
// first ack argument crosses nodes, as in Node.
func (a *Adapter) BroadcastWithAck(ctx context.Context, p *parser.Packet, opts *socketio.BroadcastOptions, clients func(int), ack func(socketio.Args)) {
	nodes := a.ServerCount() - 1
	if opts.Local || nodes == 0 {
		a.local.BroadcastWithAck(ctx, p, opts, clients, ack)
		return
	}
	timeout := a.opts.RequestsTimeout.Milliseconds()
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d).Milliseconds(), 1)
	}
	id := NewUID()
	r := &request{typ: Broadcast, counts: make(chan int, nodes), ack: ack}
	a.mu.Lock()
	a.requests[id] = r
	a.mu.Unlock()
	context.AfterFunc(ctx, func() { a.dropRequest(id) })
	a.publish(&Message{Type: Broadcast, Packet: p, Opts: OptsOf(opts, timeout), RequestID: id})
	a.local.BroadcastWithAck(ctx, p, opts, clients, ack)
	timer := time.NewTimer(a.opts.RequestsTimeout)
	defer timer.Stop()
	for got := 0; got < nodes; got++ {
		select {
		case n := <-r.counts:
			clients(n)
		case <-timer.C:
			a.opts.Logger.Warn("cluster: nodes did not report their clients in time", "nsp", a.nsp.Name(), "missing", nodes-got)
			return
		case <-ctx.Done():
			return
		}
	}
}

// FetchSockets returns the sockets opts selects on every node. A node that
// does not answer within RequestsTimeout is left out (and logged).
func (a *Adapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]socketio.RemoteSocket, error) {
	lo := *opts
	lo.Local = true
	out, err := a.local.FetchSockets(ctx, &lo)
	if err != nil || opts.Local {
		return out, err
	}
	id, r := a.newRequest(FetchSockets)
	if r == nil {
		return out, nil
	}
	defer a.dropRequest(id)
	a.publish(&Message{Type: FetchSockets, RequestID: id, Opts: OptsOf(opts, 0)})
	a.wait(ctx, r, "fetchSockets")
	a.mu.Lock()
	out = append(out, r.sockets...)
	a.mu.Unlock()
	return out, nil
}

// AddSockets makes the sockets opts selects, on every node, join rooms.
func (a *Adapter) AddSockets(opts *socketio.BroadcastOptions, rooms []string) {
	if !opts.Local {
		a.publish(&Message{Type: SocketsJoin, Opts: OptsOf(opts, 0), Rooms: rooms})
	}
	a.local.AddSockets(opts, rooms)
}

// DelSockets makes the sockets opts selects, on every node, leave rooms.
func (a *Adapter) DelSockets(opts *socketio.BroadcastOptions, rooms []string) {
	if !opts.Local {
		a.publish(&Message{Type: SocketsLeave, Opts: OptsOf(opts, 0), Rooms: rooms})
	}
	a.local.DelSockets(opts, rooms)
}

// DisconnectSockets disconnects the sockets opts selects, on every node.
func (a *Adapter) DisconnectSockets(opts *socketio.BroadcastOptions, close bool) {
	if !opts.Local {
		a.publish(&Message{Type: DisconnectSockets, Opts: OptsOf(opts, 0), Close: close})
	}
	a.local.DisconnectSockets(opts, close)
}

// ServerSideEmit sends an event to the other nodes, where the namespace's
// listeners get it (socketio.Namespace.OnServerSideEmit on Go nodes,
// io.on(event) on Node.js nodes). Arguments travel as JSON.
func (a *Adapter) ServerSideEmit(event string, args []any) error {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return err
	}
	a.publish(&Message{Type: ServerSideEmit, Value: data})
	return nil
}

// ServerSideEmitWithAck sends an event to the other nodes and returns each
// node's answer, until every node answered, RequestsTimeout passed or ctx
// is done; a node that did not answer in time makes the error ErrTimeout.
func (a *Adapter) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return nil, err
	}
	id, r := a.newRequest(ServerSideEmit)
	if r == nil {
		return nil, nil
	}
	defer a.dropRequest(id)
	a.publish(&Message{Type: ServerSideEmit, RequestID: id, Value: data})
	all := a.wait(ctx, r, "serverSideEmit")
	a.mu.Lock()
	out := append([]json.RawMessage(nil), r.answers...)
	a.mu.Unlock()
	if !all {
		return out, ErrTimeout
	}
	return out, nil
}

// PersistSession keeps the session of a disconnected socket on this node
// (connection state recovery on the same node).
func (a *Adapter) PersistSession(s *socketio.Session) { a.local.PersistSession(s) }

// RestoreSession returns the session kept on this node for pid with the
// packets broadcast since offset, or nil.
func (a *Adapter) RestoreSession(pid, offset string) (*socketio.Session, error) {
	return a.local.RestoreSession(pid, offset)
}

// Rejoin puts a recovered socket back in its rooms with the packets it
// missed (socketio.Rejoiner).
func (a *Adapter) Rejoin(id string, rooms []string, since string, send func([]*parser.Packet)) {
	a.local.Rejoin(id, rooms, since, send)
}

// OnCreateRoom adds a listener called when a room gets its first socket
// on this node (the room events are this node's, as in Node).
func (a *Adapter) OnCreateRoom(fn func(room string)) (off func()) { return a.local.OnCreateRoom(fn) }

// OnDeleteRoom adds a listener called when a room loses its last socket
// on this node.
func (a *Adapter) OnDeleteRoom(fn func(room string)) (off func()) { return a.local.OnDeleteRoom(fn) }

// OnJoinRoom adds a listener called when socket id of this node joins a
// room, whichever node asked it to.
func (a *Adapter) OnJoinRoom(fn func(room, id string)) (off func()) { return a.local.OnJoinRoom(fn) }

// OnLeaveRoom adds a listener called when socket id of this node leaves a
// room, whichever node asked it to, or disconnects.
func (a *Adapter) OnLeaveRoom(fn func(room, id string)) (off func()) { return a.local.OnLeaveRoom(fn) }

// Close tells the other nodes that this one leaves the namespace
// (ADAPTER_CLOSE), stops its heartbeats and forgets its requests.
func (a *Adapter) Close() error {
	var err error
	a.closeOnce.Do(func() {
		a.publish(&Message{Type: AdapterClose})
		a.mu.Lock()
		a.closed = true
		if a.hb != nil {
			a.hb.Stop()
		}
		for id, r := range a.requests {
			for uid := range r.missing {
				r.answered(uid)
			}
			delete(a.requests, id)
		}
		a.mu.Unlock()
		close(a.stop)
		<-a.done
		err = a.local.Close()
	})
	return err
}
