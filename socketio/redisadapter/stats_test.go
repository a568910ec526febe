package redisadapter

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// statsNode is what the Stats tests use of either node.
type statsNode interface {
	NewAdapter(*socketio.Namespace) socketio.Adapter
	Healthy() bool
	Stats() Stats
	publish(channel string, payload []byte)
}

// statsKinds are the two nodes, each made on a client with the given
// publish queue and timeouts.
var statsKinds = []struct {
	name string
	make func(c redis.UniversalClient, key string, queue int, health, requests time.Duration) statsNode
}{
	{"classic", func(c redis.UniversalClient, key string, queue int, health, requests time.Duration) statsNode {
		return NewNode(c, &Options{Key: key, PublishQueue: queue, HealthCheckInterval: health, RequestsTimeout: requests})
	}},
	{"sharded", func(c redis.UniversalClient, key string, queue int, health, requests time.Duration) statsNode {
		return NewShardedNode(c, &ShardedOptions{Key: key, SubscriptionMode: Static, PublishQueue: queue, HealthCheckInterval: health, RequestsTimeout: requests})
	}},
}

// serveNode starts a socketio server on n (its adapter subscribes), shut
// down when the test ends.
func serveNode(t *testing.T, n statsNode) {
	t.Helper()
	io := socketio.NewServer(&socketio.Options{NewAdapter: n.NewAdapter})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
	})
}

// TestStatsSubscriberReconnects: killing a node's Redis connections
// (CLIENT KILL) counts one subscriber reconnect once the subscriber
// answers again, for either node; none is counted before.
func TestStatsSubscriberReconnects(t *testing.T) {
	t.Parallel()
	for _, kind := range statsKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			rdb, key := newRedis(t)
			opts := redisOptions(t)
			opts.ClientName = "stats-" + key
			victim := redis.NewClient(opts)
			t.Cleanup(func() { _ = victim.Close() })
			n := kind.make(victim, key, 0, 200*time.Millisecond, time.Second)
			serveNode(t, n)
			eventually(t, n.Healthy, "node healthy")
			if st := n.Stats(); st.SubscriberReconnects != 0 || st.PublishQueueCap != 8192 || st.PublishDropped != 0 {
				t.Fatalf("before the kill: %+v", st)
			}

			if killClients(t, rdb, opts.ClientName) == 0 {
				t.Fatal("no connection killed")
			}
			eventually(t, func() bool { return n.Stats().SubscriberReconnects >= 1 }, "a subscriber reconnect counted")
			eventually(t, n.Healthy, "node healthy again")
			if st := n.Stats(); st.SubscriberReconnects > 2 {
				t.Errorf("one kill counted %d reconnects", st.SubscriberReconnects)
			}
		})
	}
}

// blackhole returns the address of a server that accepts connections and
// never answers: a Redis that hangs.
func blackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestStatsPublishQueue: while Redis hangs, the publisher waits on its
// first message, the next ones fill the queue (its length is Stats'),
// the one past its capacity is dropped and counted, and the message Redis
// never took is counted as failed.
func TestStatsPublishQueue(t *testing.T) {
	t.Parallel()
	for _, kind := range statsKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			addr := blackhole(t)
			hung := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second, MaxRetries: -1})
			t.Cleanup(func() { _ = hung.Close() })
			n := kind.make(hung, "stats-queue", 2, time.Hour, 2*time.Second)
			serveNode(t, n)

			n.publish("ch", []byte("first"))
			eventually(t, func() bool { return n.Stats().PublishQueue == 0 }, "the publisher took the first message")
			for _, m := range []string{"second", "third", "fourth"} {
				n.publish("ch", []byte(m))
			}
			if st := n.Stats(); st.PublishQueue != 2 || st.PublishQueueCap != 2 || st.PublishDropped != 1 {
				t.Errorf("publisher waiting, 3 more published: %+v; want 2 queued of 2, 1 dropped", st)
			}
			eventually(t, func() bool { return n.Stats().PublishFailed >= 1 }, "the first message counted as failed")
		})
	}
}

// TestOwnEchoOptions: the echo of this node's logged broadcast is
// delivered with the options it was broadcast with (their Emit time
// included), or those it carried when it came back before it was awaited.
func TestOwnEchoOptions(t *testing.T) {
	t.Parallel()
	e := cluster.NewOwnEchoes(0)
	opts := &socketio.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}}
	e.Await("1-0", &parser.Packet{Type: parser.Event, Data: []byte(`["e","1-0"]`)}, opts, func(*cluster.OwnBroadcast) { t.Error("delivered late") })
	own, deliver := e.Claim("1-0")
	if !deliver || own == nil || len(own.Rooms) != 1 || own.Rooms[0] != "r" || own.Except[0] != "x" {
		t.Fatalf("claim: %+v, %v; want the awaited options", own, deliver)
	}
	carried := &cluster.Opts{Rooms: []string{"other"}}
	if got := echoOptions(own, carried); got != own {
		t.Errorf("echoOptions with the own options: %+v", got)
	}
	own, deliver = e.Claim("2-0") // back before awaited
	if !deliver || own != nil {
		t.Fatalf("claim of an echo not awaited: %+v, %v", own, deliver)
	}
	if got := echoOptions(nil, carried); len(got.Rooms) != 1 || got.Rooms[0] != "other" {
		t.Errorf("echoOptions without own options: %+v", got)
	}
}
