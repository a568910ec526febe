package presence

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
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

// redisStore keeps presence in Redis: per user, a sorted set of
// connections scored by their expiry (refreshed by their node) and a hash
// of the user's entry; a set of the users known; and a sorted set of the
// users with connections, scored by their latest connection's expiry, so
// that a sweep checks only the users whose connections may have expired,
// not every user. Lua scripts decide each change.
type redisStore struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewRedisTracker returns a tracker on rdb that publishes through pub, and
// starts its refresh loop; Close stops it. Each connection is a member of
// its user's sorted set whose score is its expiry, which its node
// refreshes every TTL/3.
func NewRedisTracker(rdb redis.UniversalClient, pub Publisher, opts RedisOptions) *RedisTracker {
	if opts.Prefix == "" {
		opts.Prefix = "kin:presence"
	}
	if opts.TTL <= 0 {
		opts.TTL = 30 * time.Second
	}
	return newClusterTracker(&redisStore{rdb: rdb, prefix: opts.Prefix, ttl: opts.TTL}, pub, opts.TTL, opts.Grace, opts.Logger)
}

func (t *redisStore) connsKey(user string) string { return t.prefix + ":conns:" + user }
func (t *redisStore) userKey(user string) string  { return t.prefix + ":user:" + user }
func (t *redisStore) usersKey() string            { return t.prefix + ":users" }
func (t *redisStore) expiryKey() string           { return t.prefix + ":expiry" }

// Each script answers {changed, name, role, department, status, lastSeen,
// version}:
// changed is 1 when this call moved the user's visible status, and the
// caller then publishes it. Times are Unix milliseconds.

// connectScript adds (or refreshes) a connection; the user becomes their
// chosen status if they were offline. KEYS: conns, user, users, expiry.
// ARGV: member, expiry, now, name, role, department, touch (1: set
// lastSeen to now), user.
var connectScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[8])
redis.call('ZADD', KEYS[4], 'GT', ARGV[2], ARGV[8])
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
// offline; the user's expiry becomes their latest connection's (none
// left: the user leaves the expiry set). KEYS: conns, user, expiry. ARGV:
// now, lastSeen (empty: keep), user.
var checkScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then
  redis.call('ZADD', KEYS[3], top[2], ARGV[3])
else
  redis.call('ZREM', KEYS[3], ARGV[3])
end
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

func (t *redisStore) connect(ctx context.Context, _ string, c localConn, now time.Time, touch bool) (outcome, error) {
	tf := "0"
	if touch {
		tf = "1"
	}
	res, err := connectScript.Run(ctx, t.rdb, []string{t.connsKey(c.p.UserID), t.userKey(c.p.UserID), t.usersKey(), t.expiryKey()},
		c.member, ms(now.Add(t.ttl)), ms(now), c.p.Name, c.p.Role, c.p.Department, tf, c.p.UserID).Slice()
	if err != nil {
		return outcome{}, err
	}
	return outcomeOf(c.p.UserID, res), nil
}

func (t *redisStore) disconnect(ctx context.Context, userID, member string, now time.Time) error {
	pipe := t.rdb.TxPipeline()
	pipe.ZRem(ctx, t.connsKey(userID), member)
	pipe.HSet(ctx, t.userKey(userID), "lastSeen", ms(now))
	_, err := pipe.Exec(ctx)
	return err
}

func (t *redisStore) check(ctx context.Context, userID string, now time.Time) (outcome, error) {
	res, err := checkScript.Run(ctx, t.rdb, []string{t.connsKey(userID), t.userKey(userID), t.expiryKey()}, ms(now), "", userID).Slice()
	if err != nil {
		return outcome{}, err
	}
	return outcomeOf(userID, res), nil
}

func (t *redisStore) setStatus(ctx context.Context, p auth.Principal, status string, now time.Time) (outcome, error) {
	res, err := statusScript.Run(ctx, t.rdb, []string{t.connsKey(p.UserID), t.userKey(p.UserID), t.usersKey()},
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

// renew reports the connections lost every time: each one's expiry is
// its own, so the node writes them all again with a new one (which also
// restores them after Redis was unreachable).
func (t *redisStore) renew(context.Context, string, time.Time) (bool, error) { return true, nil }

// candidates are the users whose latest connection's expiry has passed
// (those a dead or closed node held): live nodes keep pushing their
// connections' expiries ahead, so a sweep costs what died, not every
// user.
func (t *redisStore) candidates(ctx context.Context, now time.Time) ([]string, error) {
	return t.rdb.ZRangeByScore(ctx, t.expiryKey(), &redis.ZRangeBy{Min: "-inf", Max: ms(now)}).Result()
}

func (t *redisStore) remove(ctx context.Context, _ string, conns map[string][]localConn) error {
	if len(conns) == 0 {
		return nil
	}
	pipe := t.rdb.Pipeline()
	now := float64(time.Now().UnixMilli())
	for u, cs := range conns {
		for _, c := range cs {
			pipe.ZRem(ctx, t.connsKey(u), c.member)
		}
		// The next sweep checks the user (whose other connections, if
		// any, put the expiry back).
		pipe.ZAddLT(ctx, t.expiryKey(), redis.Z{Score: now, Member: u})
	}
	_, err := pipe.Exec(ctx)
	return err
}
