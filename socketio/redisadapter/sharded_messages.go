package redisadapter

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
)

// onRaw handles a message of one of the namespace's channels: answers on
// the node's own channel, messages on the others.
func (a *ShardedAdapter) onRaw(channel string, payload []byte) {
	m, err := cluster.Decode(payload)
	if err != nil {
		a.node.opts.Logger.Debug("redisadapter: malformed message dropped", "nsp", a.nsp.Name(), "channel", channel, "err", err)
		return
	}
	if m.Nsp != a.nsp.Name() {
		return
	}
	if m.UID == a.node.uid {
		if a.rec != nil && m.Type == cluster.Broadcast && m.Packet != nil && m.Opts != nil && m.Opts.Offset != "" && m.RequestID == "" {
			a.onOwnEcho(m) // a logged broadcast of this node, back in the stream's order
		}
		return
	}
	if m.Type.IsResponse() {
		a.onResponse(m)
	} else {
		a.onMessage(m)
	}
}

// onMessage serves another node's (or an emitter's) message.
func (a *ShardedAdapter) onMessage(m *cluster.Message) {
	var opts *socketio.BroadcastOptions
	if m.Opts != nil {
		opts = m.Opts.BroadcastOptions()
	}
	switch m.Type {
	case cluster.Broadcast:
		if m.Packet == nil || opts == nil {
			return
		}
		if m.RequestID != "" {
			a.onBroadcastWithAck(m, opts)
			return
		}
		if a.rec != nil && m.Opts.Offset != "" {
			a.selectLogged(m.Packet, opts, m.Opts.Offset)() // its offset is in its data already
			return
		}
		a.local.Deliver(m.Packet, opts)
	case cluster.SocketsJoin:
		if opts != nil {
			a.applyLocal(opts, func(id string) { a.AddAll(id, m.Rooms) })
		}
	case cluster.SocketsLeave:
		if opts != nil {
			a.applyLocal(opts, func(id string) {
				for _, r := range m.Rooms {
					a.Del(id, r)
				}
			})
		}
	case cluster.DisconnectSockets:
		if opts != nil {
			a.local.DisconnectSockets(opts, m.Close)
		}
	case cluster.FetchSockets:
		if opts == nil {
			return
		}
		opts.Local = true
		sockets, _ := a.local.FetchSockets(context.Background(), opts)
		a.respond(m.UID, &cluster.Message{Type: cluster.FetchSocketsResponse, RequestID: m.RequestID, Value: encodeSockets(sockets)})
	case cluster.ServerSideEmit:
		a.onServerSideEmit(m)
	}
}

// respond sends an answer to node uid, on its own channel.
func (a *ShardedAdapter) respond(uid string, m *cluster.Message) {
	a.publishMsg(a.channel+uid+"#", m)
}

// onBroadcastWithAck delivers another node's broadcast with ack and sends
// back the number of clients reached, then each ack.
func (a *ShardedAdapter) onBroadcastWithAck(m *cluster.Message, opts *socketio.BroadcastOptions) {
	timeout := a.node.opts.RequestsTimeout
	if t := m.Opts.Timeout; t > 0 {
		timeout = min(time.Duration(t)*time.Millisecond, 10*time.Minute)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	context.AfterFunc(ctx, cancel)
	uid, id := m.UID, m.RequestID
	a.local.BroadcastWithAck(ctx, m.Packet, opts, func(n int) {
		a.respond(uid, &cluster.Message{Type: cluster.BroadcastClientCount, RequestID: id, ClientCount: n})
	}, func(args socketio.Args) {
		ack := &cluster.Message{Type: cluster.BroadcastAck, RequestID: id}
		if args.Len() > 0 {
			ack.Value, ack.Attachments = args.Raw(0), args.Attachments()
		}
		a.respond(uid, ack)
	})
}

func (a *ShardedAdapter) onServerSideEmit(m *cluster.Message) {
	var ack func(json.RawMessage)
	if m.RequestID != "" {
		uid, id := m.UID, m.RequestID
		ack = func(v json.RawMessage) {
			a.respond(uid, &cluster.Message{Type: cluster.ServerSideEmitResponse, RequestID: id, Value: v})
		}
	}
	e, ok := cluster.ServerEventOf(a.nsp.Name(), m.Value, m.Attachments, ack)
	if !ok {
		return
	}
	if fn := a.node.opts.OnServerSideEmit; fn != nil {
		fn(e)
	}
	a.nsp.ReceiveServerSideEmit(e)
}

// onResponse hands an answer to the request waiting for it.
func (a *ShardedAdapter) onResponse(m *cluster.Message) {
	p := a.findPending(m.RequestID)
	if p == nil {
		return
	}
	switch kind := cluster.Type(p.kind); {
	case kind == cluster.Broadcast && m.Type == cluster.BroadcastClientCount:
		select {
		case p.counts <- m.ClientCount:
		default:
		}
	case kind == cluster.Broadcast && m.Type == cluster.BroadcastAck:
		var args socketio.Args
		if len(m.Value) > 0 { // cluster.Decode leaves a null answer out
			args = socketio.NewArgs([]json.RawMessage{m.Value}, m.Attachments)
		}
		p.ack(args)
	case kind == cluster.FetchSockets && m.Type == cluster.FetchSocketsResponse:
		select {
		case p.answers <- &response{Sockets: m.Value}:
		default:
		}
	case kind == cluster.ServerSideEmit && m.Type == cluster.ServerSideEmitResponse:
		data := m.Value
		if data == nil {
			data = json.RawMessage("null") // an answer of null or undefined
		}
		select {
		case p.answers <- &response{Data: data}:
		default:
		}
	}
}
