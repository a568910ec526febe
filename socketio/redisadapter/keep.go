package redisadapter

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
)

// keeper holds the sessions of this node's connected sockets in Redis
// (the same keys PersistSession writes, marked live on this node), so that
// a client whose node died without persisting its session recovers on
// another node. Their TTL is renewed every third of
// MaxDisconnectionDuration while the sockets live, and the node says it is
// alive every heartbeat: RestoreSession takes a live session only once its
// node has stopped saying so (it died), never from a node still running.
type keeper struct {
	mu   sync.Mutex
	pids map[string]struct{}
	stop chan struct{} // closed when no session is kept: the renewal ends
}

var _ socketio.SessionKeeper = (*Adapter)(nil)

// Heartbeats of a node that keeps sessions: every heartbeat it renews a
// key that lives for liveTTL; a restore of one of its live sessions waits
// at most liveWait for the key to expire.
const (
	heartbeat = 500 * time.Millisecond
	liveTTL   = 3 * heartbeat
	liveWait  = liveTTL + heartbeat
)

// liveKey is the key that says node uid is alive.
func (a *Adapter) liveKey(uid string) string { return a.node.opts.Key + "-node#" + uid }

// KeepSession stores the session of a connected socket, as PersistSession
// would at its disconnection but marked live on this node, and renews it
// until the socket ends.
func (a *Adapter) KeepSession(s *socketio.Session) {
	if a.rec == nil {
		return
	}
	k := &a.keep
	k.mu.Lock()
	if k.pids == nil {
		k.pids = make(map[string]struct{})
	}
	k.pids[s.PID] = struct{}{}
	start := k.stop == nil
	if start {
		k.stop = make(chan struct{})
		go a.renew(k.stop)
	}
	k.mu.Unlock()
	if start {
		a.beat()
	}
	a.writeSession(s, a.node.uid)
}

// beat renews the key that says this node is alive.
func (a *Adapter) beat() {
	ctx, cancel := a.rec.ctx()
	defer cancel()
	if err := a.node.client.Set(ctx, a.liveKey(a.node.uid), "1", liveTTL).Err(); err != nil {
		a.node.opts.Logger.Warn("redisadapter: heartbeat", "nsp", a.nsp.Name(), "err", err)
	}
}

// DropSession deletes the session of a socket that ended for good.
func (a *Adapter) DropSession(pid string) {
	if a.rec == nil {
		return
	}
	a.forget(pid)
	ctx, cancel := a.rec.ctx()
	defer cancel()
	if err := a.node.client.Del(ctx, a.rec.sessionPrefix+pid).Err(); err != nil {
		a.node.opts.Logger.Warn("redisadapter: drop session", "nsp", a.nsp.Name(), "err", err)
	}
}

// forget stops renewing pid's session; the last one ends the renewal.
func (a *Adapter) forget(pid string) {
	k := &a.keep
	k.mu.Lock()
	delete(k.pids, pid)
	if len(k.pids) == 0 && k.stop != nil {
		close(k.stop)
		k.stop = nil
	}
	k.mu.Unlock()
}

// renew beats every heartbeat and extends the TTL of the kept sessions
// every third of MaxDisconnectionDuration (EXPIRE, so that a session
// another node has restored in the meantime is not written back).
func (a *Adapter) renew(stop chan struct{}) {
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		a.beat()
		if time.Since(last) < a.rec.maxAge/3 {
			continue
		}
		last = time.Now()
		a.keep.mu.Lock()
		keys := make([]string, 0, len(a.keep.pids))
		for pid := range a.keep.pids {
			keys = append(keys, a.rec.sessionPrefix+pid)
		}
		a.keep.mu.Unlock()
		ctx, cancel := a.rec.ctx()
		pipe := a.node.client.Pipeline()
		for _, key := range keys {
			pipe.Expire(ctx, key, a.rec.maxAge)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			a.node.opts.Logger.Warn("redisadapter: renew sessions", "nsp", a.nsp.Name(), "err", err)
		}
		cancel()
	}
}

// writeSession stores s under its pid for MaxDisconnectionDuration, live
// on node live ("" for a disconnected socket). Data must be
// JSON-encodable; when it is not, the session is kept without it.
func (a *Adapter) writeSession(s *socketio.Session, live string) {
	st := storedSession{SID: s.SID, PID: s.PID, Rooms: s.Rooms, Live: live}
	if s.Data != nil {
		b, err := json.Marshal(s.Data)
		if err != nil {
			a.node.opts.Logger.Warn("redisadapter: session data is not JSON; kept without it", "nsp", a.nsp.Name(), "err", err)
		} else {
			st.Data = b
		}
	}
	b, _ := json.Marshal(st)
	ctx, cancel := a.rec.ctx()
	defer cancel()
	if err := a.node.client.Set(ctx, a.rec.sessionPrefix+s.PID, b, a.rec.maxAge).Err(); err != nil {
		a.node.opts.Logger.Warn("redisadapter: store session", "nsp", a.nsp.Name(), "err", err)
	}
}

// takeScript takes a session out of Redis unless it is live on a node
// that is alive: then it answers {"live", node}. KEYS: the session.
// ARGV: the prefix of the nodes' live keys.
var takeScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
local ok, st = pcall(cjson.decode, v)
if ok and type(st) == 'table' and type(st['live']) == 'string' and st['live'] ~= '' then
  if redis.call('EXISTS', ARGV[1] .. st['live']) == 1 then
    return {'live', st['live']}
  end
end
redis.call('DEL', KEYS[1])
return {'taken', v}
`)

// takeSession takes the stored session of pid. A session live on another
// node is taken once that node has stopped beating (it died), waiting at
// most liveWait; one live here or on a node that goes on living is not.
func (a *Adapter) takeSession(ctx context.Context, pid string) ([]byte, error) {
	deadline := time.Now().Add(liveWait)
	var tick *time.Ticker
	for {
		res, err := takeScript.Run(ctx, a.node.client, []string{a.rec.sessionPrefix + pid}, a.node.opts.Key+"-node#").Slice()
		if errors.Is(err, redis.Nil) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if len(res) != 2 {
			return nil, nil
		}
		kind, _ := res[0].(string)
		val, _ := res[1].(string)
		if kind == "taken" {
			return []byte(val), nil
		}
		if val == a.node.uid || time.Now().After(deadline) {
			return nil, nil // its socket is connected
		}
		if tick == nil {
			tick = time.NewTicker(heartbeat / 5)
			defer tick.Stop()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}
