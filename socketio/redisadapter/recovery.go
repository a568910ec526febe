package redisadapter

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// recovery keeps, for connection state recovery across nodes, the sessions
// of disconnected sockets (a key each, with a TTL) and the namespace's
// broadcasts (a stream, whose entry ids are the offsets, and beside it the
// count of the bytes its entries hold).
type recovery struct {
	node          *Node
	nsp           string
	stream        string
	streamBytes   string
	sessionPrefix string
	maxAge        time.Duration
	maxBytes      int64 // 0: no cap
	// the bounds as appendLua's ARGV[2] and ARGV[3], boxed once
	maxLenArg, maxBytesArg any
}

func newRecovery(n *Node, nsp string, opts *socketio.RecoveryOptions) *recovery {
	maxBytes := max(opts.MaxLogBytes, 0)
	return &recovery{
		node:          n,
		nsp:           nsp,
		stream:        n.opts.Key + "-stream#" + nsp + "#",
		streamBytes:   n.opts.Key + "-stream-bytes#" + nsp + "#",
		sessionPrefix: n.opts.Key + "-session#" + nsp + "#",
		maxAge:        opts.MaxDisconnectionDuration,
		maxBytes:      maxBytes,
		maxLenArg:     max(n.opts.StreamMaxLen, 0),
		maxBytesArg:   maxBytes,
	}
}

func (r *recovery) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), r.node.opts.RequestsTimeout)
}

// appendEntryValues appends the fields of p's stream entry to values.
func appendEntryValues(values []any, p *parser.Packet, opts *socketio.BroadcastOptions) []any {
	rooms, _ := json.Marshal(nonNil(opts.Rooms))
	except, _ := json.Marshal(nonNil(opts.Except))
	values = append(values, "d", string(p.Data), "r", string(rooms), "x", string(except))
	for i, a := range p.Attachments {
		values = append(values, "a"+strconv.Itoa(i), string(a))
	}
	return values
}

// appendLua appends an entry to the stream KEYS[1] and trims it; KEYS[2]
// counts the bytes of the stream's entries (the lengths of their fields'
// names and values). ARGV[1] is the newest expired entry's id (no entry
// expires when it is ""), ARGV[2] the most entries kept and ARGV[3] the
// most bytes (0: no bound), ARGV[4] how many ARGV before the entry's
// fields are the caller's. The trim reads the entries it removes, to
// count their bytes off, and removes them exactly (XTRIM MINID): the
// expired ones, then the oldest while the stream is over a bound; about
// 256 at most a call, so that an append after a long pause does not hold
// Redis while it reads a large backlog (the next appends remove the
// rest). Should it reach the entry just added while still over (the count
// was too high: entries removed by a node that does not count them), only
// that entry is left, and the count is set to its own bytes. The id is
// left in the local id.
const appendLua = `
local stream, counted = KEYS[1], KEYS[2]
local expired, maxLen, maxBytes, skip = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local id = redis.call('XADD', stream, '*', unpack(ARGV, skip + 1))
local size = 0
for i = skip + 1, #ARGV do size = size + string.len(ARGV[i]) end
local bytes = redis.call('INCRBY', counted, size)
local len = redis.call('XLEN', stream)
local function sizeOf(e)
  local n = 0
  for _, f in ipairs(e[2]) do n = n + string.len(f) end
  return n
end
local freed, dropped, last, reached = 0, 0, nil, false
if expired ~= '' then
  local from = '-'
  repeat
    local batch = redis.call('XRANGE', stream, from, expired, 'COUNT', 64)
    for _, e in ipairs(batch) do
      freed, dropped, last = freed + sizeOf(e), dropped + 1, e[1]
    end
    if last then from = '(' .. last end
  until #batch < 64 or dropped >= 256
end
local function over()
  return (maxLen > 0 and len - dropped > maxLen) or (maxBytes > 0 and bytes - freed > maxBytes)
end
local count = 1
while over() and not reached and dropped < 256 do
  local batch = redis.call('XRANGE', stream, last and ('(' .. last) or '-', '+', 'COUNT', count)
  if #batch == 0 then break end
  for _, e in ipairs(batch) do
    if not over() then break end
    if e[1] == id then
      reached = true
      if size <= maxBytes or maxBytes == 0 then break end
    end
    freed, dropped, last = freed + sizeOf(e), dropped + 1, e[1]
  end
  count = math.min(2 * count, 64)
end
if last then
  local ms, seq = string.match(last, '^(%d+)-(%d+)$')
  redis.call('XTRIM', stream, 'MINID', ms .. '-' .. string.format('%.0f', tonumber(seq) + 1))
end
if reached then
  if dropped < len then redis.call('SET', counted, size) else redis.call('SET', counted, 0) end
elseif freed > 0 then
  if redis.call('DECRBY', counted, freed) < 0 or dropped >= len then redis.call('SET', counted, 0) end
end
`

// scriptArgs returns the ARGV of appendLua (room made for the caller's
// extra ones, and for p's entry): how the stream is trimmed, and skip.
func (r *recovery) scriptArgs(skip int, p *parser.Packet) []any {
	args := make([]any, 4, skip+6+2*len(p.Attachments))
	args[0] = ""
	if r.node.opts.StreamMaxLen <= 0 {
		args[0] = strconv.FormatInt(time.Now().Add(-r.maxAge).UnixMilli()-1, 10)
	}
	args[1], args[2], args[3] = r.maxLenArg, r.maxBytesArg, skip
	return args
}

// appendScript appends a broadcast to the stream (appendLua).
var appendScript = redis.NewScript(appendLua + `
return id
`)

// append adds p to the stream and returns its entry id.
func (r *recovery) append(p *parser.Packet, opts *socketio.BroadcastOptions) (string, error) {
	args := appendEntryValues(r.scriptArgs(4, p), p, opts)
	ctx, cancel := r.ctx()
	defer cancel()
	return appendScript.Run(ctx, r.node.client, []string{r.stream, r.streamBytes}, args...).Text()
}

// appendPublishScript appends a broadcast to the stream (appendLua) and
// publishes its message, completed with the entry id (msgpack: a str)
// where encodeBroadcastParts left it out, in one step: the messages of
// all nodes then go out in the stream's order, and every node, which gets
// its own back too, delivers them in that order.
var appendPublishScript = redis.NewScript(appendLua + `
local n = string.len(id)
local enc
if n < 32 then enc = string.char(160 + n) .. id else enc = string.char(217, n) .. id end
redis.call('PUBLISH', ARGV[5], ARGV[6] .. enc .. ARGV[7] .. enc .. ARGV[8])
return id
`)

// appendAndPublish adds p to the stream and publishes on channel its
// message (parts from encodeBroadcastParts) with the entry id, which it
// returns.
func (r *recovery) appendAndPublish(p *parser.Packet, opts *socketio.BroadcastOptions, channel string, parts [3][]byte) (string, error) {
	args := appendEntryValues(append(r.scriptArgs(8, p), channel, parts[0], parts[1], parts[2]), p, opts)
	ctx, cancel := r.ctx()
	defer cancel()
	return appendPublishScript.Run(ctx, r.node.client, []string{r.stream, r.streamBytes}, args...).Text()
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
	opts := socketio.BroadcastOptions{Rooms: e.rooms, Except: e.except}
	return opts.Selects(rooms)
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
	if a.sessions != nil {
		a.sessions.persist(s)
	}
}

// RestoreSession takes the session of pid out of Redis when the stream
// still holds offset; the packets missed since come with Rejoin.
func (a *Adapter) RestoreSession(pid, offset string) (*socketio.Session, error) {
	if a.sessions == nil || pid == "" || offset == "" {
		return nil, nil
	}
	return a.sessions.restore(pid, offset)
}

// Rejoin puts a recovered socket back in its rooms and hands send the
// stream's packets after since that select it, while no logged packet can
// be delivered here; those of them still on their way arrive later and
// are not delivered to it again.
func (a *Adapter) Rejoin(id string, rooms []string, since string, send func([]*parser.Packet)) {
	var notify func()
	defer func() { notify() }() // after the unlock: a room event listener may broadcast
	a.joinMu.Lock()
	defer a.joinMu.Unlock()
	notify = a.local.AddAllLater(id, rooms)
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
	a.skips.Prune(now)
	var missed []*parser.Packet
	for _, m := range msgs {
		e, ok := a.rec.decodeEntry(m)
		if !ok || !e.selects(rooms) {
			continue
		}
		missed = append(missed, e.packet)
		a.skips.Add(e.offset, id, now)
	}
	send(missed)
}
