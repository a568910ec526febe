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

// sessions stores the recovery sessions of one namespace in Redis, for
// either adapter: a disconnected socket's (PersistSession) and, marked
// live on this node, a connected socket's (KeepSession), so that a client
// whose node died without persisting its session recovers on another
// node. The kept sessions' TTL is renewed every third of
// MaxDisconnectionDuration while the sockets live, and the node says it is
// alive every heartbeat: RestoreSession takes a live session only once its
// node has stopped saying so (it died), never from a node still running.
type sessions struct {
	rec        *recovery // the client, keys and timeouts
	uid        string    // this node's
	livePrefix string    // the keys that say a node is alive: livePrefix+uid
	log        Logger
	nsp        string

	mu   sync.Mutex
	pids map[string]struct{} // the kept sessions
	stop chan struct{}       // closed when no session is kept: the renewal ends
	// unwritten are the kept sessions whose write failed (Redis slow or
	// unreachable): the renewal writes them again every heartbeat until
	// they are stored or their socket ends, so that a node that dies
	// after a storm of connections leaves no socket unrecoverable.
	unwritten map[string]*socketio.Session
}

var (
	_ socketio.SessionKeeper = (*Adapter)(nil)
	_ socketio.SessionKeeper = (*ShardedAdapter)(nil)
)

// Heartbeats of a node that keeps sessions: every heartbeat it renews a
// key that lives for liveTTL; a restore of one of its live sessions waits
// at most liveWait for the key to expire.
const (
	heartbeat = 500 * time.Millisecond
	liveTTL   = 3 * heartbeat
	liveWait  = liveTTL + heartbeat
)

func newSessions(rec *recovery, uid, livePrefix string, log Logger, nsp string) *sessions {
	return &sessions{rec: rec, uid: uid, livePrefix: livePrefix, log: log, nsp: nsp, pids: make(map[string]struct{}),
		unwritten: make(map[string]*socketio.Session)}
}

// KeepSession stores the session of a connected socket, as PersistSession
// would at its disconnection but marked live on this node, and renews it
// until the socket ends.
func (a *Adapter) KeepSession(s *socketio.Session) {
	if a.sessions != nil {
		a.sessions.keep(s)
	}
}

// DropSession deletes the session of a socket that ended for good.
func (a *Adapter) DropSession(pid string) {
	if a.sessions != nil {
		a.sessions.drop(pid)
	}
}

// KeepSession stores the session of a connected socket, marked live on
// this node, and renews it until the socket ends.
func (a *ShardedAdapter) KeepSession(s *socketio.Session) {
	if a.sessions != nil {
		a.sessions.keep(s)
	}
}

// DropSession deletes the session of a socket that ended for good.
func (a *ShardedAdapter) DropSession(pid string) {
	if a.sessions != nil {
		a.sessions.drop(pid)
	}
}

func (ss *sessions) keep(s *socketio.Session) {
	ss.mu.Lock()
	ss.pids[s.PID] = struct{}{}
	start := ss.stop == nil
	if start {
		ss.stop = make(chan struct{})
		go ss.renew(ss.stop)
	}
	ss.mu.Unlock()
	if start {
		ss.beat()
	}
	if err := ss.write(s, ss.uid); err != nil {
		ss.mu.Lock()
		if _, ok := ss.pids[s.PID]; ok {
			ss.unwritten[s.PID] = s
		}
		ss.mu.Unlock()
	}
}

func (ss *sessions) drop(pid string) {
	ss.forget(pid)
	ctx, cancel := ss.rec.ctx()
	defer cancel()
	if err := ss.rec.node.client.Del(ctx, ss.rec.sessionPrefix+pid).Err(); err != nil {
		ss.log.Warn("redisadapter: drop session", "nsp", ss.nsp, "err", err)
	}
}

// persist stores the session of a socket that disconnected.
func (ss *sessions) persist(s *socketio.Session) {
	ss.forget(s.PID)
	_ = ss.write(s, "")
}

// beat renews the key that says this node is alive.
func (ss *sessions) beat() {
	ctx, cancel := ss.rec.ctx()
	defer cancel()
	if err := ss.rec.node.client.Set(ctx, ss.livePrefix+ss.uid, "1", liveTTL).Err(); err != nil {
		ss.log.Warn("redisadapter: heartbeat", "nsp", ss.nsp, "err", err)
	}
}

// forget stops renewing pid's session; the last one ends the renewal.
func (ss *sessions) forget(pid string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.pids, pid)
	delete(ss.unwritten, pid)
	if len(ss.pids) == 0 && ss.stop != nil {
		close(ss.stop)
		ss.stop = nil
	}
}

// renew beats every heartbeat and extends the TTL of the kept sessions
// every third of MaxDisconnectionDuration (EXPIRE, so that a session
// another node has restored in the meantime is not written back).
func (ss *sessions) renew(stop chan struct{}) {
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	r := ss.rec
	last := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		ss.beat()
		ss.writeAgain()
		if time.Since(last) < r.maxAge/3 {
			continue
		}
		last = time.Now()
		ss.mu.Lock()
		keys := make([]string, 0, len(ss.pids))
		for pid := range ss.pids {
			keys = append(keys, r.sessionPrefix+pid)
		}
		ss.mu.Unlock()
		ctx, cancel := r.ctx()
		pipe := r.node.client.Pipeline() // sharded: one slot, one shard
		for _, key := range keys {
			pipe.Expire(ctx, key, r.maxAge)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			ss.log.Warn("redisadapter: renew sessions", "nsp", ss.nsp, "err", err)
		}
		cancel()
	}
}

// writeAgainBatch is the most failed session writes a node retries per
// heartbeat: a Redis that is slow already gets a bounded load from it.
const writeAgainBatch = 500

// writeAgain writes the kept sessions whose write failed (at most
// writeAgainBatch of them a heartbeat), each only if
// its key does not exist: a session persisted (or restored and deleted…
// then its socket is gone and forgotten) in the meantime is not
// overwritten, and one whose first write did reach Redis stays as it is.
func (ss *sessions) writeAgain() {
	ss.mu.Lock()
	if len(ss.unwritten) == 0 {
		ss.mu.Unlock()
		return
	}
	todo := make([]*socketio.Session, 0, min(len(ss.unwritten), writeAgainBatch))
	for pid, s := range ss.unwritten {
		if len(todo) == writeAgainBatch {
			break
		}
		todo = append(todo, s)
		delete(ss.unwritten, pid)
	}
	ss.mu.Unlock()
	ctx, cancel := ss.rec.ctx()
	defer cancel()
	pipe := ss.rec.node.client.Pipeline()
	cmds := make([]*redis.BoolCmd, len(todo))
	for i, s := range todo {
		cmds[i] = pipe.SetNX(ctx, ss.rec.sessionPrefix+s.PID, ss.encode(s, ss.uid), ss.rec.maxAge)
	}
	_, _ = pipe.Exec(ctx)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	failed := 0
	for i, s := range todo {
		if cmds[i].Err() != nil {
			if _, ok := ss.pids[s.PID]; ok {
				ss.unwritten[s.PID] = s
				failed++
			}
		}
	}
	if failed > 0 {
		ss.log.Warn("redisadapter: store sessions again", "nsp", ss.nsp, "failed", failed)
	}
}

// write stores s under its pid for MaxDisconnectionDuration, live on node
// live ("" for a disconnected socket). Data must be JSON-encodable; when
// it is not, the session is kept without it.
func (ss *sessions) write(s *socketio.Session, live string) error {
	ctx, cancel := ss.rec.ctx()
	defer cancel()
	err := ss.rec.node.client.Set(ctx, ss.rec.sessionPrefix+s.PID, ss.encode(s, live), ss.rec.maxAge).Err()
	if err != nil {
		ss.log.Warn("redisadapter: store session", "nsp", ss.nsp, "err", err)
	}
	return err
}

// encode returns s as stored, live on node live.
func (ss *sessions) encode(s *socketio.Session, live string) []byte {
	st := storedSession{SID: s.SID, PID: s.PID, Rooms: s.Rooms, Live: live}
	if s.Data != nil {
		b, err := json.Marshal(s.Data)
		if err != nil {
			ss.log.Warn("redisadapter: session data is not JSON; kept without it", "nsp", ss.nsp, "err", err)
		} else {
			st.Data = b
		}
	}
	b, _ := json.Marshal(st)
	return b
}

// restore takes the session of pid out of Redis when the stream still
// holds offset.
func (ss *sessions) restore(pid, offset string) (*socketio.Session, error) {
	r := ss.rec
	ctx, cancel := r.ctx()
	defer cancel()
	// The offset first: a session whose packets are gone stays unused.
	msgs, err := r.node.client.XRange(ctx, r.stream, offset, offset).Result()
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
	b, err := ss.take(ctx, pid)
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

// take takes the stored session of pid. A session live on another node
// is taken once that node has stopped beating (it died), waiting at most
// liveWait; one live here or on a node that goes on living is not.
func (ss *sessions) take(ctx context.Context, pid string) ([]byte, error) {
	deadline := time.Now().Add(liveWait)
	var tick *time.Ticker
	for {
		res, err := takeScript.Run(ctx, ss.rec.node.client, []string{ss.rec.sessionPrefix + pid}, ss.livePrefix).Slice()
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
		if val == ss.uid || time.Now().After(deadline) {
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
