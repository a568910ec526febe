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

	"github.com/kin-comms/kinrt/internal/presence"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
)

// cluster is what a node shares with the others through Redis (REDIS_URL):
// the Socket.IO adapter, presence, and the node's view of whether Redis
// answers.
type cluster struct {
	rdb  *redis.Client
	node *redisadapter.Node
	log  *slog.Logger

	up     atomic.Bool // Redis answered the last ping
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
	err    error
}

// openCluster connects to Redis. An unparsable URL or a Redis that does
// not answer at start-up is an error: a node that cannot reach its cluster
// should not start serving as if it were alone.
func openCluster(url, prefix string, log *slog.Logger) (*cluster, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %v", err)
	}
	// Reconnects back off from 8 ms to 512 ms (go-redis); every command
	// gives up after a few seconds so a request never hangs on Redis.
	opts.DialTimeout = 2 * time.Second
	opts.ReadTimeout = 3 * time.Second
	opts.WriteTimeout = 3 * time.Second
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("REDIS_URL: cannot reach Redis at %s: %v", opts.Addr, err)
	}
	c := &cluster{rdb: rdb, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	c.node = redisadapter.NewNode(rdb, &redisadapter.Options{Key: prefix, Logger: log})
	c.up.Store(true)
	go c.watch()
	return c, nil
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
func (c *cluster) presence(prefix string, pub presence.Publisher, ttl time.Duration, log *slog.Logger) *presence.RedisTracker {
	return presence.NewRedisTracker(c.rdb, pub, presence.RedisOptions{
		Prefix: prefix + "#kin-presence", TTL: ttl, Grace: PresenceGrace, Logger: log,
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
