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

// Adapter is the socketio.Adapter of one namespace on a Node: a
// socketio.MemoryAdapter for this node's sockets, and Redis for the others.
type Adapter struct {
	node  *Node
	nsp   *socketio.Namespace
	local *socketio.MemoryAdapter
	ch    channels
	rec   *recovery // nil when recovery is off

	pendingRequests // requests waiting for answers

	echoes   *cluster.OwnEchoes // this node's logged broadcasts until they come back
	joinMu   sync.RWMutex       // read: delivering a logged packet; write: Rejoin
	skips    cluster.Skips      // offset -> sockets that got it on recovery
	sessions *sessions          // nil when recovery is off (keep.go)

	closeOnce sync.Once
}

var (
	_ socketio.Adapter         = (*Adapter)(nil)
	_ socketio.Rejoiner        = (*Adapter)(nil)
	_ socketio.ServerSideAcker = (*Adapter)(nil)
)

func newAdapter(n *Node, nsp *socketio.Namespace) *Adapter {
	a := &Adapter{
		node:   n,
		nsp:    nsp,
		local:  socketio.NewMemoryAdapter(nsp),
		ch:     newChannels(n.opts.Key, nsp.Name(), n.uid),
		echoes: cluster.NewOwnEchoes(0),
	}
	if r := nsp.Server().RecoveryOptions(); r != nil {
		a.rec = newRecovery(n, nsp.Name(), r)
		a.sessions = newSessions(a.rec, n.uid, n.opts.Key+"-node#", n.opts.Logger, nsp.Name())
	}
	return a
}

// Node returns the node the adapter belongs to.
func (a *Adapter) Node() *Node { return a.node }

// AddAll adds socket id to rooms.
func (a *Adapter) AddAll(id string, rooms []string) { a.local.AddAll(id, rooms) }

// Del removes socket id from room.
func (a *Adapter) Del(id, room string) { a.local.Del(id, room) }

// DelAll removes socket id from all its rooms.
func (a *Adapter) DelAll(id string) { a.local.DelAll(id) }

// Rooms returns the rooms of socket id, on this node.
func (a *Adapter) Rooms(id string) []string { return a.local.Rooms(id) }

// Broadcast delivers p to this node's sockets and publishes it for the
// others (unless opts.Local). With recovery on, a non-volatile event
// without ack is appended to the namespace's stream and published in one
// step, its entry id going out as the packet's last argument, the same on
// every node; this node delivers it when the message comes back, in the
// stream's order (so Broadcast returns before the local delivery).
func (a *Adapter) Broadcast(p *parser.Packet, opts *socketio.BroadcastOptions) {
	if a.rec != nil && cluster.Loggable(p, opts) && a.node.reachable() {
		err := a.logBroadcast(p, opts)
		if err == nil {
			return
		}
		a.node.opts.Logger.Warn("redisadapter: append to the recovery stream failed; broadcast sent without offset", "nsp", a.nsp.Name(), "err", err)
	}
	if !opts.Local {
		a.publishBroadcast(p, opts, "")
	}
	a.local.Deliver(p, opts)
}

// logBroadcast appends p to the stream and publishes it in one step (the
// messages of all nodes then go out in the stream's order); this node
// delivers it when the message comes back, in that order with the other
// nodes' broadcasts, so that a client's last offset says exactly what it
// has (docs/cluster.md, "Recovery and concurrent publishers"). A Local
// broadcast is appended only, and delivered at once.
func (a *Adapter) logBroadcast(p *parser.Packet, opts *socketio.BroadcastOptions) error {
	var (
		offset string
		err    error
	)
	if opts.Local {
		if offset, err = a.rec.append(p, opts); err == nil {
			a.selectLogged(withOffset(p, offset), opts, offset)() // it may run disconnect handlers: no lock held
		}
	} else {
		var parts [3][]byte
		if parts, err = encodeBroadcastParts(a.node.uid, p, opts); err != nil {
			return err
		}
		if offset, err = a.rec.appendAndPublish(p, opts, a.broadcastChannel(opts), parts); err == nil {
			a.awaitOwn(offset, p, opts)
		}
	}
	if err != nil {
		a.node.setPub(false, err, 1) // the next broadcasts do not wait for Redis
	}
	return err
}

func (a *Adapter) publishBroadcast(p *parser.Packet, opts *socketio.BroadcastOptions, offset string) {
	msg, err := encodeBroadcast(a.node.uid, p, opts, offset)
	if err != nil {
		a.node.opts.Logger.Warn("redisadapter: encode broadcast", "nsp", a.nsp.Name(), "err", err)
		return
	}
	a.node.publish(a.broadcastChannel(opts), msg)
}

// broadcastChannel is the channel of a broadcast: the room's own for one
// room (as Node's adapter does), the namespace's otherwise.
func (a *Adapter) broadcastChannel(opts *socketio.BroadcastOptions) string {
	if len(opts.Rooms) == 1 {
		return a.ch.broadcast + opts.Rooms[0] + "#"
	}
	return a.ch.broadcast
}

// awaitOwn waits for the message of this node's broadcast at offset to
// come back (onBroadcast delivers it then), or delivers it after the echo
// wait.
func (a *Adapter) awaitOwn(offset string, p *parser.Packet, opts *socketio.BroadcastOptions) {
	a.echoes.Await(offset, withOffset(p, offset), opts, func(o *cluster.OwnBroadcast) { a.deliverLate(offset, o) })
}

// deliverLate delivers a broadcast whose echo did not come in time.
func (a *Adapter) deliverLate(offset string, o *cluster.OwnBroadcast) {
	a.node.opts.Logger.Warn("redisadapter: own broadcast did not come back from Redis; delivered here anyway", "nsp", a.nsp.Name(), "offset", offset)
	a.selectLogged(o.Packet, &o.Opts, offset)()
}

// claimOwn is called when this node's broadcast at offset comes back from
// Redis: it reports whether to deliver it here now (false when it was
// delivered late already), with its options when known (cluster.OwnEchoes.Claim).
func (a *Adapter) claimOwn(offset string) (*socketio.BroadcastOptions, bool) {
	return a.echoes.Claim(offset)
}

// selectLogged selects the sockets a packet of the stream goes to,
// leaving out those that already got it while they recovered, and returns
// the function that sends it to them. Selecting under joinMu makes each
// socket either selected or given the packet by Rejoin; sending after the
// locks are released lets the disconnect handlers of a slow client that
// the send closes broadcast in turn.
func (a *Adapter) selectLogged(p *parser.Packet, opts *socketio.BroadcastOptions, offset string) (send func()) {
	a.joinMu.RLock()
	defer a.joinMu.RUnlock()
	if ids := a.skips.Take(offset); len(ids) > 0 {
		o := *opts
		o.Except = append(append([]string(nil), opts.Except...), ids...)
		opts = &o
	}
	return a.local.DeliverLater(p, opts)
}

// BroadcastWithAck delivers p here and asks the other nodes to deliver it;
// it returns once every node has said how many clients it reached (or
// RequestsTimeout passed), and acks go on arriving until ctx is done. Only
// a client's first ack argument crosses nodes, as in the Node adapter.
func (a *Adapter) BroadcastWithAck(ctx context.Context, p *parser.Packet, opts *socketio.BroadcastOptions, clients func(int), ack func(socketio.Args)) {
	if opts.Local {
		a.local.BroadcastWithAck(ctx, p, opts, clients, ack)
		return
	}
	nodes := a.node.serverCount(ctx, a.ch.request)
	if nodes <= 1 {
		a.local.BroadcastWithAck(ctx, p, opts, clients, ack)
		return
	}
	var timeout int64
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d).Milliseconds(), 1)
	}
	id := newRequestID()
	msg, err := encodeBroadcastRequest(a.node.uid, id, p, opts, timeout)
	if err != nil {
		a.node.opts.Logger.Warn("redisadapter: encode broadcast", "nsp", a.nsp.Name(), "err", err)
		a.local.BroadcastWithAck(ctx, p, opts, clients, ack)
		return
	}
	counts := make(chan int, nodes)
	pd := &pending{kind: reqBroadcast, counts: counts, ack: ack}
	a.addPending(id, pd)
	context.AfterFunc(ctx, func() { a.removePending(id) })
	a.node.publish(a.ch.request, msg)
	a.local.BroadcastWithAck(ctx, p, opts, clients, ack)
	awaitCounts(ctx, counts, nodes-1, clients, a.node.opts.RequestsTimeout, a.node.opts.Logger, a.nsp.Name())
}

// FetchSockets returns the sockets opts selects on every node. A node that
// does not answer within RequestsTimeout is left out (and logged): the
// answer holds the sockets of the nodes that did.
func (a *Adapter) FetchSockets(ctx context.Context, opts *socketio.BroadcastOptions) ([]socketio.RemoteSocket, error) {
	out, err := a.local.FetchSockets(ctx, opts)
	if err != nil || opts.Local {
		return out, err
	}
	nodes := a.node.serverCount(ctx, a.ch.request)
	if nodes <= 1 {
		return out, nil
	}
	id := newRequestID()
	answers := make(chan *response, nodes)
	a.addPending(id, &pending{kind: reqRemoteFetch, answers: answers})
	defer a.removePending(id)
	a.publishRequest(&request{UID: a.node.uid, RequestID: id, Type: reqRemoteFetch, Opts: toWireOpts(opts)})
	for _, r := range a.collect(ctx, answers, nodes-1, "fetchSockets") {
		out = append(out, remoteSockets(a.nsp.Name(), r.Sockets)...)
	}
	return out, nil
}

// collect gathers up to n answers, until RequestsTimeout or ctx.
func (a *Adapter) collect(ctx context.Context, answers chan *response, n int, what string) []*response {
	return collect(ctx, answers, n, a.node.opts.RequestsTimeout, a.node.opts.Logger, what, a.nsp.Name())
}

// AddSockets makes the sockets opts selects, on every node, join rooms.
func (a *Adapter) AddSockets(opts *socketio.BroadcastOptions, rooms []string) {
	a.local.AddSockets(opts, rooms)
	if !opts.Local {
		a.publishRequest(&request{UID: a.node.uid, Type: reqRemoteJoin, Opts: toWireOpts(opts), Rooms: rooms})
	}
}

// DelSockets makes the sockets opts selects, on every node, leave rooms.
func (a *Adapter) DelSockets(opts *socketio.BroadcastOptions, rooms []string) {
	a.local.DelSockets(opts, rooms)
	if !opts.Local {
		a.publishRequest(&request{UID: a.node.uid, Type: reqRemoteLeave, Opts: toWireOpts(opts), Rooms: rooms})
	}
}

// DisconnectSockets disconnects the sockets opts selects, on every node.
func (a *Adapter) DisconnectSockets(opts *socketio.BroadcastOptions, close bool) {
	if !opts.Local {
		a.publishRequest(&request{UID: a.node.uid, Type: reqRemoteDisconn, Opts: toWireOpts(opts), Close: close})
	}
	a.local.DisconnectSockets(opts, close)
}

// ServerSideEmit sends an event to the other nodes of the cluster, where
// the namespace's listeners get it (socketio.Namespace.OnServerSideEmit on
// Go nodes, io.on(event) on Node.js nodes). Arguments travel as JSON.
// socketio.Namespace.ServerSideEmit calls it.
func (a *Adapter) ServerSideEmit(event string, args []any) error {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return err
	}
	a.publishRequest(&request{UID: a.node.uid, Type: reqServerSideEmit, Data: data})
	return nil
}

// ServerSideEmitWithAck sends an event to the other nodes and returns each
// node's answer (the first argument of its acknowledgement), until every
// node answered, RequestsTimeout passed or ctx is done; a node that did
// not answer in time makes the error ErrTimeout.
// socketio.Namespace.ServerSideEmitWithAck calls it.
func (a *Adapter) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	data, err := json.Marshal(append([]any{event}, args...))
	if err != nil {
		return nil, err
	}
	nodes := a.node.serverCount(ctx, a.ch.request) - 1
	if nodes <= 0 {
		return nil, nil
	}
	id := newRequestID()
	answers := make(chan *response, nodes)
	a.addPending(id, &pending{kind: reqServerSideEmit, answers: answers})
	defer a.removePending(id)
	a.publishRequest(&request{UID: a.node.uid, RequestID: id, Type: reqServerSideEmit, Data: data})
	return serverSideAnswers(a.collect(ctx, answers, nodes, "serverSideEmit"), nodes)
}

// Close unsubscribes the namespace; the last adapter of a node closes its
// connections.
func (a *Adapter) Close() error {
	a.closeOnce.Do(func() {
		a.node.unregister(a)
		a.clearPending() // acks still awaited are forgotten
	})
	return nil
}

func (a *Adapter) publishRequest(r *request) {
	b, err := json.Marshal(r)
	if err != nil {
		a.node.opts.Logger.Warn("redisadapter: encode request", "nsp", a.nsp.Name(), "err", err)
		return
	}
	a.node.publish(a.ch.request, b)
}

// toWireOpts returns the options of a JSON request: rooms and except, no
// flags.
func toWireOpts(o *socketio.BroadcastOptions) *cluster.Opts {
	return &cluster.Opts{Rooms: nonNil(o.Rooms), Except: nonNil(o.Except)}
}
