package cluster

import (
	"context"
	"encoding/hex"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio/emitter"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// recorder is an emitter.Client that keeps what is published.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Publish(_ context.Context, channel string, message any) *redis.IntCmd {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, channel+" "+hex.EncodeToString(message.([]byte)))
	return redis.NewIntCmd(context.Background())
}

func (r *recorder) SPublish(ctx context.Context, channel string, message any) *redis.IntCmd {
	return r.Publish(ctx, channel, message)
}

// TestGoEmitterBytesMatchNodeEmitter makes the calls of emitter-bytes.mjs
// on the Go emitter: every message must be the Node emitter's, byte for
// byte, on the same channel.
func TestGoEmitterBytesMatchNodeEmitter(t *testing.T) {
	node := testenv.Node(t, npmPackages...)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "emitter-bytes.mjs").Output()
	if err != nil {
		t.Fatalf("emitter-bytes.mjs: %v", err)
	}
	want := strings.Split(strings.TrimSpace(string(out)), "\n")

	rec := &recorder{}
	e := emitter.New(rec, &emitter.Options{Key: "kb"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Members of a map go in key order: the JavaScript object has them so.
	must(e.Emit(ctx, "ev", 1, "s", map[string]any{"a": 1.5, "b": nil, "c": []bool{true, false}}))
	must(e.To("r").Except("x").Volatile().Emit(ctx, "ev", []byte{1, 2, 3}, []int64{-7, 300, 70000, -40000, 5000000000}))
	must(e.Of("chat").To("a", "b").Emit(ctx, "ev2", strings.Repeat("é", 40), map[string]any{"nested": map[string]any{"bin": []byte{9}}}))
	must(e.In("r").SocketsJoin(ctx, "j1", "j2"))
	must(e.Except("x").SocketsLeave(ctx, "l"))
	must(e.To("r").DisconnectSockets(ctx, true))
	must(e.ServerSideEmit(ctx, "hi", map[string]int{"a": 1}, "x"))

	if len(rec.lines) != len(want) {
		t.Fatalf("%d messages, Node's emitter sent %d:\n%s", len(rec.lines), len(want), out)
	}
	for i := range want {
		if rec.lines[i] != want[i] {
			t.Errorf("message %d:\n  go %s\nnode %s", i, rec.lines[i], want[i])
		}
	}
}

// TestGoEmitterReachesNodeAndGoNodes runs the Go emitter into a cluster of
// a Go node and a Node.js node on classic pub/sub.
func TestGoEmitterReachesNodeAndGoNodes(t *testing.T) {
	e := newEnv(t)
	g1 := siotest.Dial(t, e.goURL, "join=r", nil, siotest.Timeout(waitTimeout))
	n1 := siotest.Dial(t, e.nodeURL, "join=r", nil, siotest.Timeout(waitTimeout))
	n2 := siotest.Dial(t, e.nodeURL, "join=x", nil, siotest.Timeout(waitTimeout))
	em := emitter.New(e.rdb, &emitter.Options{Key: e.key})
	ctx := context.Background()

	if err := em.To("r").Emit(ctx, "emitted", map[string]any{"kind": "room"}, []byte{7, 8, 9}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*siotest.Client{g1, n1} {
		if head := c.Next(); head != `451-["emitted",{"kind":"room"},{"_placeholder":true,"num":0}]` {
			t.Fatalf("got %q", head)
		}
		if f := c.Next(); f != "<bin>\x07\x08\x09" {
			t.Fatalf("attachment %q", f)
		}
	}
	if err := em.In("r").SocketsJoin(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	if err := em.Except("x").To("joined").Emit(ctx, "to-joined", 1); err != nil {
		t.Fatal(err)
	}
	g1.ExpectEvent("to-joined", 1)
	n1.ExpectEvent("to-joined", 1)
	if err := em.In("x").DisconnectSockets(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := n2.Next(); got != "41" { // it got nothing before: it is in neither r nor joined
		t.Fatalf("n2 got %q, want the DISCONNECT packet", got)
	}
	if err := em.ServerSideEmit(ctx, "hello-node", map[string]string{"from": "go-emitter"}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-e.js.sse:
		if got != `["hello-node",{"from":"go-emitter"}]` {
			t.Fatalf("Node node got server-side event %s", got)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("no server-side event on the Node node:\n%s", e.js.output())
	}
	if ev := recvSSE(t, e.sse); ev.Name != "hello-node" {
		t.Fatalf("Go node got server-side event %s", ev.Name)
	}
}

// TestGoEmitterReachesShardedNodeNodes runs the Go emitter in sharded
// mode into Node.js nodes on createShardedAdapter (sharded pub/sub works
// on a single Redis 7 as on a Redis Cluster), in each subscription mode.
func TestGoEmitterReachesShardedNodeNodes(t *testing.T) {
	for _, mode := range []emitter.SubscriptionMode{emitter.Dynamic, emitter.DynamicPrivate, emitter.Static} {
		t.Run(string(mode), func(t *testing.T) {
			node := testenv.Node(t, npmPackages...)
			redisURL := testenv.RedisURL(t)
			opts, err := redis.ParseURL(redisURL)
			if err != nil {
				t.Fatal(err)
			}
			rdb := redis.NewClient(opts)
			t.Cleanup(func() { _ = rdb.Close() })
			key := "kinsharded-" + testenv.RandomID()
			a := startNodeServer(t, node, redisURL, key, "sharded:"+string(mode))
			b := startNodeServer(t, node, redisURL, key, "sharded:"+string(mode))
			waitShardSubscribers(t, rdb, key+"#/#", 2)

			a1 := siotest.Dial(t, a.url, "join=r", nil, siotest.Timeout(waitTimeout))
			b1 := siotest.Dial(t, b.url, "join=r,x", nil, siotest.Timeout(waitTimeout))
			b2 := siotest.Dial(t, b.url, "join=y", nil, siotest.Timeout(waitTimeout))
			if mode != emitter.Static { // the room channels are subscribed when the rooms are made
				waitShardSubscribers(t, rdb, key+"#/#r#", 2)
			}
			em := emitter.New(rdb, &emitter.Options{Key: key, Sharded: true, SubscriptionMode: mode})
			ctx := context.Background()

			if err := em.To("r").Except("x").Emit(ctx, "bin", []byte{1, 2}); err != nil { // MessagePack
				t.Fatal(err)
			}
			if head := a1.Next(); head != `451-["bin",{"_placeholder":true,"num":0}]` {
				t.Fatalf("a1 got %q", head)
			}
			if f := a1.Next(); f != "<bin>\x01\x02" {
				t.Fatalf("a1 attachment %q", f)
			}
			if err := em.To(b2.SID()).Emit(ctx, "private", "p"); err != nil { // JSON, a socket's room
				t.Fatal(err)
			}
			b2.ExpectEvent("private", "p")
			if err := em.In("y").SocketsJoin(ctx, "joined"); err != nil {
				t.Fatal(err)
			}
			if err := em.To("joined", "x").Emit(ctx, "j", 1); err != nil {
				t.Fatal(err)
			}
			b1.ExpectEvent("j", 1) // not "bin" first: it is in x
			b2.ExpectEvent("j", 1)
			if err := em.In("joined").SocketsLeave(ctx, "joined"); err != nil {
				t.Fatal(err)
			}
			if err := em.In("x").DisconnectSockets(ctx, false); err != nil {
				t.Fatal(err)
			}
			if got := b1.Next(); got != "41" {
				t.Fatalf("b1 got %q, want the DISCONNECT packet", got)
			}
			if err := em.Emit(ctx, "all"); err != nil {
				t.Fatal(err)
			}
			a1.ExpectEvent("all", nil)
			b2.ExpectEvent("all", nil)
			if err := em.ServerSideEmit(ctx, "hello-node", 7); err != nil {
				t.Fatal(err)
			}
			for _, p := range []*nodeProc{a, b} {
				select {
				case got := <-p.sse:
					if got != `["hello-node",7]` {
						t.Fatalf("server-side event %s", got)
					}
				case <-time.After(waitTimeout):
					t.Fatalf("no server-side event:\n%s", p.output())
				}
			}
		})
	}
}

// waitShardSubscribers waits until n clients listen on a shard channel.
func waitShardSubscribers(t *testing.T, rdb redis.UniversalClient, channel string, n int64) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		res, err := rdb.PubSubShardNumSub(context.Background(), channel).Result()
		if err == nil && res[channel] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers on %s, want %d (err %v)", res[channel], channel, n, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
