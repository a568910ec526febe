package redisadapter

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter/redistest"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// apiNode is a node of a cluster of either adapter, for the tests that
// run on both.
type apiNode struct {
	io  *socketio.Server
	url string
}

// startNodes starts n nodes of one cluster, each set up by setup before it
// serves, and returns once all listen.
type startNodes func(t *testing.T, n int, setup func(io *socketio.Server)) []apiNode

// classicNodes: nodes on the classic adapter (Node).
func classicNodes(t *testing.T, n int, setup func(io *socketio.Server)) []apiNode {
	var out []apiNode
	for _, tn := range startCluster(t, n, nodeConfig{setup: setup}) {
		out = append(out, apiNode{io: tn.io, url: tn.ts.URL})
	}
	return out
}

// shardedNodes: nodes on the sharded adapter (ShardedNode) in mode, each
// with a client of its own.
func shardedNodes(client func() redis.UniversalClient, mode SubscriptionMode) startNodes {
	return func(t *testing.T, n int, setup func(io *socketio.Server)) []apiNode {
		key := "kinshardapi-" + redistest.RandomID()
		newClient := func() redis.UniversalClient {
			c := client()
			t.Cleanup(func() { _ = c.Close() })
			return c
		}
		var out []apiNode
		for range n {
			sn := startSharded(t, newClient(), key, mode, shardedConfig{setup: setup})
			out = append(out, apiNode{io: sn.io, url: sn.url})
		}
		waitShard(t, newClient(), key+"#/#", int64(n))
		return out
	}
}

// forEachAdapter runs test on the classic adapter, the sharded one in each
// mode on one Redis, and the sharded one on a Redis Cluster.
func forEachAdapter(t *testing.T, test func(t *testing.T, start startNodes)) {
	opts := redisOptions(t)
	single := func() redis.UniversalClient { return redis.NewClient(opts) }
	t.Run("classic", func(t *testing.T) {
		t.Parallel()
		test(t, classicNodes)
	})
	for _, mode := range []SubscriptionMode{Dynamic, DynamicPrivate, Static} {
		t.Run("sharded/"+string(mode), func(t *testing.T) {
			t.Parallel()
			test(t, shardedNodes(single, mode))
		})
	}
	t.Run("sharded/cluster", func(t *testing.T) {
		t.Parallel()
		rc := redistest.StartCluster(t, 3)
		test(t, shardedNodes(func() redis.UniversalClient {
			return redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.Addrs})
		}, Dynamic))
	})
}

// TestNamespaceServerSideEmit: Namespace.ServerSideEmit and
// ServerSideEmitWithAck, through either adapter, reach the namespace's
// OnServerSideEmit listeners of the other nodes (not the sender's own),
// and the answers come back; a node that does not answer makes the error
// ErrTimeout, a socketio.ErrAckTimeout.
func TestNamespaceServerSideEmit(t *testing.T) {
	t.Parallel()
	forEachAdapter(t, runNamespaceServerSideEmit)
}

func runNamespaceServerSideEmit(t *testing.T, start startNodes) {
	got := make(chan string, 8)
	var answering sync.Map // node's server -> answers "ask"
	setup := func(io *socketio.Server) {
		nsp := io.Of("/")
		nsp.OnServerSideEmit("hi", func(e *socketio.ServerEvent) {
			var n int
			var s string
			if e.Args.Decode(0, &n) != nil || e.Args.Decode(1, &s) != nil || e.HasAck() || e.Namespace != "/" {
				got <- "bad event"
				return
			}
			got <- "hi"
		})
		nsp.OnServerSideEmit("ask", func(e *socketio.ServerEvent) {
			if _, ok := answering.Load(io); !ok {
				return
			}
			var n int
			_ = e.Args.Decode(0, &n)
			_ = e.Ack(map[string]int{"double": 2 * n})
		})
	}
	nodes := start(t, 3, setup)
	for _, n := range nodes {
		answering.Store(n.io, true)
	}
	nsp := nodes[0].io.Of("/")
	if err := nsp.ServerSideEmit("hi", 1, "two"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case s := <-got:
			if s != "hi" {
				t.Fatal(s)
			}
		case <-time.After(waitTimeout):
			t.Fatal("server-side event did not arrive")
		}
	}
	answers, err := nsp.ServerSideEmitWithAck(context.Background(), "ask", 21)
	if err != nil || len(answers) != 2 {
		t.Fatalf("answers %s, err %v", answers, err)
	}
	for _, a := range answers {
		if string(a) != `{"double":42}` {
			t.Fatalf("answer %s", a)
		}
	}
	select {
	case s := <-got:
		t.Fatalf("the sender got its own event: %s", s)
	default:
	}

	// One node stops answering: the other's answer, and a timeout.
	answering.Delete(nodes[2].io)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	answers, err = nsp.ServerSideEmitWithAck(ctx, "ask", 1)
	if !errors.Is(err, socketio.ErrAckTimeout) || !errors.Is(err, ErrTimeout) || len(answers) != 1 {
		t.Fatalf("answers %s, err %v", answers, err)
	}
}

// TestRemoteSocketAcrossNodes: with either adapter, a socket fetched from
// another node is reached there by each RemoteSocket method, and that
// node's room events (passed through from its MemoryAdapter) report the
// rooms created, joined, left and deleted.
func TestRemoteSocketAcrossNodes(t *testing.T) {
	t.Parallel()
	forEachAdapter(t, runRemoteSocket)
}

func runRemoteSocket(t *testing.T, start startNodes) {
	joins := make(chan string, 16)
	setup := func(io *socketio.Server) {
		ev := io.Of("/").Adapter().(socketio.RoomEvents)
		ev.OnCreateRoom(func(room string) { joins <- "create " + room })
		ev.OnDeleteRoom(func(room string) { joins <- "delete " + room })
		ev.OnJoinRoom(func(room, id string) { joins <- "join " + room })
		ev.OnLeaveRoom(func(room, id string) { joins <- "leave " + room })
	}
	nodes := start(t, 2, setup)
	c := siotest.Dial(t, nodes[1].url, "join=r", nil, siotest.AckWith(`["pong"]`), siotest.Timeout(waitTimeout))
	for _, want := range []string{"create " + c.SID(), "join " + c.SID(), "create r", "join r"} {
		if got := recvString(t, joins); got != want {
			t.Fatalf("room event %q, want %q", got, want)
		}
	}
	list, err := nodes[0].io.Of("/").In("r").FetchSockets(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("FetchSockets = %v, %v", list, err)
	}
	rs := list[0]
	if rs.ID != c.SID() || rs.Local != nil || !slices.Contains(rs.Rooms, "r") {
		t.Fatalf("remote socket %+v", rs)
	}
	s := nodes[1].io.Of("/").Socket(c.SID())

	if err := rs.Emit("hello", 1); err != nil {
		t.Fatal(err)
	}
	c.ExpectEvent("hello", 1)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ack, err := rs.EmitWithAck(ctx, "ping")
	if err != nil || string(ack.Raw(0)) != `"pong"` {
		t.Fatalf("ack %v, err %v", ack.Values(), err)
	}
	if f := c.Next(); f != `420["ping"]` { // the event it acked
		t.Fatalf("got %q", f)
	}

	rs.Join("x", "y")
	for _, want := range []string{"create x", "join x", "create y", "join y"} {
		if got := recvString(t, joins); got != want {
			t.Fatalf("room event %q, want %q", got, want)
		}
	}
	if got := s.Rooms(); !slices.Equal(got, []string{c.SID(), "r", "x", "y"}) {
		t.Fatalf("rooms %q", got)
	}
	rs.Leave("r")
	for _, want := range []string{"leave r", "delete r"} {
		if got := recvString(t, joins); got != want {
			t.Fatalf("room event %q, want %q", got, want)
		}
	}
	rs.Disconnect(false)
	if f := c.Next(); f != "41" {
		t.Fatalf("got %q, want a DISCONNECT", f)
	}
	left := map[string]bool{}
	for range 6 { // each room left then deleted; the rooms in any order
		left[recvString(t, joins)] = true
	}
	for _, r := range []string{c.SID(), "x", "y"} {
		if !left["leave "+r] || !left["delete "+r] {
			t.Fatalf("room events after the disconnect %v, want %s left and deleted", left, r)
		}
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel2()
	if _, err := rs.EmitWithAck(ctx2, "ping"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Fatalf("after disconnect: %v, want ErrDisconnected", err)
	}
}

func recvString(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(waitTimeout):
		t.Fatal("nothing received")
		return ""
	}
}

// TestRoomEventsOnRecoveryMayBroadcast: a socket recovered on another node
// rejoins its rooms under the adapter's recovery lock; the room event
// listeners run after it, so one that makes a logged broadcast does not
// deadlock (either adapter).
func TestRoomEventsOnRecoveryMayBroadcast(t *testing.T) {
	t.Parallel()
	rec := &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
	t.Run("classic", func(t *testing.T) {
		t.Parallel()
		runRoomEventsOnRecovery(t, func(setup func(io *socketio.Server)) []apiNode {
			nodes, _ := recoveryCluster(t, 2, setup)
			return []apiNode{{nodes[0].io, nodes[0].ts.URL}, {nodes[1].io, nodes[1].ts.URL}}
		})
	})
	t.Run("sharded", func(t *testing.T) {
		t.Parallel()
		opts := redisOptions(t)
		runRoomEventsOnRecovery(t, func(setup func(io *socketio.Server)) []apiNode {
			key := "kinshardrev-" + redistest.RandomID()
			var out []apiNode
			for range 2 {
				c := redis.NewClient(opts)
				t.Cleanup(func() { _ = c.Close() })
				n := startSharded(t, c, key, Dynamic, shardedConfig{recovery: rec, setup: setup})
				out = append(out, apiNode{n.io, n.url})
			}
			watch := redis.NewClient(opts)
			t.Cleanup(func() { _ = watch.Close() })
			waitShard(t, watch, key+"#/#", 2)
			return out
		})
	})
}

func runRoomEventsOnRecovery(t *testing.T, start func(setup func(io *socketio.Server)) []apiNode) {
	setup := func(io *socketio.Server) {
		io.Of("/").Adapter().(socketio.RoomEvents).OnJoinRoom(func(room, id string) {
			if s := io.Of("/").Socket(id); room == "r" && s != nil && s.Recovered() {
				_ = io.Of("/").Local().To("r").Emit("welcome", "back") // appended to the stream: takes the lock
			}
		})
	}
	nodes := start(setup)
	c := siotest.Dial(t, nodes[0].url, "join=r", nil, siotest.Timeout(waitTimeout))
	if err := nodes[0].io.Emit("e1"); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("e1", nil))
	c.Close()
	c2 := siotest.Dial(t, nodes[1].url, "", map[string]string{"pid": c.PID(), "offset": offset}, siotest.Timeout(waitTimeout))
	if c2.SID() != c.SID() {
		t.Fatalf("not recovered: sid %q, want %q", c2.SID(), c.SID())
	}
	c2.ExpectEvent("welcome", "back")
}
