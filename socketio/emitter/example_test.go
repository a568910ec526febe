package emitter_test

import (
	"context"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio/emitter"
)

// A Go service that runs no Socket.IO server reaches the clients of a
// cluster (Go nodes on socketio/redisadapter, Node.js nodes on
// @socket.io/redis-adapter) through its Redis.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	e := emitter.New(rdb, &emitter.Options{Key: "socket.io"}) // the adapters' key

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// To the sockets in room "dept:sales" but not in "muted", on every node.
	if err := e.To("dept:sales").Except("muted").Emit(ctx, "notice", map[string]any{"text": "hello"}); err != nil {
		log.Print(err)
	}
	// Namespaces, room membership and disconnection across the cluster.
	admin := e.Of("/admin")
	_ = admin.In("dept:sales").SocketsJoin(ctx, "audit")
	_ = admin.In("banned").DisconnectSockets(ctx, true)
	// An event for the servers themselves.
	_ = e.ServerSideEmit(ctx, "reload-config", 42)
}

// On a Redis Cluster, the sharded adapters (Node's createShardedAdapter)
// listen with SSUBSCRIBE: the emitter publishes with SPUBLISH, in the
// subscription mode they use.
func Example_sharded() {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"}})
	defer rdb.Close()
	e := emitter.New(rdb, &emitter.Options{Sharded: true, SubscriptionMode: emitter.Dynamic})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.To("room1").Emit(ctx, "news", []byte("binary travels as binary")); err != nil {
		log.Print(err)
	}
}
