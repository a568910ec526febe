package redisadapter

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// recovery keeps, for connection state recovery across nodes, the sessions
// of disconnected sockets (a key each, with a TTL) and the namespace's
// broadcasts (a stream, whose entry ids are the offsets).
type recovery struct {
	node          *Node
	nsp           string
	stream        string
	sessionPrefix string
	maxAge        time.Duration
}

func newRecovery(n *Node, nsp string, maxAge time.Duration) *recovery {
	return &recovery{
		node:          n,
		nsp:           nsp,
		stream:        n.opts.Key + "-stream#" + nsp + "#",
		sessionPrefix: n.opts.Key + "-session#" + nsp + "#",
		maxAge:        maxAge,
	}
}

func (r *recovery) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), r.node.opts.RequestsTimeout)
}

// entryValues are the fields of p's stream entry.
func entryValues(p *parser.Packet, opts *socketio.BroadcastOptions) []any {
	values := make([]any, 0, 6+2*len(p.Attachments))
	rooms, _ := json.Marshal(nonNil(opts.Rooms))
	except, _ := json.Marshal(nonNil(opts.Except))
	values = append(values, "d", string(p.Data), "r", string(rooms), "x", string(except))
	for i, a := range p.Attachments {
		values = append(values, "a"+strconv.Itoa(i), string(a))
	}
	return values
}

// trim returns how the stream is trimmed: MAXLEN or MINID, and its value.
func (r *recovery) trim() (string, string) {
	if max := r.node.opts.StreamMaxLen; max > 0 {
		return "MAXLEN", strconv.FormatInt(max, 10)
	}
	return "MINID", strconv.FormatInt(time.Now().Add(-r.maxAge).UnixMilli(), 10)
}

// append adds p to the stream and returns its entry id.
func (r *recovery) append(p *parser.Packet, opts *socketio.BroadcastOptions) (string, error) {
	args := &redis.XAddArgs{Stream: r.stream, Values: entryValues(p, opts), Approx: true}
	if kind, v := r.trim(); kind == "MAXLEN" {
		args.MaxLen = r.node.opts.StreamMaxLen
	} else {
		args.MinID = v
	}
	ctx, cancel := r.ctx()
	defer cancel()
	return r.node.client.XAdd(ctx, args).Result()
}

// appendPublishScript appends a broadcast to the stream and publishes its
// message, completed with the entry id (msgpack: a str) where
// encodeBroadcastParts left it out, in one step: the messages of all nodes
// then go out in the stream's order, and every node, which gets its own
// back too, delivers them in that order.
var appendPublishScript = redis.NewScript(`
local id = redis.call('XADD', KEYS[1], ARGV[5], '~', ARGV[6], '*', unpack(ARGV, 7))
local n = string.len(id)
local enc
if n < 32 then enc = string.char(160 + n) .. id else enc = string.char(217, n) .. id end
redis.call('PUBLISH', ARGV[1], ARGV[2] .. enc .. ARGV[3] .. enc .. ARGV[4])
return id
`)

// appendAndPublish adds p to the stream and publishes on channel its
// message (parts from encodeBroadcastParts) with the entry id, which it
// returns.
func (r *recovery) appendAndPublish(p *parser.Packet, opts *socketio.BroadcastOptions, channel string, parts [3][]byte) (string, error) {
	kind, v := r.trim()
	args := append([]any{channel, parts[0], parts[1], parts[2], kind, v}, entryValues(p, opts)...)
	ctx, cancel := r.ctx()
	defer cancel()
	return appendPublishScript.Run(ctx, r.node.client, []string{r.stream}, args...).Text()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// entry is a broadcast read back from the stream.
type entry struct {
	packet        *parser.Packet
	rooms, except []string
	offset        string
}

func (r *recovery) decodeEntry(m redis.XMessage) (*entry, bool) {
	d, _ := m.Values["d"].(string)
	if len(d) < 2 || d[0] != '[' {
		return nil, false
	}
	e := &entry{offset: m.ID}
	rooms, _ := m.Values["r"].(string)
	except, _ := m.Values["x"].(string)
	if json.Unmarshal([]byte(rooms), &e.rooms) != nil || json.Unmarshal([]byte(except), &e.except) != nil {
		return nil, false
	}
	p := &parser.Packet{Type: parser.Event, Namespace: r.nsp, Data: []byte(d)}
	for i := 0; ; i++ {
		a, ok := m.Values["a"+strconv.Itoa(i)].(string)
		if !ok {
			break
		}
		p.Attachments = append(p.Attachments, []byte(a))
	}
	if len(p.Attachments) > 0 {
		p.Type = parser.BinaryEvent
	}
	e.packet = withOffset(p, m.ID)
	return e, true
}

// selects reports whether a socket in rooms gets the entry.
func (e *entry) selects(rooms []string) bool {
	in := func(list []string) bool {
		for _, r := range list {
			for _, x := range rooms {
				if r == x {
					return true
				}
			}
		}
		return false
	}
	if len(e.rooms) > 0 && !in(e.rooms) {
		return false
	}
	return !in(e.except)
}

// storedSession is a session in Redis. Data is JSON.
type storedSession struct {
	SID   string          `json:"sid"`
	PID   string          `json:"pid"`
	Rooms []string        `json:"rooms"`
	Data  json.RawMessage `json:"data,omitempty"`
	// Live is the node whose socket this session is, while it is
	// connected (keep.go); empty once it disconnected.
	Live string `json:"live,omitempty"`
}

// PersistSession stores s in Redis for MaxDisconnectionDuration, before it
// returns, so that any node can restore it. s.Data must be JSON-encodable
// (it comes back as encoding/json decodes into an any); when it is not,
// the session is kept without it.
func (a *Adapter) PersistSession(s *socketio.Session) {
	if a.rec == nil {
		return
	}
	a.forget(s.PID)
	a.writeSession(s, "")
}

// RestoreSession takes the session of pid out of Redis when the stream
// still holds offset; the packets missed since come with Rejoin.
func (a *Adapter) RestoreSession(pid, offset string) (*socketio.Session, error) {
	if a.rec == nil || pid == "" || offset == "" {
		return nil, nil
	}
	ctx, cancel := a.rec.ctx()
	defer cancel()
	// The offset first: a session whose packets are gone stays unused.
	msgs, err := a.node.client.XRange(ctx, a.rec.stream, offset, offset).Result()
	if err != nil {
		var rerr redis.Error
		if errors.As(err, &rerr) {
			return nil, nil // not a stream id
		}
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	b, err := a.takeSession(ctx, pid)
	if err != nil || b == nil {
		return nil, err
	}
	var st storedSession
	if err := json.Unmarshal(b, &st); err != nil || st.PID != pid {
		return nil, nil
	}
	s := &socketio.Session{SID: st.SID, PID: st.PID, Rooms: st.Rooms, LogEnd: offset}
	if len(st.Data) > 0 {
		_ = json.Unmarshal(st.Data, &s.Data)
	}
	return s, nil
}

// Rejoin puts a recovered socket back in its rooms and hands send the
// stream's packets after since that select it, while no logged packet can
// be delivered here; those of them still on their way arrive later and
// are not delivered to it again.
func (a *Adapter) Rejoin(id string, rooms []string, since string, send func([]*parser.Packet)) {
	a.joinMu.Lock()
	defer a.joinMu.Unlock()
	a.local.AddAll(id, rooms)
	if a.rec == nil || since == "" {
		send(nil)
		return
	}
	ctx, cancel := a.rec.ctx()
	defer cancel()
	msgs, err := a.node.client.XRange(ctx, a.rec.stream, "("+since, "+").Result()
	if err != nil {
		a.node.opts.Logger.Warn("redisadapter: read missed packets", "nsp", a.nsp.Name(), "err", err)
		send(nil)
		return
	}
	now := time.Now()
	a.pruneSkipped(now)
	var missed []*parser.Packet
	for _, m := range msgs {
		e, ok := a.rec.decodeEntry(m)
		if !ok || !e.selects(rooms) {
			continue
		}
		missed = append(missed, e.packet)
		a.addSkipped(e.offset, id, now)
	}
	send(missed)
}
