package redisadapter_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
)

// A server in a cluster of Go and Node.js nodes: one Node per server, its
// health behind /readyz.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()

	node := redisadapter.NewNode(rdb, &redisadapter.Options{
		Key:             "socket.io", // as the Node adapter's and emitter's key
		RequestsTimeout: 5 * time.Second,
		OnServerSideEmit: func(e *redisadapter.ServerEvent) {
			fmt.Println("from another node:", e.Name)
		},
	})
	io := socketio.NewServer(&socketio.Options{
		NewAdapter: node.NewAdapter,
		Recovery:   &socketio.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute},
	})
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
		_ = s.To("lobby").Emit("joined", s.ID()) // reaches the lobby on every node
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := node.Ping(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	srv := &http.Server{Addr: "127.0.0.1:0", Handler: mux}
	_ = srv // srv.ListenAndServe() in a real program

	// Shutdown closes the adapters: the sessions of the clients it
	// disconnects are in Redis by then, for any node to restore.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = io.Shutdown(ctx)
}

// A server on a Redis Cluster with sharded pub/sub, in a cluster with
// Node.js servers on createShardedAdapter (same channelPrefix and
// subscriptionMode).
func ExampleNewShardedNode() {
	opts, err := redis.ParseClusterURL("redis://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002")
	if err != nil {
		panic(err)
	}
	rdb := redis.NewClusterClient(opts)
	defer rdb.Close()

	node := redisadapter.NewShardedNode(rdb, &redisadapter.ShardedOptions{
		Key:              "socket.io", // Node's channelPrefix
		SubscriptionMode: redisadapter.Dynamic,
	})
	io := socketio.NewServer(&socketio.Options{NewAdapter: node.NewAdapter})
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby") // this node listens on socket.io#/#lobby# while it has sockets there
		_ = s.To("lobby").Emit("joined", s.ID())
	})
	_ = io
}
