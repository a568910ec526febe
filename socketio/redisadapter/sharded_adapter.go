package redisadapter

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// ShardedAdapter is the socketio.Adapter of one namespace on a
// ShardedNode: a socketio.MemoryAdapter for this node's sockets, and
// Redis sharded pub/sub for the others. It listens on "<key>#<nsp>#", on
// its own "<key>#<nsp>#<uid>#" for answers and, in the dynamic modes, on
// "<key>#<nsp>#<room>#" for each room with a socket here.
type ShardedAdapter struct {
	node            *ShardedNode
	nsp             *socketio.Namespace
	local           *socketio.MemoryAdapter
	channel         string
	responseChannel string
	rec             *shardedRecovery // nil when recovery is off
	sessions        *sessions        // nil when recovery is off (keep.go)

	roomMu sync.Mutex
	roomCh map[string]bool // rooms whose channel this node listens on

	pendingRequests // requests waiting for answers

	closeOnce sync.Once
}

var (
	_ socketio.Adapter         = (*ShardedAdapter)(nil)
	_ socketio.Rejoiner        = (*ShardedAdapter)(nil)
	_ socketio.ServerSideAcker = (*ShardedAdapter)(nil)
)

func newShardedAdapter(n *ShardedNode, nsp *socketio.Namespace) *ShardedAdapter {
	ch := n.opts.Key + "#" + nsp.Name() + "#"
	a := &ShardedAdapter{
		node:            n,
		nsp:             nsp,
		local:           socketio.NewMemoryAdapter(nsp),
		channel:         ch,
		responseChannel: ch + n.uid + "#",
		roomCh:          make(map[string]bool),
	}
	if r := nsp.Server().RecoveryOptions(); r != nil {
		a.rec = newShardedRecovery(n, nsp.Name(), r)
		// The live keys share the namespace's hash tag, so that the take
		// script, which reads the live key of the session's node, stays in
		// one slot.
		a.sessions = newSessions(a.rec.rec, n.uid, "{"+n.opts.Key+"#"+nsp.Name()+"#}-node#", n.opts.Logger, nsp.Name())
	}
	return a
}

// Node returns the node the adapter belongs to.
func (a *ShardedAdapter) Node() *ShardedNode { return a.node }

// roomChannel is the channel of a room of its own.
func (a *ShardedAdapter) roomChannel(room string) string { return a.channel + room + "#" }

// ownChannel reports whether the node listens on a channel of room's own
// while it has sockets in it: in the dynamic modes, for public rooms (not
// a socket's own, id) or, in DynamicPrivate, all.
func (a *ShardedAdapter) ownChannel(room, id string) bool {
	switch a.node.opts.SubscriptionMode {
	case Dynamic:
		return room != id
	case DynamicPrivate:
		return true
	}
	return false
}

// AddAll adds socket id to rooms, listening on the channels of the rooms
// it creates here.
func (a *ShardedAdapter) AddAll(id string, rooms []string) {
	a.addAllLater(id, rooms)()
}

// addAllLater is AddAll, returning the function that runs the room event
// listeners of the change (Rejoin calls it after releasing its lock).
func (a *ShardedAdapter) addAllLater(id string, rooms []string) (notify func()) {
	var created []string
	for _, r := range rooms {
		if a.ownChannel(r, id) && a.local.RoomSize(r) == 0 {
			created = append(created, r)
		}
	}
	notify = a.local.AddAllLater(id, rooms)
	a.listen(created)
	return notify
}

// Del removes socket id from room.
func (a *ShardedAdapter) Del(id, room string) {
	a.local.Del(id, room)
	a.unlistenEmpty([]string{room})
}

// DelAll removes socket id from all its rooms.
func (a *ShardedAdapter) DelAll(id string) {
	rooms := a.local.Rooms(id)
	a.local.DelAll(id)
	a.unlistenEmpty(rooms)
}

// listen subscribes the channels of rooms not listened to yet.
func (a *ShardedAdapter) listen(rooms []string) {
	var chans []string
	a.roomMu.Lock()
	for _, r := range rooms {
		if !a.roomCh[r] {
			a.roomCh[r] = true
			chans = append(chans, a.roomChannel(r))
		}
	}
	a.roomMu.Unlock()
	if len(chans) > 0 {
		a.node.subscribe(a, chans...)
	}
}

// unlistenEmpty unsubscribes the channels of rooms left empty.
func (a *ShardedAdapter) unlistenEmpty(rooms []string) {
	var chans []string
	a.roomMu.Lock()
	for _, r := range rooms {
		if a.roomCh[r] && a.local.RoomSize(r) == 0 {
			delete(a.roomCh, r)
			chans = append(chans, a.roomChannel(r))
		}
	}
	a.roomMu.Unlock()
	if len(chans) > 0 {
		a.node.unsubscribe(chans...)
	}
}

// Rooms returns the rooms of socket id, on this node.
func (a *ShardedAdapter) Rooms(id string) []string { return a.local.Rooms(id) }

// Broadcast delivers p to this node's sockets and publishes it for the
// others (unless opts.Local). With recovery on, a non-volatile event
// without ack is appended to the namespace's stream and published in one
// step (sharded_recovery.go), and delivered here when it comes back.
func (a *ShardedAdapter) Broadcast(p *parser.Packet, opts *socketio.BroadcastOptions) {
	if a.rec != nil && cluster.Loggable(p, opts) && a.node.pubUp.Load() {
		err := a.logBroadcast(p, opts)
		if err == nil {
			return
		}
		a.node.pubUp.Store(false) // the next broadcasts do not wait for Redis; a publication sets it back
		a.node.opts.Logger.Warn("redisadapter: append to the recovery stream failed; broadcast sent without offset", "nsp", a.nsp.Name(), "err", err)
	}
	if !opts.Local {
		a.publishMsg(a.broadcastChannel(opts), &cluster.Message{Type: cluster.Broadcast, Packet: p, Opts: shardedOpts(opts, 0)})
	}
	a.local.Deliver(p, opts)
}

// broadcastChannel is computeChannel of the Node adapter for a broadcast
// without ack: a room's own channel for one room, per the mode.
func (a *ShardedAdapter) broadcastChannel(opts *socketio.BroadcastOptions) string {
	if len(opts.Rooms) != 1 {
		return a.channel
	}
	r := opts.Rooms[0]
	switch a.node.opts.SubscriptionMode {
	case Dynamic:
		if len(r) != 20 { // what the Node adapter takes for a socket id
			return a.roomChannel(r)
		}
	case DynamicPrivate:
		return a.roomChannel(r)
	}
	return a.channel
}

// shardedOpts returns the options of a sharded message: rooms, except,
// volatile and the ack timeout (ms, 0 for none); no compress flag.
func shardedOpts(o *socketio.BroadcastOptions, timeout int64) *cluster.Opts {
	return &cluster.Opts{Rooms: nonNil(o.Rooms), Except: nonNil(o.Except), Volatile: o.Volatile, Timeout: timeout}
}

// publishMsg queues m, a message of this node, on channel: the
// ClusterAdapter protocol of socket.io-adapter, encoded by package
// socketio/cluster.
func (a *ShardedAdapter) publishMsg(channel string, m *cluster.Message) {
	b, err := encodeFrom(a.node.uid, a.nsp.Name(), m)
	if err != nil {
		a.node.opts.Logger.Warn("redisadapter: encode message", "nsp", a.nsp.Name(), "type", int(m.Type), "err", err)
		return
	}
	a.node.publish(channel, b)
}

// encodeFrom encodes m as the message of node uid on namespace nsp: JSON,
// or MessagePack with binary.
func encodeFrom(uid, nsp string, m *cluster.Message) ([]byte, error) {
	m.UID, m.Nsp = uid, nsp
	return m.Encode()
}

// BroadcastWithAck delivers p here and on the other nodes; it returns once
// every node has said how many clients it reached (or RequestsTimeout
// passed), and acks go on arriving until ctx is done.
func (a *ShardedAdapter) BroadcastWithAck(ctx context.Context, p *parser.Packet, opts *socketio.BroadcastOptions, clients func(int), ack func(socketio.Args)) {
	nodes := 1
	if !opts.Local {
		nodes = a.node.serverCount(ctx, a.channel)
	}
	if nodes <= 1 {
		a.local.BroadcastWithAck(ctx, p, opts, clients, ack)
		return
	}
	timeout := a.node.opts.RequestsTimeout.Milliseconds()
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d).Milliseconds(), 1)
	}
	id := newRequestID()
	counts := make(chan int, nodes)
	a.addPending(id, &pending{kind: int(cluster.Broadcast), counts: counts, ack: ack})
	context.AfterFunc(ctx, func() { a.removePending(id) })
	a.publishMsg(a.channel, &cluster.Message{Type: cluster.Broadcast, Packet: p, RequestID: id, Opts: shardedOpts(opts, timeout)})
	a.local.BroadcastWithAck(ctx, p, opts, clients, ack)
	awaitCounts(ctx, counts, nodes-1, clients, a.node.opts.RequestsTimeout, a.node.opts.Logger, a.nsp.Name())
}

// FetchSockets returns the sockets opts selects on every node; a node that
// does not answer within RequestsTimeout is left out.
func (a *ShardedAdapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]socketio.RemoteSocket, error) {
	out, err := a.local.FetchSockets(ctx, opts)
	if err != nil || opts.Local {
		return out, err
	}
	nodes := a.node.serverCount(ctx, a.channel)
	if nodes <= 1 {
		return out, nil
	}
	id := newRequestID()
	answers := make(chan *response, nodes)
	a.addPending(id, &pending{kind: int(cluster.FetchSockets), answers: answers})
	defer a.removePending(id)
	a.publishMsg(a.channel, &cluster.Message{Type: cluster.FetchSockets, Opts: shardedOpts(opts, 0), RequestID: id})
	for _, r := range a.collect(ctx, answers, nodes-1, "fetchSockets") {
		out = append(out, remoteSockets(a.nsp.Name(), r.Sockets)...)
	}
	return out, nil
}

// collect gathers up to n answers, until RequestsTimeout or ctx.
func (a *ShardedAdapter) collect(ctx context.Context, answers chan *response, n int, what string) []*response {
	return collect(ctx, answers, n, a.node.opts.RequestsTimeout, a.node.opts.Logger, what, a.nsp.Name())
}

// AddSockets makes the sockets opts selects, on every node, join rooms.
func (a *ShardedAdapter) AddSockets(opts *socketio.BroadcastOptions, rooms []string) {
	if !opts.Local {
		a.publishMsg(a.channel, &cluster.Message{Type: cluster.SocketsJoin, Opts: shardedOpts(opts, 0), Rooms: rooms})
	}
	a.applyLocal(opts, func(id string) { a.AddAll(id, rooms) })
}

// DelSockets makes the sockets opts selects, on every node, leave rooms.
func (a *ShardedAdapter) DelSockets(opts *socketio.BroadcastOptions, rooms []string) {
	if !opts.Local {
		a.publishMsg(a.channel, &cluster.Message{Type: cluster.SocketsLeave, Opts: shardedOpts(opts, 0), Rooms: rooms})
	}
	a.applyLocal(opts, func(id string) {
		for _, r := range rooms {
			a.Del(id, r)
		}
	})
}

// applyLocal calls fn with each socket of this node that opts selects,
// through the adapter's own AddAll and Del (which listen to room
// channels).
func (a *ShardedAdapter) applyLocal(opts *socketio.BroadcastOptions, fn func(id string)) {
	sockets, _ := a.local.FetchSockets(context.Background(), &socketio.BroadcastOptions{Rooms: opts.Rooms, Except: opts.Except, Local: true})
	for _, s := range sockets {
		fn(s.ID)
	}
}

// DisconnectSockets disconnects the sockets opts selects, on every node.
func (a *ShardedAdapter) DisconnectSockets(opts *socketio.BroadcastOptions, close bool) {
	if !opts.Local {
		a.publishMsg(a.channel, &cluster.Message{Type: cluster.DisconnectSockets, Opts: shardedOpts(opts, 0), Close: close})
	}
	a.local.DisconnectSockets(opts, close)
}

// ServerSideEmit sends an event to the other nodes (Go:
// ShardedOptions.OnServerSideEmit; Node.js: the namespace's listeners).
// Arguments travel as JSON.
func (a *ShardedAdapter) ServerSideEmit(event string, args []any) error {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return err
	}
	a.publishMsg(a.channel, &cluster.Message{Type: cluster.ServerSideEmit, Value: data})
	return nil
}

// ServerSideEmitWithAck sends an event to the other nodes and returns each
// node's answer, until every node answered, RequestsTimeout passed or ctx
// is done; a node that did not answer in time makes the error ErrTimeout.
func (a *ShardedAdapter) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return nil, err
	}
	nodes := a.node.serverCount(ctx, a.channel) - 1
	if nodes <= 0 {
		return nil, nil
	}
	id := newRequestID()
	answers := make(chan *response, nodes)
	a.addPending(id, &pending{kind: int(cluster.ServerSideEmit), answers: answers})
	defer a.removePending(id)
	a.publishMsg(a.channel, &cluster.Message{Type: cluster.ServerSideEmit, RequestID: id, Value: data})
	return serverSideAnswers(a.collect(ctx, answers, nodes, "serverSideEmit"), nodes)
}

// Close unsubscribes the namespace's channels; the last adapter of a node
// closes its connections.
func (a *ShardedAdapter) Close() error {
	a.closeOnce.Do(func() {
		chans := []string{a.channel, a.responseChannel}
		a.roomMu.Lock()
		for r := range a.roomCh {
			chans = append(chans, a.roomChannel(r))
		}
		clear(a.roomCh)
		a.roomMu.Unlock()
		a.node.unregister(a, chans)
		a.clearPending()
		_ = a.local.Close()
	})
	return nil
}
