package server_test

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// TestRedisClusterMode runs kinrt nodes with KIN_REDIS_MODE=cluster on a
// Redis Cluster of 3 masters that the test starts (REDIS_URL in go-redis's
// cluster form): each node is one subscriber of the namespace's shard
// channel, as Node's sharded adapter counts servers (PUBSUB SHARDNUMSUB),
// with the default prefix and a custom KIN_REDIS_PREFIX, in the dynamic
// and static subscription modes: the randomized routing test holds as on
// one Redis (it needs each node's messages in order: with recovery on,
// kinrt's events are logged broadcasts, which go to the namespace's
// channel in every mode), and a presence change crosses nodes.
func TestRedisClusterMode(t *testing.T) {
	rc := testenv.StartRedisCluster(t, 3)
	opts, err := redis.ParseClusterURL(rc.URL())
	if err != nil {
		t.Fatal(err)
	}
	watch := redis.NewClusterClient(opts)
	t.Cleanup(func() { _ = watch.Close() })
	for _, tt := range []struct {
		prefix, mode string
		nodes        int
	}{{"socket.io", "dynamic", 2}, {"kin-test-" + testenv.RandomID(), "static", 3}} {
		t.Run(tt.prefix+"/"+tt.mode, func(t *testing.T) {
			db := testenv.PostgresSchema(t)
			nodes := make([]clusterNode, tt.nodes)
			for i := range nodes {
				srv, hs := startServer(t, func(c *config.Config) {
					c.DatabaseURL = db
					c.RedisURL = rc.URL()
					c.RedisMode = config.RedisCluster
					c.RedisPrefix = tt.prefix
					c.RedisSubscriptionMode = tt.mode
				})
				nodes[i] = clusterNode{srv, hs}
			}
			waitShardSubscribers(t, watch, tt.prefix+"#/#", int64(tt.nodes))

			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 19))
			urls := make([]string, len(nodes))
			for i, n := range nodes {
				urls[i] = n.hs.URL
			}
			users := randomUsers(rng, 12)
			specs, owner := clientsFor(t, nodes[0].srv.Verifier(), users, urls)
			nc, results := startClientsN(t, urls[0], specs, len(nodes))
			for name, r := range results {
				if string(r) != `"ok"` {
					t.Fatalf("%s did not connect: %s", name, r)
				}
			}
			var published []events.Event
			for i := 0; i < 60; i++ {
				published = append(published, publishRandom(t, rng, nodes, users, i))
			}
			total := endAndCheck(t, nodes, nc, specs, owner, published)
			t.Logf("%d sockets on %d nodes, %d events, %d deliveries checked", len(specs), len(nodes), len(published), total)
			presenceCrossesNodes(t, nodes)
		})
	}
}

// presenceCrossesNodes: a user who connects on node 1 is seen online by
// an admin on node 0.
func presenceCrossesNodes(t *testing.T, nodes []clusterNode) {
	admin := auth.Principal{UserID: "ada", Name: "Ada", Role: "admin", Expires: time.Now().Add(time.Hour)}
	ann := auth.Principal{UserID: "ann", Name: "Ann", Role: "agent", Department: "sales", Expires: time.Now().Add(time.Hour)}
	adminTok, _ := nodes[0].srv.Verifier().Mint(admin, time.Hour)
	annTok, _ := nodes[0].srv.Verifier().Mint(ann, time.Hour)
	watcher := dialRaw(t, nodes[0].hs.URL, nil)
	if _, ok := watcher.connect(map[string]string{"token": adminTok}); !ok {
		t.Fatal("admin refused")
	}
	tab := dialRaw(t, nodes[1].hs.URL, nil)
	if _, ok := tab.connect(map[string]string{"token": annTok}); !ok {
		t.Fatal("ann refused on node 1")
	}
	for {
		name, payload, _ := watcher.event()
		if c, ok := presenceChangeOf(payload, "ann"); ok && name == "user_presence_updated" {
			if c.Status != "online" {
				t.Fatalf("ann is %q", c.Status)
			}
			return
		}
	}
}

// waitShardSubscribers waits until n clients listen on a shard channel,
// over all the masters.
func waitShardSubscribers(t *testing.T, cc *redis.ClusterClient, channel string, n int64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var total atomic.Int64
		err := cc.ForEachMaster(context.Background(), func(ctx context.Context, c *redis.Client) error {
			res, err := c.PubSubShardNumSub(ctx, channel).Result()
			total.Add(res[channel])
			return err
		})
		if err == nil && total.Load() == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers on %s, want %d (err %v)", total.Load(), channel, n, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestClusterNodeKilledOnRedisCluster is TestClusterNodeKilled with
// KIN_REDIS_MODE=cluster on a Redis Cluster of 3 masters: the sessions of
// the dead node's clients are taken over once its heartbeat has expired.
func TestClusterNodeKilledOnRedisCluster(t *testing.T) {
	requireNode(t)
	rc := testenv.StartRedisCluster(t, 3)
	prefix := "kin-test-" + testenv.RandomID()
	opts, err := redis.ParseClusterURL(rc.URL())
	if err != nil {
		t.Fatal(err)
	}
	cc := redis.NewClusterClient(opts)
	defer cc.Close()
	tag := "{" + prefix + "#/#}"
	nodeKilled(t, []string{"REDIS_URL=" + rc.URL(), "KIN_REDIS_MODE=cluster", "KIN_REDIS_PREFIX=" + prefix}, func() ([]string, error) {
		m, err := cc.MasterForKey(context.Background(), tag) // the sessions share one slot
		if err != nil {
			return nil, err
		}
		return m.Keys(context.Background(), tag+"-session#*").Result()
	}, true)
}
