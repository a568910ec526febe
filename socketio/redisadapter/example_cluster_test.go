package redisadapter_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
)

// Two nodes of one cluster (in one process here; REDIS_URL names the
// Redis, default 127.0.0.1:6379): a server-side event with answers,
// through Namespace methods that name no Redis type (Node's
// io.serverSideEmitWithAck and io.on(event)).
func Example_serverSideEmit() {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		panic(err)
	}
	key := fmt.Sprintf("example-%d", time.Now().UnixNano()) // a cluster of its own
	var clients []*redis.Client
	defer func() {
		for _, c := range clients {
			_ = c.Close()
		}
	}()
	start := func() *socketio.Server {
		rdb := redis.NewClient(opts)
		clients = append(clients, rdb)
		node := redisadapter.NewNode(rdb, &redisadapter.Options{Key: key})
		io := socketio.NewServer(&socketio.Options{NewAdapter: node.NewAdapter})
		// Node's io.on("count-users", (cb) => cb(io.engine.clientsCount)).
		io.Of("/").OnServerSideEmit("count-users", func(e *socketio.ServerEvent) {
			_ = e.Ack(io.Of("/").Len())
		})
		return io
	}
	a, b := start(), start()
	defer shutdownAll(a, b)

	// Wait until both nodes listen (a real cluster is up long before).
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	for {
		n, err := rdb.PubSubNumSub(context.Background(), key+"-request#/#").Result()
		if err == nil && n[key+"-request#/#"] == 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answers, err := a.Of("/").ServerSideEmitWithAck(ctx, "count-users")
	fmt.Println("answers:", len(answers), string(answers[0]), err)
	// Output:
	// answers: 1 0 <nil>
}

func shutdownAll(servers ...*socketio.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, io := range servers {
		_ = io.Shutdown(ctx)
	}
}
