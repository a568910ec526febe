package redisadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
)

// ErrTimeout is returned when some nodes did not answer within
// RequestsTimeout. It wraps socketio.ErrAckTimeout, which
// socketio.Namespace.ServerSideEmitWithAck's callers test for.
var ErrTimeout = fmt.Errorf("redisadapter: nodes did not answer in time: %w", socketio.ErrAckTimeout)

// pending is a request of this node waiting for answers.
type pending struct {
	kind    int
	answers chan *response      // fetch, server-side emit
	counts  chan int            // broadcast with ack
	ack     func(socketio.Args) // broadcast with ack
}

// pendingRequests are a namespace's requests waiting for answers, by id
// (in either adapter). The zero value is ready to use.
type pendingRequests struct {
	pmu     sync.Mutex
	pending map[string]*pending
}

func (r *pendingRequests) addPending(id string, p *pending) {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	if r.pending == nil {
		r.pending = make(map[string]*pending)
	}
	r.pending[id] = p
}

func (r *pendingRequests) removePending(id string) {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	delete(r.pending, id)
}

func (r *pendingRequests) findPending(id string) *pending {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	return r.pending[id]
}

// clearPending forgets every request: answers still awaited are dropped.
func (r *pendingRequests) clearPending() {
	r.pmu.Lock()
	defer r.pmu.Unlock()
	clear(r.pending)
}

// awaitCounts hands clients the number of clients each of n other nodes
// reached with a broadcast, until timeout or ctx; a shortfall at the
// timeout is logged.
func awaitCounts(ctx context.Context, counts chan int, n int, clients func(int), timeout time.Duration, log Logger, nsp string) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for got := 0; got < n; got++ {
		select {
		case c := <-counts:
			clients(c)
		case <-timer.C:
			log.Warn("redisadapter: nodes did not report their clients in time", "nsp", nsp, "missing", n-got)
			return
		case <-ctx.Done():
			return
		}
	}
}

// serverSideAnswers is the result of a ServerSideEmitWithAck that waited
// for nodes answers and got those of got: their data, and ErrTimeout when
// some are missing.
func serverSideAnswers(got []*response, nodes int) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(got))
	for _, r := range got {
		out = append(out, r.Data)
	}
	if len(got) < nodes {
		return out, ErrTimeout
	}
	return out, nil
}

// collect gathers up to n answers, until timeout or ctx; a shortfall at
// the timeout is logged.
func collect(ctx context.Context, answers chan *response, n int, timeout time.Duration, log Logger, what, nsp string) []*response {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var got []*response
	for len(got) < n {
		select {
		case r := <-answers:
			got = append(got, r)
		case <-timer.C:
			log.Warn("redisadapter: nodes did not answer in time", "request", what, "nsp", nsp, "answers", len(got), "expected", n)
			return got
		case <-ctx.Done():
			return got
		}
	}
	return got
}

// onMessage handles a message of one of the namespace's channels.
func (a *Adapter) onMessage(channel string, broadcast bool, payload []byte) {
	log := a.node.opts.Logger
	switch {
	case broadcast:
		a.onBroadcast(channel, payload)
	case channel == a.ch.request:
		r, err := decodeRequest(payload)
		if err != nil {
			log.Debug("redisadapter: malformed request dropped", "nsp", a.nsp.Name(), "err", err)
			return
		}
		a.onRequest(r)
	default: // the shared or this node's response channel
		r, err := decodeResponse(payload)
		if err != nil {
			log.Debug("redisadapter: malformed response dropped", "nsp", a.nsp.Name(), "err", err)
			return
		}
		a.onResponse(r)
	}
}

// onBroadcast delivers another node's broadcast to this node's sockets.
func (a *Adapter) onBroadcast(channel string, payload []byte) {
	if room, ok := strings.CutPrefix(channel, a.ch.broadcast); ok && room != "" {
		// key#nsp#room#: nothing to do without a socket in the room, but
		// to note that our own broadcast came back
		if room = strings.TrimSuffix(room, "#"); a.local.RoomSize(room) == 0 {
			if a.rec != nil && messageUID(payload) == a.node.uid {
				if m, err := decodeBroadcast(payload, a.node.uid); err == nil && m.own {
					a.claimOwn(m.opts.Offset)
				}
			}
			return
		}
	}
	m, err := decodeBroadcast(payload, a.node.uid)
	if errors.Is(err, errOwn) {
		return
	}
	if err != nil {
		a.node.opts.Logger.Debug("redisadapter: malformed broadcast dropped", "nsp", a.nsp.Name(), "err", err)
		return
	}
	if m.packet.Namespace != a.nsp.Name() {
		return
	}
	var own *socketio.BroadcastOptions
	if m.own {
		if a.rec == nil {
			return
		}
		var deliver bool
		if own, deliver = a.claimOwn(m.opts.Offset); !deliver {
			return
		}
	}
	if m.opts.Offset != "" && a.rec != nil {
		a.selectLogged(m.packet, echoOptions(own, m.opts), m.opts.Offset)() // the offset is in its data already
		return
	}
	a.local.Deliver(m.packet, m.opts.BroadcastOptions())
}

// onRequest serves another node's request.
func (a *Adapter) onRequest(r *request) {
	if r.UID == a.node.uid {
		return // our own, already done here
	}
	var opts *socketio.BroadcastOptions
	if r.Opts != nil {
		opts = r.Opts.BroadcastOptions()
	}
	switch r.Type {
	case reqSockets:
		sockets, _ := a.local.FetchSockets(context.Background(), &socketio.BroadcastOptions{Rooms: r.Rooms})
		ids := make([]string, 0, len(sockets))
		for _, s := range sockets {
			ids = append(ids, s.ID)
		}
		b, _ := json.Marshal(ids)
		a.respond(r, &response{RequestID: r.RequestID, Sockets: b})
	case reqAllRooms:
		a.respond(r, &response{RequestID: r.RequestID, Rooms: a.allRooms()})
	case reqRemoteJoin, reqRemoteLeave, reqRemoteDisconn:
		a.onRemoteMembership(r, opts)
	case reqRemoteFetch:
		if opts == nil {
			return
		}
		sockets, _ := a.local.FetchSockets(context.Background(), opts)
		a.respond(r, &response{RequestID: r.RequestID, Sockets: encodeSockets(sockets)})
	case reqServerSideEmit:
		a.onServerSideEmit(r)
	case reqBroadcast:
		a.onBroadcastRequest(r)
	}
}

func (a *Adapter) onRemoteMembership(r *request, opts *socketio.BroadcastOptions) {
	if opts == nil { // the single-socket form of older adapters
		s := a.nsp.Socket(r.SID)
		if s == nil {
			return
		}
		switch r.Type {
		case reqRemoteJoin:
			s.Join(r.Room)
		case reqRemoteLeave:
			s.Leave(r.Room)
		default:
			s.Disconnect(r.Close)
		}
		a.respond(r, &response{RequestID: r.RequestID})
		return
	}
	switch r.Type {
	case reqRemoteJoin:
		a.local.AddSockets(opts, r.Rooms)
	case reqRemoteLeave:
		a.local.DelSockets(opts, r.Rooms)
	default:
		a.local.DisconnectSockets(opts, r.Close)
	}
}

// allRooms returns the rooms of this node's sockets.
func (a *Adapter) allRooms() []string {
	sockets, _ := a.local.FetchSockets(context.Background(), &socketio.BroadcastOptions{})
	seen := make(map[string]struct{})
	out := []string{}
	for _, s := range sockets {
		for _, r := range s.Rooms {
			if _, ok := seen[r]; !ok {
				seen[r] = struct{}{}
				out = append(out, r)
			}
		}
	}
	return out
}

func (a *Adapter) respond(r *request, resp *response) {
	b, err := json.Marshal(resp)
	if err != nil {
		a.node.opts.Logger.Warn("redisadapter: encode response", "nsp", a.nsp.Name(), "err", err)
		return
	}
	a.node.publish(a.ch.responseTo(r.UID), b)
}

// onBroadcastRequest delivers another node's broadcast with ack and sends
// back the number of clients reached, then each ack.
func (a *Adapter) onBroadcastRequest(r *request) {
	if r.packet == nil || r.Opts == nil || r.RequestID == "" {
		return
	}
	timeout := a.node.opts.RequestsTimeout
	if t := r.Opts.Timeout; t > 0 {
		timeout = min(time.Duration(t)*time.Millisecond, 10*time.Minute)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	context.AfterFunc(ctx, cancel)
	channel := a.ch.responseTo(r.UID)
	id := r.RequestID
	a.local.BroadcastWithAck(ctx, r.packet, r.Opts.BroadcastOptions(), func(n int) {
		b, _ := json.Marshal(&response{Type: reqBroadcastCount, RequestID: id, ClientCount: &n})
		a.node.publish(channel, b)
	}, func(args socketio.Args) {
		b, err := encodeAckResponse(id, args)
		if err != nil {
			a.node.opts.Logger.Warn("redisadapter: encode ack", "nsp", a.nsp.Name(), "err", err)
			return
		}
		a.node.publish(channel, b)
	})
}

// onResponse hands an answer to the request waiting for it.
func (a *Adapter) onResponse(r *response) {
	p := a.findPending(r.RequestID)
	if p == nil {
		return
	}
	switch p.kind {
	case reqBroadcast:
		switch {
		case r.Type == reqBroadcastCount && r.ClientCount != nil:
			select {
			case p.counts <- *r.ClientCount:
			default:
			}
		case r.Type == reqBroadcastAckMsg:
			var args socketio.Args
			if r.ack != nil {
				args = socketio.NewArgs([]json.RawMessage{*r.ack}, r.ackAtts)
			}
			p.ack(args)
		}
	case reqRemoteFetch:
		if r.Sockets == nil {
			return
		}
		select {
		case p.answers <- r:
		default:
		}
	case reqServerSideEmit:
		if r.Type != reqServerSideEmit {
			return
		}
		select {
		case p.answers <- r:
		default:
		}
	}
}

// ServerEvent is an event another node sent with ServerSideEmit; it is
// socketio.ServerEvent, which the namespace's listeners
// (socketio.Namespace.OnServerSideEmit) get too.
type ServerEvent = socketio.ServerEvent

// onServerSideEmit hands another node's server-side event to
// Options.OnServerSideEmit, then to the namespace's listeners of its name
// (Node's nsp.on(event)); the first answer of any of them goes back.
func (a *Adapter) onServerSideEmit(r *request) {
	var ack func(json.RawMessage)
	if r.RequestID != "" {
		id := r.RequestID
		ack = func(v json.RawMessage) {
			// The Node adapter answers these on the shared channel.
			b, _ := json.Marshal(&response{Type: reqServerSideEmit, RequestID: id, Data: v})
			a.node.publish(a.ch.response, b)
		}
	}
	e, ok := cluster.ServerEventOf(a.nsp.Name(), r.Data, nil, ack)
	if !ok {
		return
	}
	if fn := a.node.opts.OnServerSideEmit; fn != nil {
		fn(e)
	}
	a.nsp.ReceiveServerSideEmit(e)
}
