package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/presence"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/postgresadapter"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
)

// cluster is what a node shares with the others through its link, Redis
// (REDIS_URL) or PostgreSQL (KIN_CLUSTER=postgres: DATABASE_URL): the
// Socket.IO adapter, presence, and the node's view of whether the link
// answers.
type cluster struct {
	rdb     redis.UniversalClient // on Redis
	pool    *pgxpool.Pool         // on PostgreSQL
	node    adapterNode
	sharded bool // KIN_REDIS_MODE=cluster: a Redis Cluster, sharded pub/sub
	log     *slog.Logger

	up     atomic.Bool // the link answered the last ping
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once
	err    error
}

// adapterNode is the node of the Socket.IO adapter: redisadapter.Node
// (classic pub/sub), redisadapter.ShardedNode (a Redis Cluster) or
// postgresadapter.Node (PostgreSQL).
type adapterNode interface {
	NewAdapter(*socketio.Namespace) socketio.Adapter
	Healthy() bool
	Close() error
}

// redisStats is a Redis adapter's node: it counts its publish queue,
// drops, failures and reconnects (kinrt_cluster_*, clusterCollector).
type redisStats interface {
	Stats() redisadapter.Stats
}

// linkStats reads the counters of the cluster adapter's link, whichever
// it is: the Redis adapters' (redisadapter.Stats) or PostgreSQL's
// (postgresadapter.Stats, its listening connection's reconnects as the
// subscriber's). Nil without counters.
func (c *cluster) linkStats() func() redisadapter.Stats {
	switch n := c.node.(type) {
	case redisStats:
		return n.Stats
	case *postgresadapter.Node:
		return func() redisadapter.Stats {
			st := n.Stats()
			return redisadapter.Stats{PublishQueue: st.PublishQueue, PublishQueueCap: st.PublishQueueCap,
				PublishDropped: st.PublishDropped, PublishFailed: st.PublishFailed, SubscriberReconnects: st.ListenerReconnects}
		}
	}
	return nil
}

// openCluster joins the cluster cfg.ClusterKind names: nil for none. An
// unparsable URL or a link that does not answer at start-up is an error:
// a node that cannot reach its cluster should not start serving as if it
// were alone.
func openCluster(cfg config.Config, log *slog.Logger) (*cluster, error) {
	if err := cfg.CheckCluster(); err != nil {
		return nil, err
	}
	switch cfg.ClusterKind() {
	case config.ClusterRedis:
		return openRedisCluster(cfg, log)
	case config.ClusterPostgres:
		return openPostgresCluster(cfg, log)
	}
	return nil, nil
}

// openRedisCluster connects to Redis: REDIS_URL is one server
// (KIN_REDIS_MODE single) or a Redis Cluster in go-redis's cluster form
// (cluster).
func openRedisCluster(cfg config.Config, log *slog.Logger) (*cluster, error) {
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

// openPostgresCluster links the node to the others through the PostgreSQL
// of DATABASE_URL (KIN_CLUSTER=postgres): the adapter's LISTEN/NOTIFY, and
// presence in tables of the store's schema, created if missing.
func openPostgresCluster(cfg config.Config, log *slog.Logger) (*cluster, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		// pgx's message may quote the URL, password included: keep it out.
		return nil, errors.New("DATABASE_URL: the URL does not parse")
	}
	pcfg.MaxConns = 10
	pcfg.ConnConfig.ConnectTimeout = 5 * time.Second
	where := fmt.Sprintf("%s:%d/%s", pcfg.ConnConfig.Host, pcfg.ConnConfig.Port, pcfg.ConnConfig.Database)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("KIN_CLUSTER=postgres: %s: %v", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("KIN_CLUSTER=postgres: cannot reach PostgreSQL %s: %v", where, err)
	}
	if err := presence.PreparePostgres(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("KIN_CLUSTER=postgres: %v", err)
	}
	node, err := postgresadapter.NewNode(ctx, pool, &postgresadapter.Options{Channel: cfg.PostgresPrefix, Logger: log})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("KIN_CLUSTER=postgres: the adapter: %v", err)
	}
	c := &cluster{pool: pool, node: node, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	c.up.Store(true)
	go c.watch()
	return c, nil
}

// name is the link's name in logs: redis or postgres.
func (c *cluster) name() string {
	if c.pool != nil {
		return "postgres"
	}
	return "redis"
}

// ping asks the link for an answer.
func (c *cluster) ping(ctx context.Context) error {
	if c.pool != nil {
		return c.pool.Ping(ctx)
	}
	return c.rdb.Ping(ctx).Err()
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

// watch pings the link every second and logs when the node is cut off
// from the cluster and when it is back; /readyz reads the outcome.
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
		err := c.ping(ctx)
		cancel()
		switch up := err == nil; {
		case up && !c.up.Load():
			c.log.Info(c.name() + " is back: the node rejoined the cluster")
		case !up && c.up.Load():
			c.log.Error(c.name()+" unreachable: serving local clients only, not ready", "err", err)
		}
		c.up.Store(err == nil)
	}
}

// ready reports whether the link answered the last ping and the adapter
// is subscribed (listening, on PostgreSQL): only then do broadcasts reach
// the other nodes.
func (c *cluster) ready() bool { return c == nil || (c.up.Load() && c.node.Healthy()) }

// presence returns the cluster's presence tracker: on PostgreSQL, in the
// tables openPostgresCluster prepared; on Redis, under prefix. On a Redis
// Cluster its keys share a hash tag: its scripts touch several at once,
// which must be in one slot.
func (c *cluster) presence(prefix string, pub presence.Publisher, ttl time.Duration, log *slog.Logger) *presence.ClusterTracker {
	if c.pool != nil {
		return presence.NewPostgresTracker(c.pool, pub, presence.PostgresOptions{TTL: ttl, Grace: PresenceGrace, Logger: log})
	}
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
		c.err = c.node.Close()
		if c.pool != nil {
			c.pool.Close()
		} else {
			c.err = errors.Join(c.err, c.rdb.Close())
		}
	})
	return c.err
}

// collectors are the metrics of the cluster's link:
// kinrt_cluster_adapter_healthy, the adapter's kinrt_cluster_* (its
// publish queue, drops, failures, reconnects), and on Redis kinrt_redis_up
// (on PostgreSQL, kinrt_store_up says whether the database answers).
func (c *cluster) collectors() []prometheus.Collector {
	healthy := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kinrt_cluster_adapter_healthy",
		Help: "1 when the cluster adapter publishes to and is subscribed on its link (Redis, or PostgreSQL's LISTEN/NOTIFY with KIN_CLUSTER=postgres): broadcasts reach the other nodes; only in a cluster.",
	}, func() float64 { return boolValue(c.node.Healthy()) })
	cs := []prometheus.Collector{healthy}
	if st := c.linkStats(); st != nil {
		cs = append(cs, clusterCollector{st})
	}
	if _, ok := c.node.(redisStats); !ok { // PostgreSQL
		return cs
	}
	return append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kinrt_redis_up", Help: "1 when Redis answered the node's last ping (every second); only with REDIS_URL.",
	}, func() float64 { return boolValue(c.up.Load()) }))
}
