package redisadapter

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kin-comms/kinrt/socketio"
)

// onRaw handles a message of one of the namespace's channels: answers on
// the node's own channel, messages on the others.
func (a *ShardedAdapter) onRaw(channel string, payload []byte) {
	m, err := decodeClusterMsg(payload)
	if err != nil {
		a.node.opts.Logger.Debug("redisadapter: malformed message dropped", "nsp", a.nsp.Name(), "channel", channel, "err", err)
		return
	}
	if m.nsp != a.nsp.Name() {
		return
	}
	if m.uid == a.node.uid {
		if a.rec != nil && m.typ == cmBroadcast && m.packet != nil && m.opts != nil && m.opts.Offset != "" && m.requestID == "" {
			a.onOwnEcho(m) // a logged broadcast of this node, back in the stream's order
		}
		return
	}
	switch m.typ {
	case cmFetchResponse, cmServerSideResp, cmBroadcastCount, cmBroadcastAck:
		a.onResponse(m)
	default:
		a.onMessage(m)
	}
}

// onMessage serves another node's (or an emitter's) message.
func (a *ShardedAdapter) onMessage(m *clusterMsg) {
	var opts *socketio.BroadcastOptions
	if m.opts != nil {
		opts = m.opts.broadcastOptions()
	}
	switch m.typ {
	case cmBroadcast:
		if m.packet == nil || opts == nil {
			return
		}
		if m.requestID != "" {
			a.onBroadcastWithAck(m, opts)
			return
		}
		if a.rec != nil && m.opts.Offset != "" {
			a.selectLogged(m.packet, opts, m.opts.Offset)() // its offset is in its data already
			return
		}
		a.local.Deliver(m.packet, opts)
	case cmSocketsJoin:
		if opts != nil {
			a.applyLocal(opts, func(id string) { a.AddAll(id, m.rooms) })
		}
	case cmSocketsLeave:
		if opts != nil {
			a.applyLocal(opts, func(id string) {
				for _, r := range m.rooms {
					a.Del(id, r)
				}
			})
		}
	case cmDisconnectSockets:
		if opts != nil {
			a.local.DisconnectSockets(opts, m.close)
		}
	case cmFetchSockets:
		if opts == nil {
			return
		}
		opts.Local = true
		sockets, _ := a.local.FetchSockets(context.Background(), opts)
		a.respond(m.uid, cmFetchResponse, field{key: "requestId", val: m.requestID}, field{key: "sockets", val: encodeSockets(sockets)})
	case cmServerSideEmit:
		a.onServerSideEmit(m)
	}
}

// respond sends an answer to node uid, on its own channel.
func (a *ShardedAdapter) respond(uid string, typ int, data ...field) {
	a.publishMsg(a.channel+uid+"#", typ, data...)
}

// onBroadcastWithAck delivers another node's broadcast with ack and sends
// back the number of clients reached, then each ack.
func (a *ShardedAdapter) onBroadcastWithAck(m *clusterMsg, opts *socketio.BroadcastOptions) {
	timeout := a.node.opts.RequestsTimeout
	if t := m.opts.Flags.Timeout; t > 0 {
		timeout = min(time.Duration(t)*time.Millisecond, 10*time.Minute)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	context.AfterFunc(ctx, cancel)
	uid, id := m.uid, m.requestID
	a.local.BroadcastWithAck(ctx, m.packet, opts, func(n int) {
		a.respond(uid, cmBroadcastCount, field{key: "requestId", val: id}, field{key: "clientCount", val: n})
	}, func(args socketio.Args) {
		f := field{key: "packet", val: json.RawMessage(nil)}
		if args.Len() > 0 {
			f = field{key: "packet", val: args.Raw(0), atts: args.Attachments()}
		}
		a.respond(uid, cmBroadcastAck, field{key: "requestId", val: id}, f)
	})
}

func (a *ShardedAdapter) onServerSideEmit(m *clusterMsg) {
	var raw []json.RawMessage
	if err := json.Unmarshal(m.value, &raw); err != nil || len(raw) == 0 {
		return
	}
	var name string
	if json.Unmarshal(raw[0], &name) != nil {
		name = string(raw[0])
	}
	var ack func(json.RawMessage)
	if m.requestID != "" {
		uid, id := m.uid, m.requestID
		ack = func(v json.RawMessage) {
			a.respond(uid, cmServerSideResp, field{key: "requestId", val: id}, field{key: "packet", val: v})
		}
	}
	e := socketio.NewServerEvent(a.nsp.Name(), name, socketio.NewArgs(raw[1:], m.atts), ack)
	if fn := a.node.opts.OnServerSideEmit; fn != nil {
		fn(e)
	}
	a.nsp.ReceiveServerSideEmit(e)
}

// onResponse hands an answer to the request waiting for it.
func (a *ShardedAdapter) onResponse(m *clusterMsg) {
	p := a.findPending(m.requestID)
	if p == nil {
		return
	}
	switch {
	case p.kind == cmBroadcast && m.typ == cmBroadcastCount:
		select {
		case p.counts <- m.clientCount:
		default:
		}
	case p.kind == cmBroadcast && m.typ == cmBroadcastAck:
		var args socketio.Args
		if len(m.value) > 0 && string(m.value) != "null" {
			args = socketio.NewArgs([]json.RawMessage{m.value}, m.atts)
		}
		p.ack(args)
	case p.kind == cmFetchSockets && m.typ == cmFetchResponse:
		select {
		case p.answers <- &response{Sockets: m.value}:
		default:
		}
	case p.kind == cmServerSideEmit && m.typ == cmServerSideResp:
		select {
		case p.answers <- &response{Data: m.value}:
		default:
		}
	}
}
