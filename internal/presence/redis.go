package presence

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/auth"
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

// redisStore keeps presence in Redis, with node leases as on PostgreSQL:
// a hash of the nodes' lease expiries (each node renews its own every
// TTL/3: one command, whatever its connections); per user, a set of
// connections (members "<node>:<seq>", live while their node's lease is)
// and a hash of the user's entry; per node, the set of its users; and the
// set of the users known. Lua scripts decide each change. A sweep checks
// only the users of the nodes whose lease is over, so the cluster's
// steady cost does not grow with its connections.
type redisStore struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewRedisTracker returns a tracker on rdb that publishes through pub, and
// starts its refresh loop; Close stops it. The node renews its lease every
// TTL/3; its connections count while the lease is not over.
func NewRedisTracker(rdb redis.UniversalClient, pub Publisher, opts RedisOptions) *RedisTracker {
	if opts.Prefix == "" {
		opts.Prefix = "kin:presence"
	}
	if opts.TTL <= 0 {
		opts.TTL = 30 * time.Second
	}
	return newClusterTracker(&redisStore{rdb: rdb, prefix: opts.Prefix, ttl: opts.TTL}, pub, opts.TTL, opts.Grace, opts.Logger)
}

func (t *redisStore) connsKey(user string) string     { return t.prefix + ":conns:" + user }
func (t *redisStore) userKey(user string) string      { return t.prefix + ":user:" + user }
func (t *redisStore) usersKey() string                { return t.prefix + ":users" }
func (t *redisStore) nodesKey() string                { return t.prefix + ":nodes" }
func (t *redisStore) nodeUsersKey(node string) string { return t.prefix + ":node-users:" + node }

// nodeOf returns the node of a connection's member "<node>:<seq>".
func nodeOf(member string) string {
	node, _, _ := strings.Cut(member, ":")
	return node
}

// Each script answers {changed, name, role, department, status, lastSeen,
// version}:
// changed is 1 when this call moved the user's visible status, and the
// caller then publishes it. Times are Unix milliseconds.

// liveLua defines live(conns, nodes, now): it drops the connections whose
// node's lease is over (or gone) and returns how many are left.
const liveLua = `
local function live(conns, nodes, now)
  local n = 0
  for _, m in ipairs(redis.call('SMEMBERS', conns)) do
    local exp = redis.call('HGET', nodes, string.match(m, '^([^:]*)'))
    if exp and tonumber(exp) > tonumber(now) then
      n = n + 1
    else
      redis.call('SREM', conns, m)
    end
  end
  return n
end
local function answer(user, changed)
  local e = redis.call('HMGET', user, 'name', 'role', 'department', 'status', 'lastSeen', 'version')
  return {changed, e[1], e[2], e[3], e[4], e[5], e[6]}
end
`

// connectScript adds a connection of a live node; the user becomes their
// chosen status if they were offline. KEYS: conns, user, users, the
// node's users. ARGV: member, now, name, role, department, touch (1: set
// lastSeen to now), user id.
var connectScript = redis.NewScript(liveLua + `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[7])
redis.call('SADD', KEYS[4], ARGV[7])
redis.call('HSET', KEYS[2], 'name', ARGV[3], 'role', ARGV[4], 'department', ARGV[5])
if ARGV[6] == '1' or not redis.call('HGET', KEYS[2], 'lastSeen') then
  redis.call('HSET', KEYS[2], 'lastSeen', ARGV[2])
end
local chosen = redis.call('HGET', KEYS[2], 'chosen') or 'online'
local changed = 0
if redis.call('HGET', KEYS[2], 'status') ~= chosen then
  redis.call('HSET', KEYS[2], 'status', chosen)
  redis.call('HINCRBY', KEYS[2], 'version', 1)
  changed = 1
end
return answer(KEYS[2], changed)
`)

// disconnectScript removes a connection, sets lastSeen, and takes the user
// out of the node's users when it was their last connection there. KEYS:
// conns, user, the node's users. ARGV: member, now, user id.
var disconnectScript = redis.NewScript(`
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'lastSeen', ARGV[2])
local node = string.match(ARGV[1], '^([^:]*)') .. ':'
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.sub(m, 1, #node) == node then return 0 end
end
redis.call('SREM', KEYS[3], ARGV[3])
return 1
`)

// checkScript drops the connections of nodes whose lease is over and
// takes a user with none left offline. KEYS: conns, user, nodes. ARGV:
// now.
var checkScript = redis.NewScript(liveLua + `
local changed = 0
local status = redis.call('HGET', KEYS[2], 'status')
if status and status ~= 'offline' and live(KEYS[1], KEYS[3], ARGV[1]) == 0 then
  redis.call('HSET', KEYS[2], 'status', 'offline')
  redis.call('HINCRBY', KEYS[2], 'version', 1)
  changed = 1
end
return answer(KEYS[2], changed)
`)

// statusScript sets the status a user chose; it shows while they have a
// live connection. KEYS: conns, user, users, nodes. ARGV: status, now,
// name, role, department, user id.
var statusScript = redis.NewScript(liveLua + `
redis.call('SADD', KEYS[3], ARGV[6])
if not redis.call('HGET', KEYS[2], 'status') then
  redis.call('HSET', KEYS[2], 'name', ARGV[3], 'role', ARGV[4], 'department', ARGV[5], 'status', 'offline', 'lastSeen', ARGV[2])
end
redis.call('HSET', KEYS[2], 'chosen', ARGV[1])
local changed = 0
if live(KEYS[1], KEYS[4], ARGV[2]) > 0 and redis.call('HGET', KEYS[2], 'status') ~= ARGV[1] then
  redis.call('HSET', KEYS[2], 'status', ARGV[1])
  redis.call('HINCRBY', KEYS[2], 'version', 1)
  changed = 1
end
return answer(KEYS[2], changed)
`)

// renewScript extends the node's lease; it answers 1 when the lease was
// over or missing (the node's connections may be gone: it writes them
// again). KEYS: nodes. ARGV: node, now, expiry.
var renewScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if old and tonumber(old) > tonumber(ARGV[2]) then return 0 end
return 1
`)

// candidatesScript returns the users of the nodes whose lease is over,
// and forgets the nodes whose lease has been over for another TTL (every
// node has swept their users meanwhile). KEYS: nodes. ARGV: now, ttl,
// the node users' key prefix.
var candidatesScript = redis.NewScript(`
local users = {}
local nodes = redis.call('HGETALL', KEYS[1])
for i = 1, #nodes, 2 do
  local exp = tonumber(nodes[i + 1])
  if exp <= tonumber(ARGV[1]) then
    local key = ARGV[3] .. nodes[i]
    for _, u in ipairs(redis.call('SMEMBERS', key)) do users[#users + 1] = u end
    if exp + tonumber(ARGV[2]) <= tonumber(ARGV[1]) then
      redis.call('HDEL', KEYS[1], nodes[i])
      redis.call('DEL', key)
    end
  end
end
return users
`)

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func (t *redisStore) connect(ctx context.Context, node string, c localConn, now time.Time, touch bool) (outcome, error) {
	tf := "0"
	if touch {
		tf = "1"
	}
	res, err := connectScript.Run(ctx, t.rdb, []string{t.connsKey(c.p.UserID), t.userKey(c.p.UserID), t.usersKey(), t.nodeUsersKey(node)},
		c.member, ms(now), c.p.Name, c.p.Role, c.p.Department, tf, c.p.UserID).Slice()
	if err != nil {
		return outcome{}, err
	}
	return outcomeOf(c.p.UserID, res), nil
}

func (t *redisStore) disconnect(ctx context.Context, userID, member string, now time.Time) error {
	return disconnectScript.Run(ctx, t.rdb, []string{t.connsKey(userID), t.userKey(userID), t.nodeUsersKey(nodeOf(member))},
		member, ms(now), userID).Err()
}

func (t *redisStore) check(ctx context.Context, userID string, now time.Time) (outcome, error) {
	res, err := checkScript.Run(ctx, t.rdb, []string{t.connsKey(userID), t.userKey(userID), t.nodesKey()}, ms(now)).Slice()
	if err != nil {
		return outcome{}, err
	}
	return outcomeOf(userID, res), nil
}

func (t *redisStore) setStatus(ctx context.Context, p auth.Principal, status string, now time.Time) (outcome, error) {
	res, err := statusScript.Run(ctx, t.rdb, []string{t.connsKey(p.UserID), t.userKey(p.UserID), t.usersKey(), t.nodesKey()},
		status, ms(now), p.Name, p.Role, p.Department, p.UserID).Slice()
	if err != nil {
		return outcome{}, err
	}
	return outcomeOf(p.UserID, res), nil
}

// outcomeOf reads a script's answer {changed, name, role, department,
// status, lastSeen, version}.
func outcomeOf(userID string, res []any) outcome {
	if len(res) != 7 {
		return outcome{}
	}
	changed, _ := res[0].(int64)
	return outcome{entry: entryOf(userID, res[1:]), changed: changed == 1}
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

func (t *redisStore) list(ctx context.Context) ([]Entry, error) {
	users, err := t.rdb.SMembers(ctx, t.usersKey()).Result()
	if err != nil {
		return nil, err
	}
	return t.lookup(ctx, users)
}

func (t *redisStore) lookup(ctx context.Context, users []string) ([]Entry, error) {
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
		out = append(out, entryOf(u, f))
	}
	return out, nil
}

// renew extends the node's lease by TTL; lost when it was over or did
// not exist.
func (t *redisStore) renew(ctx context.Context, node string, now time.Time) (bool, error) {
	lost, err := renewScript.Run(ctx, t.rdb, []string{t.nodesKey()}, node, ms(now), ms(now.Add(t.ttl))).Int()
	return lost == 1, err
}

// candidates are the users of the nodes whose lease is over (a dead
// node's, a closed one's): a sweep costs what died, not every user.
func (t *redisStore) candidates(ctx context.Context, now time.Time) ([]string, error) {
	return candidatesScript.Run(ctx, t.rdb, []string{t.nodesKey()}, ms(now), t.ttl.Milliseconds(), t.nodeUsersKey("")).StringSlice()
}

// remove takes the node's connections out and ends its lease: the other
// nodes' next sweep checks its users.
func (t *redisStore) remove(ctx context.Context, node string, conns map[string][]localConn) error {
	pipe := t.rdb.Pipeline()
	for u, cs := range conns {
		for _, c := range cs {
			pipe.SRem(ctx, t.connsKey(u), c.member)
		}
	}
	pipe.HSet(ctx, t.nodesKey(), node, "0")
	_, err := pipe.Exec(ctx)
	return err
}
