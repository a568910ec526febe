package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// RedisOptions configures a RedisTracker.
type RedisOptions struct {
	// Prefix starts every key. Default "kin:presence".
	Prefix string
	// TTL is how long a connection counts without its node refreshing it:
	// a node that dies without saying goodbye takes its users offline
	// within TTL (plus one sweep). Default 30s; the node refreshes and
	// sweeps every TTL/3.
	TTL time.Duration
	// Grace is how long a user whose last connection closed still counts
	// as present (a reload does not flicker to offline).
	Grace time.Duration
	// Logger receives Redis failures. Default: slog.Default().
	Logger *slog.Logger
}

// RedisTracker is the presence of a cluster's users, kept in Redis: one
// entry per connection (a sorted-set member whose score is its expiry,
// refreshed by its node), counted per user across nodes. Every change of
// a user's status is decided by one atomic script, so exactly one node
// publishes it. While Redis is unreachable the node keeps its own
// connections and writes them again once Redis is back.
type RedisTracker struct {
	rdb    redis.UniversalClient
	pub    Publisher
	opts   RedisOptions
	node   string
	now    func() time.Time
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once

	mu    sync.Mutex
	seq   uint64
	conns map[string][]localConn // user -> this node's connections, newest last
	grace map[string]*time.Timer // user -> pending offline check
}

type localConn struct {
	member string
	p      auth.Principal
}

// NewRedisTracker returns a tracker on rdb that publishes through pub, and
// starts its refresh loop; Close stops it.
func NewRedisTracker(rdb redis.UniversalClient, pub Publisher, opts RedisOptions) *RedisTracker {
	if opts.Prefix == "" {
		opts.Prefix = "kin:presence"
	}
	if opts.TTL <= 0 {
		opts.TTL = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	t := &RedisTracker{
		rdb: rdb, pub: pub, opts: opts, node: hex.EncodeToString(b[:]), now: time.Now,
		stop: make(chan struct{}), done: make(chan struct{}),
		conns: make(map[string][]localConn), grace: make(map[string]*time.Timer),
	}
	go t.loop()
	return t
}

func (t *RedisTracker) connsKey(user string) string { return t.opts.Prefix + ":conns:" + user }
func (t *RedisTracker) userKey(user string) string  { return t.opts.Prefix + ":user:" + user }
func (t *RedisTracker) usersKey() string            { return t.opts.Prefix + ":users" }

// Each script answers {changed, name, role, department, status, lastSeen,
// version}:
// changed is 1 when this call moved the user's visible status, and the
// caller then publishes it. Times are Unix milliseconds.

// connectScript adds (or refreshes) a connection; the user becomes their
// chosen status if they were offline. ARGV: member, expiry, now, name,
// role, department, touch (1: set lastSeen to now).
var connectScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[8])
redis.call('HSET', KEYS[2], 'name', ARGV[4], 'role', ARGV[5], 'department', ARGV[6])
if ARGV[7] == '1' or not redis.call('HGET', KEYS[2], 'lastSeen') then
  redis.call('HSET', KEYS[2], 'lastSeen', ARGV[3])
end
local chosen = redis.call('HGET', KEYS[2], 'chosen') or 'online'
local changed = 0
if redis.call('HGET', KEYS[2], 'status') ~= chosen then
  redis.call('HSET', KEYS[2], 'status', chosen)
  redis.call('HINCRBY', KEYS[2], 'version', 1)
  changed = 1
end
local e = redis.call('HMGET', KEYS[2], 'name', 'role', 'department', 'status', 'lastSeen', 'version')
return {changed, e[1], e[2], e[3], e[4], e[5], e[6]}
`)

// checkScript drops expired connections and takes a user with none left
// offline. ARGV: now, lastSeen (empty: keep).
var checkScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], 'lastSeen', ARGV[2])
end
local changed = 0
local status = redis.call('HGET', KEYS[2], 'status')
if status and status ~= 'offline' and redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[2], 'status', 'offline')
  redis.call('HINCRBY', KEYS[2], 'version', 1)
  changed = 1
end
local e = redis.call('HMGET', KEYS[2], 'name', 'role', 'department', 'status', 'lastSeen', 'version')
return {changed, e[1], e[2], e[3], e[4], e[5], e[6]}
`)

// statusScript sets the status a user chose; it shows while they have a
// live connection. ARGV: status, now, name, role, department, user.
var statusScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[6])
if not redis.call('HGET', KEYS[2], 'status') then
  redis.call('HSET', KEYS[2], 'name', ARGV[3], 'role', ARGV[4], 'department', ARGV[5], 'status', 'offline', 'lastSeen', ARGV[2])
end
redis.call('HSET', KEYS[2], 'chosen', ARGV[1])
local changed = 0
if redis.call('ZCARD', KEYS[1]) > 0 and redis.call('HGET', KEYS[2], 'status') ~= ARGV[1] then
  redis.call('HSET', KEYS[2], 'status', ARGV[1])
  redis.call('HINCRBY', KEYS[2], 'version', 1)
  changed = 1
end
local e = redis.call('HMGET', KEYS[2], 'name', 'role', 'department', 'status', 'lastSeen', 'version')
return {changed, e[1], e[2], e[3], e[4], e[5], e[6]}
`)

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func (t *RedisTracker) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

// Connect counts a new connection of p's user.
func (t *RedisTracker) Connect(p auth.Principal) {
	t.mu.Lock()
	t.seq++
	c := localConn{member: t.node + ":" + strconv.FormatUint(t.seq, 10), p: p}
	t.conns[p.UserID] = append(t.conns[p.UserID], c)
	if tm := t.grace[p.UserID]; tm != nil {
		tm.Stop()
		delete(t.grace, p.UserID)
	}
	t.mu.Unlock()
	if err := t.write(c, true); err != nil {
		t.opts.Logger.Warn("presence: redis", "op", "connect", "err", err)
	}
}

// write adds or refreshes one connection in Redis and publishes the
// change it caused.
func (t *RedisTracker) write(c localConn, touch bool) error {
	ctx, cancel := t.ctx()
	defer cancel()
	now := t.now()
	tf := "0"
	if touch {
		tf = "1"
	}
	res, err := connectScript.Run(ctx, t.rdb, []string{t.connsKey(c.p.UserID), t.userKey(c.p.UserID), t.usersKey()},
		c.member, ms(now.Add(t.opts.TTL)), ms(now), c.p.Name, c.p.Role, c.p.Department, tf, c.p.UserID).Slice()
	if err != nil {
		return err
	}
	t.outcomeEntry(c.p.UserID, res)
	return nil
}

// Disconnect counts a closed connection of the user; the last one of this
// node starts the grace period, after which the user is offline unless
// another node holds a connection.
func (t *RedisTracker) Disconnect(userID string) {
	t.mu.Lock()
	list := t.conns[userID]
	if len(list) == 0 {
		t.mu.Unlock()
		return
	}
	c := list[len(list)-1]
	if len(list) == 1 {
		delete(t.conns, userID)
	} else {
		t.conns[userID] = list[:len(list)-1]
	}
	last := len(list) == 1
	if last {
		if tm := t.grace[userID]; tm != nil {
			tm.Stop()
		}
		t.grace[userID] = time.AfterFunc(t.opts.Grace, func() { t.graceOver(userID) })
	}
	t.mu.Unlock()

	ctx, cancel := t.ctx()
	defer cancel()
	pipe := t.rdb.TxPipeline()
	pipe.ZRem(ctx, t.connsKey(userID), c.member)
	pipe.HSet(ctx, t.userKey(userID), "lastSeen", ms(t.now()))
	if _, err := pipe.Exec(ctx); err != nil {
		t.opts.Logger.Warn("presence: redis", "op", "disconnect", "err", err)
	}
}

func (t *RedisTracker) graceOver(userID string) {
	t.mu.Lock()
	if len(t.conns[userID]) > 0 || t.grace[userID] == nil {
		t.mu.Unlock()
		return
	}
	delete(t.grace, userID)
	t.mu.Unlock()
	t.check(userID)
}

// check takes userID offline when no node holds a live connection.
func (t *RedisTracker) check(userID string) {
	ctx, cancel := t.ctx()
	defer cancel()
	res, err := checkScript.Run(ctx, t.rdb, []string{t.connsKey(userID), t.userKey(userID)}, ms(t.now()), "").Slice()
	t.outcome(userID, res, err, "check")
}

// SetStatus sets the status a user chose; others see it while the user is
// connected on any node.
func (t *RedisTracker) SetStatus(p auth.Principal, status string) (Entry, error) {
	switch status {
	case events.PresenceOnline, events.PresenceAway, events.PresenceBusy:
	default:
		return Entry{}, ErrStatus
	}
	ctx, cancel := t.ctx()
	defer cancel()
	res, err := statusScript.Run(ctx, t.rdb, []string{t.connsKey(p.UserID), t.userKey(p.UserID), t.usersKey()},
		status, ms(t.now()), p.Name, p.Role, p.Department, p.UserID).Slice()
	if err != nil {
		return Entry{}, err
	}
	e, _ := t.outcomeEntry(p.UserID, res)
	return e, nil
}

// outcome logs err or publishes the change a script reports.
func (t *RedisTracker) outcome(userID string, res []any, err error, op string) {
	if err != nil {
		t.opts.Logger.Warn("presence: redis", "op", op, "err", err)
		return
	}
	t.outcomeEntry(userID, res)
}

func (t *RedisTracker) outcomeEntry(userID string, res []any) (Entry, bool) {
	if len(res) != 7 {
		return Entry{}, false
	}
	changed, _ := res[0].(int64)
	e := entryOf(userID, res[1:])
	if changed == 1 {
		_ = t.pub.BroadcastUserPresenceUpdated(context.Background(), events.UserPresenceUpdated{
			UserID: e.UserID, Name: e.Name, Role: e.Role, Department: e.Department, Status: e.Status, LastSeenAt: e.LastSeenAt,
			Version: e.Version,
		})
	}
	return e, changed == 1
}

// entryOf reads name, role, department, status, lastSeen (ms) and
// version from a script or HMGET reply; missing fields are nil.
func entryOf(userID string, f []any) Entry {
	str := func(i int) string {
		s, _ := f[i].(string)
		return s
	}
	e := Entry{UserID: userID, Name: str(0), Role: str(1), Department: str(2), Status: str(3)}
	if n, err := strconv.ParseInt(str(4), 10, 64); err == nil {
		e.LastSeenAt = time.UnixMilli(n).UTC()
	}
	if len(f) > 5 {
		e.Version, _ = strconv.ParseInt(str(5), 10, 64)
	}
	return e
}

// List returns the users for which keep is true, by name then id. When
// Redis cannot answer, it lists this node's users.
func (t *RedisTracker) List(keep func(Entry) bool) []Entry {
	out, err := t.list(keep)
	if err != nil {
		t.opts.Logger.Warn("presence: redis", "op", "list", "err", err)
		out = out[:0]
		t.mu.Lock()
		for id, cs := range t.conns {
			p := cs[0].p
			e := Entry{UserID: id, Name: p.Name, Role: p.Role, Department: p.Department, Status: events.PresenceOnline}
			if keep == nil || keep(e) {
				out = append(out, e)
			}
		}
		t.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].UserID < out[j].UserID
	})
	return out
}

func (t *RedisTracker) list(keep func(Entry) bool) ([]Entry, error) {
	ctx, cancel := t.ctx()
	defer cancel()
	users, err := t.rdb.SMembers(ctx, t.usersKey()).Result()
	if err != nil {
		return nil, err
	}
	pipe := t.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(users))
	for i, u := range users {
		cmds[i] = pipe.HMGet(ctx, t.userKey(u), "name", "role", "department", "status", "lastSeen", "version")
	}
	if len(users) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
	}
	out := make([]Entry, 0, len(users))
	for i, u := range users {
		f, err := cmds[i].Result()
		if err != nil || len(f) != 6 || f[3] == nil {
			continue
		}
		if e := entryOf(u, f); keep == nil || keep(e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// loop refreshes this node's connections and sweeps the users whose
// connections expired (a node that died) every TTL/3.
func (t *RedisTracker) loop() {
	defer close(t.done)
	tick := time.NewTicker(t.opts.TTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			t.refresh()
			t.sweep()
		}
	}
}

// refresh writes every local connection again with a new expiry (and
// restores them after Redis was unreachable).
func (t *RedisTracker) refresh() {
	t.mu.Lock()
	var all []localConn
	for _, cs := range t.conns {
		all = append(all, cs...)
	}
	t.mu.Unlock()
	for _, c := range all {
		select {
		case <-t.stop:
			return
		default:
		}
		if err := t.write(c, false); err != nil {
			t.opts.Logger.Warn("presence: redis", "op", "refresh", "err", err)
			return // the next tick tries again
		}
	}
}

// sweep takes offline the users left with no live connection; the script
// is atomic, so among the nodes sweeping at once one publishes.
func (t *RedisTracker) sweep() {
	ctx, cancel := t.ctx()
	users, err := t.rdb.SMembers(ctx, t.usersKey()).Result()
	cancel()
	if err != nil {
		t.opts.Logger.Warn("presence: redis", "op", "sweep", "err", err)
		return
	}
	for _, u := range users {
		t.mu.Lock()
		local := len(t.conns[u]) > 0 || t.grace[u] != nil
		t.mu.Unlock()
		if !local {
			t.check(u)
		}
	}
}

// Close stops the refresh loop and the grace timers, and removes this
// node's connections from Redis: the other nodes' sweeps take the users
// offline unless they reconnected there. Call it after the node's sockets
// are gone.
func (t *RedisTracker) Close() {
	t.closed.Do(func() {
		close(t.stop)
		<-t.done
		t.mu.Lock()
		for _, tm := range t.grace {
			tm.Stop()
		}
		t.grace = map[string]*time.Timer{}
		conns := t.conns
		t.conns = map[string][]localConn{}
		t.mu.Unlock()
		if len(conns) == 0 {
			return
		}
		ctx, cancel := t.ctx()
		defer cancel()
		pipe := t.rdb.Pipeline()
		for u, cs := range conns {
			for _, c := range cs {
				pipe.ZRem(ctx, t.connsKey(u), c.member)
			}
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.opts.Logger.Warn("presence: redis", "op", "close", "err", err)
		}
	})
}
