package redisadapter

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
)

// The sessions of connected sockets on sharded pub/sub, as keep.go keeps
// them on classic pub/sub: written while the socket lives, marked live on
// this node, whose heartbeat key says it is alive; a node that restores a
// live session waits until that key has expired (the node died). The
// keys share the namespace's hash tag, so that the take script, which
// reads the heartbeat key of the session's node, stays in one slot.

var _ socketio.SessionKeeper = (*ShardedAdapter)(nil)

// liveKeyPrefix starts the keys that say a node is alive (the node's uid
// follows), in the hash tag of the namespace.
func (a *ShardedAdapter) liveKeyPrefix() string {
	return "{" + a.node.opts.Key + "#" + a.nsp.Name() + "#}-node#"
}

// KeepSession stores the session of a connected socket, marked live on
// this node, and renews it until the socket ends.
func (a *ShardedAdapter) KeepSession(s *socketio.Session) {
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

// DropSession deletes the session of a socket that ended for good.
func (a *ShardedAdapter) DropSession(pid string) {
	if a.rec == nil {
		return
	}
	a.forget(pid)
	r := a.rec.rec
	ctx, cancel := r.ctx()
	defer cancel()
	if err := a.node.client.Del(ctx, r.sessionPrefix+pid).Err(); err != nil {
		a.node.opts.Logger.Warn("redisadapter: drop session", "nsp", a.nsp.Name(), "err", err)
	}
}

func (a *ShardedAdapter) beat() {
	ctx, cancel := a.rec.rec.ctx()
	defer cancel()
	if err := a.node.client.Set(ctx, a.liveKeyPrefix()+a.node.uid, "1", liveTTL).Err(); err != nil {
		a.node.opts.Logger.Warn("redisadapter: heartbeat", "nsp", a.nsp.Name(), "err", err)
	}
}

// forget stops renewing pid's session; the last one ends the renewal.
func (a *ShardedAdapter) forget(pid string) {
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
// every third of MaxDisconnectionDuration.
func (a *ShardedAdapter) renew(stop chan struct{}) {
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	r := a.rec.rec
	last := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		a.beat()
		if time.Since(last) < r.maxAge/3 {
			continue
		}
		last = time.Now()
		a.keep.mu.Lock()
		keys := make([]string, 0, len(a.keep.pids))
		for pid := range a.keep.pids {
			keys = append(keys, r.sessionPrefix+pid)
		}
		a.keep.mu.Unlock()
		ctx, cancel := r.ctx()
		pipe := a.node.client.Pipeline() // one slot: one shard
		for _, key := range keys {
			pipe.Expire(ctx, key, r.maxAge)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			a.node.opts.Logger.Warn("redisadapter: renew sessions", "nsp", a.nsp.Name(), "err", err)
		}
		cancel()
	}
}

// writeSession stores s for MaxDisconnectionDuration, live on node live
// ("" for a disconnected socket).
func (a *ShardedAdapter) writeSession(s *socketio.Session, live string) {
	st := storedSession{SID: s.SID, PID: s.PID, Rooms: s.Rooms, Live: live}
	if s.Data != nil {
		if b, err := json.Marshal(s.Data); err == nil {
			st.Data = b
		} else {
			a.node.opts.Logger.Warn("redisadapter: session data is not JSON; kept without it", "nsp", a.nsp.Name(), "err", err)
		}
	}
	b, _ := json.Marshal(st)
	r := a.rec.rec
	ctx, cancel := r.ctx()
	defer cancel()
	if err := a.node.client.Set(ctx, r.sessionPrefix+s.PID, b, r.maxAge).Err(); err != nil {
		a.node.opts.Logger.Warn("redisadapter: store session", "nsp", a.nsp.Name(), "err", err)
	}
}

// takeSession takes the stored session of pid (takeScript). A session
// live on another node is taken once that node has stopped beating,
// waiting at most liveWait; one live here or on a living node is not.
func (a *ShardedAdapter) takeSession(ctx context.Context, pid string) ([]byte, error) {
	deadline := time.Now().Add(liveWait)
	var tick *time.Ticker
	for {
		res, err := takeScript.Run(ctx, a.node.client, []string{a.rec.rec.sessionPrefix + pid}, a.liveKeyPrefix()).Slice()
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
			return nil, nil
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
