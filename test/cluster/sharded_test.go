package cluster

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/emitter"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// TestShardedGoAndNodeOnRedisCluster runs a Go node (ShardedNode) and a
// Node.js node (createShardedAdapter, node-redis createCluster) on a Redis
// Cluster of 3 masters that the test starts, with the default prefix and
// a custom one, and the Go emitter in sharded mode.
func TestShardedGoAndNodeOnRedisCluster(t *testing.T) {
	node := testenv.Node(t, npmPackages...)
	rc := testenv.StartRedisCluster(t, 3)
	urls := make([]string, len(rc.Addrs))
	for i, a := range rc.Addrs {
		urls[i] = "redis://" + a
	}
	for _, key := range []string{"socket.io", "kinsharded-" + testenv.RandomID()} {
		t.Run(key, func(t *testing.T) {
			opts, err := redis.ParseClusterURL(rc.URL())
			if err != nil {
				t.Fatal(err)
			}
			newClient := func() *redis.ClusterClient {
				c := redis.NewClusterClient(opts)
				t.Cleanup(func() { _ = c.Close() })
				return c
			}
			watch := newClient()
			sse := make(chan *redisadapter.ServerEvent, 8)
			goNode := redisadapter.NewShardedNode(newClient(), &redisadapter.ShardedOptions{Key: key, RequestsTimeout: 3 * time.Second,
				OnServerSideEmit: func(e *redisadapter.ServerEvent) {
					if e.HasAck() {
						_ = e.Ack("from-go")
					}
					sse <- e
				}})
			goIO := socketio.NewServer(&socketio.Options{NewAdapter: goNode.NewAdapter})
			goIO.Use(func(s *socketio.Socket) error {
				if j := s.Handshake().Query.Get("join"); j != "" {
					s.Join(strings.Split(j, ",")...)
				}
				s.SetData(map[string]any{"who": s.Handshake().Query.Get("who")})
				return nil
			})
			ts := httptest.NewServer(goIO)
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = goIO.Shutdown(ctx)
				ts.Close()
			})
			js := startNodeServer(t, node, strings.Join(urls, ","), key, "sharded:dynamic")
			waitClusterShard(t, watch, key+"#/#", 2) // one server per node, as Node counts them

			g1 := siotest.Dial(t, ts.URL, "join=r&who=g1", nil, siotest.Timeout(waitTimeout), siotest.AckWith(`["g1"]`))
			n1 := siotest.Dial(t, js.url, "join=r&who=n1", nil, siotest.Timeout(waitTimeout))
			n2 := siotest.Dial(t, js.url, "join=x&who=n2", nil, siotest.Timeout(waitTimeout))
			waitClusterShard(t, watch, key+"#/#r#", 2)

			// Go -> Node: a room's channel, binary.
			if err := goIO.To("r").Emit("fromGo", []byte{1, 2}, map[string]any{"k": "v"}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []*siotest.Client{g1, n1} {
				if head := c.Next(); head != `451-["fromGo",{"_placeholder":true,"num":0},{"k":"v"}]` {
					t.Fatalf("got %q", head)
				}
				if f := c.Next(); f != "<bin>\x01\x02" {
					t.Fatalf("attachment %q", f)
				}
			}
			// Node -> Go: the namespace's channel, except.
			js.do(map[string]any{"op": "emit", "except": []string{"x"}, "event": "fromNode", "args": []any{map[string]any{"$bin": []int{5}}}})
			for _, c := range []*siotest.Client{g1, n1} {
				if head := c.Next(); head != `451-["fromNode",{"_placeholder":true,"num":0}]` {
					t.Fatalf("got %q", head)
				}
				if f := c.Next(); f != "<bin>\x05" {
					t.Fatalf("attachment %q", f)
				}
			}
			// fetchSockets from Node: it expects SHARDNUMSUB-1 answers, the
			// Go node's among them.
			var fetched []struct {
				ID   string         `json:"id"`
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal(js.do(map[string]any{"op": "fetch", "to": []string{"r"}}), &fetched); err != nil {
				t.Fatal(err)
			}
			var who []string
			for _, s := range fetched {
				who = append(who, s.Data["who"].(string))
			}
			sort.Strings(who)
			if strings.Join(who, ",") != "g1,n1" {
				t.Fatalf("Node's fetchSockets(r) = %v", who)
			}
			// fetchSockets from Go.
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			got, err := goIO.To("x").FetchSockets(ctx)
			if err != nil || len(got) != 1 || got[0].ID != n2.SID() {
				t.Fatalf("Go's fetchSockets(x) = %v, %v", got, err)
			}
			// Node's socketsJoin, then a broadcast with acks from Node to the
			// Go client (n1, in joined too, does not ack).
			js.do(map[string]any{"op": "join", "to": []string{"r"}, "rooms": []string{"joined"}})
			waitClusterShard(t, watch, key+"#/#joined#", 2)
			if err := goIO.To("joined").Emit("in-joined"); err != nil {
				t.Fatal(err)
			}
			g1.ExpectEvent("in-joined", nil)
			n1.ExpectEvent("in-joined", nil)
			acks := js.do(map[string]any{"op": "emitWithAck", "to": []string{g1.SID()}, "event": "q"})
			g1.ExpectEvent("q", nil)
			if string(acks) != `["g1"]` {
				t.Fatalf("Node's emitWithAck got %s", acks)
			}
			// Server-side events both ways, with acks.
			if got := js.do(map[string]any{"op": "serverSideEmitWithAck", "event": "ask-go", "args": []any{1}}); string(got) != `["from-go"]` {
				t.Fatalf("Node's serverSideEmitWithAck got %s", got)
			}
			if ev := recvSSE(t, sse); ev.Name != "ask-go" {
				t.Fatalf("server-side event %s", ev.Name)
			}
			answers, err := goIO.Of("/").Adapter().(*redisadapter.ShardedAdapter).ServerSideEmitWithAck(ctx, "ask", "hi")
			if err != nil || len(answers) != 1 || string(answers[0]) != `{"from":"node","arg":"hi"}` {
				t.Fatalf("Go's serverSideEmitWithAck: %s, %v", answers, err)
			}

			// The Go emitter, sharded, into both.
			em := emitter.New(watch, &emitter.Options{Key: key, Sharded: true})
			if err := em.To("r").Emit(ctx, "emitted", 1); err != nil {
				t.Fatal(err)
			}
			g1.ExpectEvent("emitted", 1)
			n1.ExpectEvent("emitted", 1)
			if err := em.In("x").DisconnectSockets(ctx, false); err != nil {
				t.Fatal(err)
			}
			if f := n2.Next(); f != "41" {
				t.Fatalf("n2 got %q", f)
			}
		})
	}
}

// waitClusterShard waits until n clients listen on a shard channel, over
// all the masters.
func waitClusterShard(t *testing.T, cc *redis.ClusterClient, channel string, n int64) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
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
		time.Sleep(5 * time.Millisecond)
	}
}

// TestShardedRecoveryWithNodeNode: on a Redis Cluster, two Go nodes with
// connection state recovery and a Node.js node; the Node.js node's
// clients get the Go nodes' logged broadcasts (the offset as the last
// argument, as on classic pub/sub), its own broadcasts reach the Go
// clients, and a Go client that lost its connection recovers on the other
// Go node with the logged broadcasts it missed.
func TestShardedRecoveryWithNodeNode(t *testing.T) {
	node := testenv.Node(t, npmPackages...)
	rc := testenv.StartRedisCluster(t, 3)
	urls := make([]string, len(rc.Addrs))
	for i, a := range rc.Addrs {
		urls[i] = "redis://" + a
	}
	key := "kinshardrec-" + testenv.RandomID()
	opts, err := redis.ParseClusterURL(rc.URL())
	if err != nil {
		t.Fatal(err)
	}
	newClient := func() *redis.ClusterClient {
		c := redis.NewClusterClient(opts)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	watch := newClient()
	goNode := func() (*socketio.Server, string) {
		n := redisadapter.NewShardedNode(newClient(), &redisadapter.ShardedOptions{Key: key, RequestsTimeout: 3 * time.Second})
		io := socketio.NewServer(&socketio.Options{NewAdapter: n.NewAdapter,
			Recovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}})
		io.Use(func(s *socketio.Socket) error {
			if j := s.Handshake().Query.Get("join"); j != "" && !s.Recovered() {
				s.Join(strings.Split(j, ",")...)
			}
			return nil
		})
		ts := httptest.NewServer(io)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = io.Shutdown(ctx)
			ts.Close()
		})
		return io, ts.URL
	}
	goA, urlA := goNode()
	goB, urlB := goNode()
	js := startNodeServer(t, node, strings.Join(urls, ","), key, "sharded:dynamic")
	waitClusterShard(t, watch, key+"#/#", 3)

	c := siotest.Dial(t, urlA, "join=r", nil, siotest.Timeout(waitTimeout))
	n1 := siotest.Dial(t, js.url, "join=r", nil, siotest.Timeout(waitTimeout))
	waitClusterShard(t, watch, key+"#/#r#", 2)
	if err := goB.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	args := c.ExpectEvent("e1", 1)
	var offset string
	if err := json.Unmarshal(args[len(args)-1], &offset); err != nil || offset == "" {
		t.Fatalf("no offset in %s", args)
	}
	if got := n1.ExpectEvent("e1", 1); string(got[len(got)-1]) != `"`+offset+`"` {
		t.Fatalf("the Node client got %s, want the offset %s last", got, offset)
	}
	c.Close()
	eventually := func(cond func() bool, what string) {
		t.Helper()
		deadline := time.Now().Add(waitTimeout)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	eventually(func() bool { return watch.Exists(context.Background(), "{"+key+"#/#}-session#"+c.PID()).Val() == 1 }, "session not stored")

	js.do(map[string]any{"op": "emit", "to": []string{"r"}, "event": "fromNode", "args": []any{1}}) // no offset: not recovered
	if err := goB.To("r").Emit("e2", 2); err != nil {
		t.Fatal(err)
	}
	if err := goA.Emit("e3", 3); err != nil {
		t.Fatal(err)
	}
	// The Node.js node publishes to r's channel, the Go nodes' logged
	// broadcasts go to the namespace's: two shards, no order between them.
	var names []string
	for range 3 {
		args, _ := n1.Event()
		names = append(names, string(args[0]))
	}
	sort.Strings(names)
	if strings.Join(names, ",") != `"e2","e3","fromNode"` {
		t.Fatalf("the Node client got %v", names)
	}

	c2 := siotest.Dial(t, urlB, "", map[string]string{"pid": c.PID(), "offset": offset}, siotest.Timeout(waitTimeout))
	if c2.SID() != c.SID() {
		t.Fatalf("not recovered: sid %s, was %s", c2.SID(), c.SID())
	}
	c2.ExpectEvent("e2", 2)
	c2.ExpectEvent("e3", 3)
	js.do(map[string]any{"op": "emit", "to": []string{"r"}, "event": "live", "args": []any{4}})
	c2.ExpectEvent("live", 4) // back in r, on node B
}
