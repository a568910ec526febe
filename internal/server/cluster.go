package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/presence"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
)

// cluster is what a node shares with the others through Redis (REDIS_URL):
// the Socket.IO adapter, presence, and the node's view of whether Redis
// answers.
type cluster struct {
	rdb     redis.UniversalClient
	node    adapterNode
	sharded bool // KIN_REDIS_MODE=cluster: a Redis Cluster, sharded pub/sub
	log     *slog.Logger

	up     atomic.Bool // Redis answered the last ping
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
	err    error
}

// adapterNode is the node of the Socket.IO adapter: redisadapter.Node
// (classic pub/sub) or redisadapter.ShardedNode (a Redis Cluster).
type adapterNode interface {
	NewAdapter(*socketio.Namespace) socketio.Adapter
	Healthy() bool
	Stats() redisadapter.Stats
	Close() error
}

// openCluster connects to Redis: REDIS_URL is one server (KIN_REDIS_MODE
// single) or a Redis Cluster in go-redis's cluster form (cluster). An
// unparsable URL or a Redis that does not answer at start-up is an error:
// a node that cannot reach its cluster should not start serving as if it
// were alone.
func openCluster(cfg config.Config, log *slog.Logger) (*cluster, error) {
	rdb, err := redisClient(cfg.RedisURL, cfg.RedisMode == config.RedisCluster)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("REDIS_URL: cannot reach Redis: %v", err)
	}
	c := &cluster{rdb: rdb, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		c.sharded = true
		if err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return m.Ping(ctx).Err() }); err != nil {
			_ = rdb.Close()
			return nil, fmt.Errorf("REDIS_URL: a master of the Redis Cluster does not answer: %v", err)
		}
		c.node = redisadapter.NewShardedNode(rdb, &redisadapter.ShardedOptions{Key: cfg.RedisPrefix,
			SubscriptionMode: redisadapter.SubscriptionMode(cfg.RedisSubscriptionMode), Logger: log})
	} else {
		c.node = redisadapter.NewNode(rdb, &redisadapter.Options{Key: cfg.RedisPrefix, Logger: log})
	}
	c.up.Store(true)
	go c.watch()
	return c, nil
}

// redisClient returns the client of url: a *redis.ClusterClient when
// sharded, a *redis.Client otherwise. Reconnects back off from 8 ms to
// 512 ms (go-redis); every command gives up after a few seconds so a
// request never hangs on Redis.
func redisClient(url string, sharded bool) (redis.UniversalClient, error) {
	if sharded {
		opts, err := redis.ParseClusterURL(url)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %v (KIN_REDIS_MODE=cluster: redis://h1:p1?addr=h2:p2&addr=h3:p3)", err)
		}
		opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, 3*time.Second, 3*time.Second
		return redis.NewClusterClient(opts), nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %v", err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, 3*time.Second, 3*time.Second
	return redis.NewClient(opts), nil
}

// watch pings Redis every second and logs when the node is cut off from
// the cluster and when it is back; /readyz reads the outcome.
func (c *cluster) watch() {
	defer close(c.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
		err := c.rdb.Ping(ctx).Err()
		cancel()
		switch up := err == nil; {
		case up && !c.up.Load():
			c.log.Info("redis is back: the node rejoined the cluster")
		case !up && c.up.Load():
			c.log.Error("redis unreachable: serving local clients only, not ready", "err", err)
		}
		c.up.Store(err == nil)
	}
}

// ready reports whether Redis answered the last ping and the adapter is
// subscribed: only then do broadcasts reach the other nodes.
func (c *cluster) ready() bool { return c == nil || (c.up.Load() && c.node.Healthy()) }

// presence returns the cluster's presence tracker.
// On a Redis Cluster its keys share a hash tag: its scripts touch several
// at once, which must be in one slot.
func (c *cluster) presence(prefix string, pub presence.Publisher, ttl time.Duration, log *slog.Logger) *presence.RedisTracker {
	p := prefix + "#kin-presence"
	if c.sharded {
		p = "{" + p + "}"
	}
	return presence.NewRedisTracker(c.rdb, pub, presence.RedisOptions{
		Prefix: p, TTL: ttl, Grace: PresenceGrace, Logger: log,
	})
}

// close stops the watch and closes the client; call it last.
func (c *cluster) close() error {
	if c == nil {
		return nil
	}
	c.closed.Do(func() {
		close(c.stop)
		<-c.done
		c.err = errors.Join(c.node.Close(), c.rdb.Close())
	})
	return c.err
}
