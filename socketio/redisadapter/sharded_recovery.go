package redisadapter

import (
	"bytes"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Connection state recovery on sharded pub/sub, as on classic pub/sub
// (recovery.go): sessions in Redis, the namespace's broadcasts in a
// stream whose entry ids are the offsets, appended and published in one
// step. The keys share the hash tag "{<key>#<nsp>#}", whose slot is that
// of the namespace's channel "<key>#<nsp>#": on a Redis Cluster the
// script's XADD and SPUBLISH are on one shard, so the messages of all
// nodes go out in the stream's order. Logged broadcasts always go to the
// namespace's channel (never a room's, which may be on another shard),
// and each node delivers its own when it comes back, in that order.

// shardedRecovery is the recovery state of one namespace.
type shardedRecovery struct {
	rec *recovery

	echoes *cluster.OwnEchoes // this node's logged broadcasts until they come back

	joinMu sync.RWMutex // read: delivering a logged packet; write: Rejoin
	skips  cluster.Skips
}

func newShardedRecovery(n *ShardedNode, nsp string, opts *socketio.RecoveryOptions) *shardedRecovery {
	// recovery reads its client and timeouts from a Node: one that never
	// starts holds them.
	holder := &Node{client: n.client, opts: (&Options{Key: n.opts.Key, RequestsTimeout: n.opts.RequestsTimeout}).withDefaults()}
	r := newRecovery(holder, nsp, opts)
	tag := "{" + n.opts.Key + "#" + nsp + "#}"
	r.stream, r.streamBytes, r.sessionPrefix = tag+"-stream", tag+"-stream-bytes", tag+"-session#"
	return &shardedRecovery{rec: r, echoes: cluster.NewOwnEchoes(0)}
}

// shardedAppendPublishScript is appendLua, then the SPUBLISH of the
// message completed with the entry id: ARGV[5] the channel, ARGV[6..8] the
// message around the two places of the id, ARGV[9] "j" when the message
// is JSON (the id as a JSON string), else MessagePack (a str).
var shardedAppendPublishScript = redis.NewScript(appendLua + `
local enc
if ARGV[9] == 'j' then
  enc = '"' .. id .. '"'
else
  local n = string.len(id)
  if n < 32 then enc = string.char(160 + n) .. id else enc = string.char(217, n) .. id end
end
redis.call('SPUBLISH', ARGV[5], ARGV[6] .. enc .. ARGV[7] .. enc .. ARGV[8])
return id
`)

// logBroadcast appends p to the stream and publishes it in one step; this
// node delivers it when its message comes back. A Local broadcast is
// appended only, and delivered at once.
func (a *ShardedAdapter) logBroadcast(p *parser.Packet, opts *socketio.BroadcastOptions) error {
	r := a.rec.rec
	if opts.Local {
		offset, err := r.append(p, opts)
		if err == nil {
			a.selectLogged(withOffset(p, offset), opts, offset)()
		}
		return err
	}
	parts, form, err := a.encodeLoggedParts(p, opts)
	if err != nil {
		return err
	}
	args := appendEntryValues(append(r.scriptArgs(9, p), a.channel, parts[0], parts[1], parts[2], form), p, opts)
	ctx, cancel := r.ctx()
	defer cancel()
	offset, err := shardedAppendPublishScript.Run(ctx, a.node.client, []string{r.stream, r.streamBytes}, args...).Text()
	if err != nil {
		return err
	}
	a.awaitOwn(offset, p, opts)
	return nil
}

// encodeLoggedParts encodes the BROADCAST of p with offsetMarker for its
// offset (the packet's last argument, and opts.offset), cut where the
// marker is: the script puts the entry id there.
func (a *ShardedAdapter) encodeLoggedParts(p *parser.Packet, opts *socketio.BroadcastOptions) ([3][]byte, string, error) {
	var parts [3][]byte
	w := shardedOpts(opts, 0)
	w.Offset = offsetMarker
	b, err := encodeFrom(a.node.uid, a.nsp.Name(), &cluster.Message{Type: cluster.Broadcast, Packet: withOffset(p, offsetMarker), Opts: w})
	if err != nil {
		return parts, "", err
	}
	form, enc := "m", append([]byte{0xa0 | byte(len(offsetMarker))}, offsetMarker...)
	if b[0] == '{' {
		form, enc = "j", []byte(`"`+offsetMarker+`"`)
	}
	i, j := bytes.Index(b, enc), bytes.LastIndex(b, enc)
	if i < 0 || j <= i || bytes.Count(b, enc) != 2 {
		return parts, "", errors.New("redisadapter: offset marker not found once in each place")
	}
	return [3][]byte{b[:i], b[i+len(enc) : j], b[j+len(enc):]}, form, nil
}

// awaitOwn waits for this node's logged broadcast at offset to come back
// (onOwnEcho delivers it then), or delivers it after ownEchoWait.
func (a *ShardedAdapter) awaitOwn(offset string, p *parser.Packet, opts *socketio.BroadcastOptions) {
	a.rec.echoes.Await(offset, withOffset(p, offset), opts, func(o *cluster.OwnBroadcast) {
		a.node.opts.Logger.Warn("redisadapter: own broadcast did not come back from Redis; delivered here anyway", "nsp", a.nsp.Name(), "offset", offset)
		a.selectLogged(o.Packet, &o.Opts, offset)()
	})
}

// onOwnEcho delivers this node's logged broadcast, back from Redis, unless
// it was delivered late already.
func (a *ShardedAdapter) onOwnEcho(m *cluster.Message) {
	if own, deliver := a.rec.echoes.Claim(m.Opts.Offset); deliver {
		a.selectLogged(m.Packet, echoOptions(own, m.Opts), m.Opts.Offset)()
	}
}

// selectLogged selects the sockets a logged packet goes to, leaving out
// those that got it while they recovered, and returns the send.
func (a *ShardedAdapter) selectLogged(p *parser.Packet, opts *socketio.BroadcastOptions, offset string) (send func()) {
	s := a.rec
	s.joinMu.RLock()
	defer s.joinMu.RUnlock()
	if ids := s.skips.Take(offset); len(ids) > 0 {
		o := *opts
		o.Except = append(append([]string(nil), opts.Except...), ids...)
		opts = &o
	}
	return a.local.DeliverLater(p, opts)
}

// PersistSession stores s in Redis for MaxDisconnectionDuration, so that
// any node of the cluster can restore it (with recovery off: nothing).
// Data must be JSON-encodable.
func (a *ShardedAdapter) PersistSession(s *socketio.Session) {
	if a.sessions != nil {
		a.sessions.persist(s)
	}
}

// RestoreSession takes the session of pid out of Redis when the stream
// still holds offset; the missed packets come with Rejoin.
func (a *ShardedAdapter) RestoreSession(pid, offset string) (*socketio.Session, error) {
	if a.sessions == nil || pid == "" || offset == "" {
		return nil, nil
	}
	return a.sessions.restore(pid, offset)
}

// Rejoin puts a recovered socket back in its rooms and hands send the
// stream's packets after since that select it, while no logged packet can
// be delivered here; those still on their way are not delivered to it
// again.
func (a *ShardedAdapter) Rejoin(id string, rooms []string, since string, send func([]*parser.Packet)) {
	if a.rec == nil || since == "" {
		a.AddAll(id, rooms)
		send(nil)
		return
	}
	s := a.rec
	var notify func()
	defer func() { notify() }() // after the unlock: a room event listener may broadcast
	s.joinMu.Lock()
	defer s.joinMu.Unlock()
	notify = a.addAllLater(id, rooms)
	r := s.rec
	ctx, cancel := r.ctx()
	defer cancel()
	msgs, err := a.node.client.XRange(ctx, r.stream, "("+since, "+").Result()
	if err != nil {
		a.node.opts.Logger.Warn("redisadapter: read missed packets", "nsp", a.nsp.Name(), "err", err)
		send(nil)
		return
	}
	now := time.Now()
	s.skips.Prune(now)
	var missed []*parser.Packet
	for _, m := range msgs {
		e, ok := r.decodeEntry(m)
		if !ok || !e.selects(rooms) {
			continue
		}
		missed = append(missed, e.packet)
		s.skips.Add(e.offset, id, now)
	}
	send(missed)
}
