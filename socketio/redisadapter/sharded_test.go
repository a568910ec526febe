package redisadapter

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter/redistest"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// shardedNode is a socketio server on a ShardedNode.
type shardedNode struct {
	io   *socketio.Server
	node *ShardedNode
	url  string
	sse  chan *ServerEvent
}

func startShardedNode(t *testing.T, client redis.UniversalClient, key string, mode SubscriptionMode) *shardedNode {
	t.Helper()
	return startShardedNodeWith(t, client, key, mode, nil)
}

func startShardedNodeWith(t *testing.T, client redis.UniversalClient, key string, mode SubscriptionMode, rec *socketio.RecoveryOptions) *shardedNode {
	t.Helper()
	return startSharded(t, client, key, mode, shardedConfig{recovery: rec, optionListener: true})
}

// shardedConfig says how startSharded sets a node up.
type shardedConfig struct {
	recovery *socketio.RecoveryOptions
	// optionListener: ShardedOptions.OnServerSideEmit acks each event with
	// {"from": uid} and sends it to the node's sse.
	optionListener bool
	setup          func(io *socketio.Server) // before the node serves
}

func startSharded(t *testing.T, client redis.UniversalClient, key string, mode SubscriptionMode, cfg shardedConfig) *shardedNode {
	t.Helper()
	n := &shardedNode{sse: make(chan *ServerEvent, 8)}
	opts := &ShardedOptions{Key: key, SubscriptionMode: mode, RequestsTimeout: 3 * time.Second}
	if cfg.optionListener {
		opts.OnServerSideEmit = func(e *ServerEvent) {
			if e.HasAck() {
				_ = e.Ack(map[string]string{"from": n.node.UID()})
			}
			n.sse <- e
		}
	}
	n.node = NewShardedNode(client, opts)
	n.io = socketio.NewServer(&socketio.Options{NewAdapter: n.node.NewAdapter, Recovery: cfg.recovery})
	n.io.Use(func(s *socketio.Socket) error {
		for _, r := range s.Handshake().Query["join"] {
			s.Join(strings.Split(r, ",")...)
		}
		return nil
	})
	if cfg.setup != nil {
		cfg.setup(n.io)
	}
	ts := httptest.NewServer(n.io)
	n.url = ts.URL
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.io.Shutdown(ctx)
		ts.Close()
	})
	return n
}

// shardSubscribers returns the clients subscribed to a shard channel, over
// all masters of a cluster.
func shardSubscribers(client redis.UniversalClient, channel string) int64 {
	ctx := context.Background()
	if cc, ok := client.(*redis.ClusterClient); ok {
		var total atomic.Int64
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			res, _ := c.PubSubShardNumSub(ctx, channel).Result()
			total.Add(res[channel])
			return nil
		})
		return total.Load()
	}
	res, _ := client.PubSubShardNumSub(ctx, channel).Result()
	return res[channel]
}

func waitShard(t *testing.T, client redis.UniversalClient, channel string, n int64) {
	t.Helper()
	eventually(t, func() bool { return shardSubscribers(client, channel) == n }, "%d subscribers on %s", n, channel)
}

// runSharded drives two Go nodes through everything that crosses them.
func runSharded(t *testing.T, client func() redis.UniversalClient, mode SubscriptionMode) {
	key := "kinshard-" + redistest.RandomID()
	watch := client()
	t.Cleanup(func() { _ = watch.Close() })
	newClient := func() redis.UniversalClient {
		c := client()
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	a := startShardedNode(t, newClient(), key, mode)
	b := startShardedNode(t, newClient(), key, mode)
	dial := func(n *shardedNode, query string, opts ...siotest.Option) *siotest.Client {
		return siotest.Dial(t, n.url, query, nil, append(opts, siotest.Timeout(waitTimeout))...)
	}
	a1 := dial(a, "join=r")
	b1 := dial(b, "join=r,x", siotest.AckWith(`["b1"]`))
	b2 := dial(b, "join=y")
	waitShard(t, watch, key+"#/#", 2)
	if mode != Static {
		waitShard(t, watch, key+"#/#r#", 2)
		waitShard(t, watch, key+"#/#x#", 1)
	} else {
		waitShard(t, watch, key+"#/#r#", 0)
	}

	// Broadcasts: binary (MessagePack), one room (its channel in the
	// dynamic modes), except.
	if err := a.io.To("r").Except("x").Emit("news", []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if got := a1.Next(); got != `451-["news",{"_placeholder":true,"num":0}]` {
		t.Fatalf("a1 got %q", got)
	}
	if got := a1.Next(); got != "<bin>\x01\x02" {
		t.Fatalf("a1 attachment %q", got)
	}
	if err := a.io.To(b2.SID()).Emit("private", "p"); err != nil {
		t.Fatal(err)
	}
	b2.ExpectEvent("private", "p")
	if err := a.io.Emit("all", 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*siotest.Client{a1, b1, b2} {
		c.ExpectEvent("all", 1) // b1 is in x: no "news" before
	}

	// fetchSockets and socketsJoin across nodes.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	got, err := a.io.To("r").FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	want := []string{a1.SID(), b1.SID()}
	sort.Strings(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("fetchSockets(r) = %v, want %v", ids, want)
	}
	a.io.To("y").SocketsJoin("j")
	eventually(t, func() bool { return slices.Contains(b.io.Of("/").Adapter().Rooms(b2.SID()), "j") }, "b2 joined j")
	if mode != Static {
		waitShard(t, watch, key+"#/#j#", 1)
	}
	if err := a.io.To("j").Emit("in-j"); err != nil {
		t.Fatal(err)
	}
	b2.ExpectEvent("in-j", nil)

	// A broadcast with acks, and server-side events with acks.
	acks, err := a.io.To("x").Timeout(3*time.Second).EmitWithAck(ctx, "ask")
	if err != nil || len(acks) != 1 || string(acks[0].Raw(0)) != `"b1"` {
		t.Fatalf("acks %v, %v", acks, err)
	}
	b1.ExpectEvent("ask", nil)
	answers, err := a.io.Of("/").Adapter().(*ShardedAdapter).ServerSideEmitWithAck(ctx, "hello", 7)
	if err != nil || len(answers) != 1 || string(answers[0]) != `{"from":"`+b.node.UID()+`"}` {
		t.Fatalf("server-side answers %s, %v", answers, err)
	}
	select {
	case ev := <-b.sse:
		if ev.Name != "hello" || string(ev.Args.Raw(0)) != "7" {
			t.Fatalf("server-side event %s %s", ev.Name, ev.Args.Raw(0))
		}
	case <-time.After(waitTimeout):
		t.Fatal("no server-side event on b")
	}

	// Disconnection across nodes; the room channel goes with the last
	// socket.
	a.io.To("x").DisconnectSockets(false)
	if got := b1.Next(); got != "41" {
		t.Fatalf("b1 got %q, want the DISCONNECT packet", got)
	}
	if mode != Static {
		waitShard(t, watch, key+"#/#x#", 0)
		waitShard(t, watch, key+"#/#r#", 1)
	}
	a.io.To("y").SocketsLeave("j")
	if mode != Static {
		waitShard(t, watch, key+"#/#j#", 0)
	}
}

func TestShardedAcrossGoNodes(t *testing.T) {
	opts := redisOptions(t)
	for _, mode := range []SubscriptionMode{Dynamic, DynamicPrivate, Static} {
		t.Run(string(mode), func(t *testing.T) {
			runSharded(t, func() redis.UniversalClient { return redis.NewClient(opts) }, mode)
		})
	}
}

func TestShardedOnRedisCluster(t *testing.T) {
	rc := redistest.StartCluster(t, 3)
	runSharded(t, func() redis.UniversalClient {
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.Addrs})
	}, Dynamic)
}

// runShardedRecovery: a client of node a that lost its connection
// recovers on node b, with the broadcasts of both nodes it missed, once
// each and in the stream's order, then live ones with later offsets.
func runShardedRecovery(t *testing.T, client func() redis.UniversalClient, mode SubscriptionMode) {
	key := "kinshardrec-" + redistest.RandomID()
	watch := client()
	t.Cleanup(func() { _ = watch.Close() })
	rec := &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
	newNode := func() *shardedNode {
		c := client()
		t.Cleanup(func() { _ = c.Close() })
		return startShardedNodeWith(t, c, key, mode, rec)
	}
	a, b := newNode(), newNode()
	waitShard(t, watch, key+"#/#", 2)

	c := siotest.Dial(t, a.url, "join=r", nil, siotest.Timeout(waitTimeout))
	if c.PID() == "" {
		t.Fatal("no pid: recovery is off")
	}
	other := siotest.Dial(t, b.url, "join=r", nil, siotest.Timeout(waitTimeout))
	if err := b.io.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("e1", 1))
	if o := offsetOf(t, other.ExpectEvent("e1", 1)); o != offset {
		t.Fatalf("offsets differ between nodes: %s, %s", o, offset)
	}
	sid := c.SID()
	c.Close()
	session := "{" + key + "#/#}-session#" + c.PID()
	eventually(t, func() bool { return watch.Exists(context.Background(), session).Val() == 1 }, "session stored")

	if err := b.io.To("r").Emit("e2", []byte{2}); err != nil { // missed, binary, from the other node
		t.Fatal(err)
	}
	if err := a.io.Emit("e3", 3); err != nil { // missed, to all, from its own node
		t.Fatal(err)
	}
	if err := a.io.To("elsewhere").Emit("e4", 4); err != nil { // not for it
		t.Fatal(err)
	}
	if head := other.Next(); !strings.HasPrefix(head, `451-["e2",`) {
		t.Fatalf("other got %q", head)
	}
	other.Next() // e2's attachment
	other.ExpectEvent("e3", 3)

	c2 := siotest.Dial(t, b.url, "", map[string]string{"pid": c.PID(), "offset": offset}, siotest.Timeout(waitTimeout))
	if c2.SID() != sid {
		t.Fatalf("sid %q after recovery, want %q", c2.SID(), sid)
	}
	if head := c2.Next(); !strings.HasPrefix(head, `451-["e2",{"_placeholder":true,"num":0},"`) {
		t.Fatalf("first missed %q", head)
	}
	if f := c2.Next(); f != "<bin>\x02" {
		t.Fatalf("attachment %q", f)
	}
	last := offsetOf(t, c2.ExpectEvent("e3", 3))
	if err := a.io.To("r").Emit("live", 6); err != nil {
		t.Fatal(err)
	}
	if o := offsetOf(t, c2.ExpectEvent("live", 6)); !streamLess(last, o) {
		t.Fatalf("offset %s not after %s", o, last)
	}
	if !slices.Contains(b.io.Of("/").Adapter().Rooms(sid), "r") {
		t.Fatal("not back in r")
	}
	// The session was used: it cannot be restored twice.
	c3 := siotest.Dial(t, a.url, "", map[string]string{"pid": c.PID(), "offset": offset}, siotest.Timeout(waitTimeout))
	if c3.SID() == sid {
		t.Fatal("session restored twice")
	}
}

func TestShardedRecovery(t *testing.T) {
	opts := redisOptions(t)
	t.Run("redis", func(t *testing.T) {
		runShardedRecovery(t, func() redis.UniversalClient { return redis.NewClient(opts) }, Dynamic)
	})
	t.Run("cluster", func(t *testing.T) {
		rc := redistest.StartCluster(t, 3)
		runShardedRecovery(t, func() redis.UniversalClient {
			return redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.Addrs})
		}, Dynamic)
	})
}

// runShardedKeep: a connected socket's session is in Redis, live on its
// node; another node takes a live session once its node has stopped
// beating (it died), and does not take one of a living node.
func runShardedKeep(t *testing.T, client func() redis.UniversalClient) {
	key := "kinshardkeep-" + redistest.RandomID()
	watch := client()
	t.Cleanup(func() { _ = watch.Close() })
	rec := &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
	newNode := func() *shardedNode {
		c := client()
		t.Cleanup(func() { _ = c.Close() })
		return startShardedNodeWith(t, c, key, Dynamic, rec)
	}
	a, b := newNode(), newNode()
	waitShard(t, watch, key+"#/#", 2)
	tag := "{" + key + "#/#}"
	ctx := context.Background()

	c := siotest.Dial(t, a.url, "join=r", nil, siotest.Timeout(waitTimeout))
	if err := a.io.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("e1", 1))
	var st storedSession
	eventually(t, func() bool {
		v, err := watch.Get(ctx, tag+"-session#"+c.PID()).Bytes()
		return err == nil && json.Unmarshal(v, &st) == nil && st.Live == a.node.UID()
	}, "the connected socket's session kept, live on its node")
	if watch.Exists(ctx, tag+"-node#"+a.node.UID()).Val() != 1 {
		t.Fatal("no heartbeat of the node")
	}

	// The same session, as a node that died left it: live on a node that
	// beats no more. Another node takes it.
	st.PID, st.Live = "dead-"+redistest.RandomID(), "gone"
	v, _ := json.Marshal(st)
	if err := watch.Set(ctx, tag+"-session#"+st.PID, v, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	c2 := siotest.Dial(t, b.url, "", map[string]string{"pid": st.PID, "offset": offset}, siotest.Timeout(waitTimeout))
	if c2.SID() != st.SID {
		t.Fatalf("session of a dead node not taken: sid %s, want %s", c2.SID(), st.SID)
	}
	// One live on a node that beats: not taken (its socket is connected).
	st.PID, st.Live = "alive-"+redistest.RandomID(), "alive"
	v, _ = json.Marshal(st)
	_ = watch.Set(ctx, tag+"-session#"+st.PID, v, time.Minute).Err()
	_ = watch.Set(ctx, tag+"-node#alive", "1", time.Minute).Err()
	c3 := siotest.Dial(t, b.url, "", map[string]string{"pid": st.PID, "offset": offset}, siotest.Timeout(waitTimeout))
	if c3.SID() == st.SID {
		t.Fatal("the session of a living node was taken")
	}
}

func TestShardedKeptSessions(t *testing.T) {
	opts := redisOptions(t)
	t.Run("redis", func(t *testing.T) {
		runShardedKeep(t, func() redis.UniversalClient { return redis.NewClient(opts) })
	})
	t.Run("cluster", func(t *testing.T) {
		rc := redistest.StartCluster(t, 3)
		runShardedKeep(t, func() redis.UniversalClient {
			return redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.Addrs})
		})
	})
}
