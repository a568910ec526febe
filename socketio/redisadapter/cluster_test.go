package redisadapter

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// startCluster starts n nodes of one cluster and waits until all listen.
func startCluster(t *testing.T, n int, cfg nodeConfig) []*testNode {
	t.Helper()
	rdb, key := newRedis(t)
	nodes := make([]*testNode, n)
	for i := range nodes {
		nodes[i] = startNode(t, key, cfg)
	}
	waitNodes(t, rdb, key, "/", int64(n))
	return nodes
}

func TestBroadcastRoomsExceptAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3, nodeConfig{})
	a1 := siotest.Dial(t, nodes[0].ts.URL, "join=r", nil)
	b1 := siotest.Dial(t, nodes[1].ts.URL, "join=r", nil)
	b2 := siotest.Dial(t, nodes[1].ts.URL, "join=r,x", nil)
	c1 := siotest.Dial(t, nodes[2].ts.URL, "", nil)

	if err := nodes[0].io.To("r").Except("x").Emit("hello", 1); err != nil {
		t.Fatal(err)
	}
	// From the same node, so after hello everywhere: each client gets
	// hello at most once before the marker, exactly once where selected.
	if err := nodes[0].io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	a1.ExpectEvent("hello", 1)
	b1.ExpectEvent("hello", 1)
	for _, c := range []*siotest.Client{a1, b1, b2, c1} {
		c.ExpectEvent("marker", nil)
	}
}

func TestBroadcastOneRoomChannelAndBinary(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2, nodeConfig{})
	b1 := siotest.Dial(t, nodes[1].ts.URL, "join=solo", nil)
	b2 := siotest.Dial(t, nodes[1].ts.URL, "", nil)
	if err := nodes[0].io.To("solo").Emit("bin", []byte{1, 2, 3}, map[string]any{"k": []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	head := b1.Next()
	want := `452-["bin",{"_placeholder":true,"num":0},{"k":{"_placeholder":true,"num":1}}]`
	if head != want {
		t.Fatalf("got %q, want %q", head, want)
	}
	if f := b1.Next(); f != "<bin>\x01\x02\x03" {
		t.Fatalf("attachment 0: %q", f)
	}
	if f := b1.Next(); f != "<bin>x" {
		t.Fatalf("attachment 1: %q", f)
	}
	b1.ExpectEvent("marker", nil)
	b2.ExpectEvent("marker", nil)
}

func TestLocalAndVolatileFlags(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2, nodeConfig{})
	a1 := siotest.Dial(t, nodes[0].ts.URL, "", nil)
	b1 := siotest.Dial(t, nodes[1].ts.URL, "", nil)
	if err := nodes[0].io.Of("/").Local().Emit("here"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].io.Of("/").Volatile().Emit("vol"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	a1.ExpectEvent("here", nil)
	a1.ExpectEvent("vol", nil)
	a1.ExpectEvent("marker", nil)
	b1.ExpectEvent("vol", nil) // "here" stayed on node 0
	b1.ExpectEvent("marker", nil)
}

func TestBroadcastWithAckAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 3, nodeConfig{})
	siotest.Dial(t, nodes[0].ts.URL, "join=r", nil, siotest.AckWith(`["a"]`))
	siotest.Dial(t, nodes[1].ts.URL, "join=r", nil, siotest.AckWith(`[{"b":1}]`))
	siotest.Dial(t, nodes[1].ts.URL, "join=r", nil, siotest.AckWith(`["b2"]`))
	siotest.Dial(t, nodes[2].ts.URL, "", nil, siotest.AckWith(`["not in r"]`))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	acks, err := nodes[2].io.To("r").EmitWithAck(ctx, "q", 1)
	if err != nil {
		t.Fatalf("EmitWithAck: %v (acks %v)", err, acks)
	}
	var got []string
	for _, a := range acks {
		got = append(got, string(a.Raw(0)))
	}
	sort.Strings(got)
	if want := []string{`"a"`, `"b2"`, `{"b":1}`}; !slices.Equal(got, want) {
		t.Fatalf("acks %v, want %v", got, want)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("took %v: the counts did not arrive", d)
	}
}

func TestFetchSocketsAcrossNodes(t *testing.T) {
	t.Parallel()
	setup := func(io *socketio.Server) {
		io.Use(func(s *socketio.Socket) error {
			s.SetData(map[string]any{"who": s.Handshake().Query.Get("who")})
			return nil
		})
	}
	nodes := startCluster(t, 3, nodeConfig{setup: setup})
	a1 := siotest.Dial(t, nodes[0].ts.URL, "join=r&who=a1", nil)
	b1 := siotest.Dial(t, nodes[1].ts.URL, "join=r&who=b1", nil)
	c1 := siotest.Dial(t, nodes[2].ts.URL, "who=c1", nil)

	all, err := nodes[0].io.Of("/").FetchSockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d sockets, want 3", len(all))
	}
	inR, err := nodes[2].io.To("r").FetchSockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]socketio.RemoteSocket{}
	for _, s := range inR {
		byID[s.ID] = s
	}
	if len(byID) != 2 || byID[a1.SID()].ID == "" || byID[b1.SID()].ID == "" {
		t.Fatalf("sockets in r: %+v", inR)
	}
	rb := byID[b1.SID()]
	if rb.Local != nil || !slices.Contains(rb.Rooms, "r") || rb.Handshake.Query.Get("who") != "b1" {
		t.Fatalf("remote socket %+v", rb)
	}
	if d, _ := rb.Data.(map[string]any); d["who"] != "b1" {
		t.Fatalf("remote data %#v", rb.Data)
	}
	_ = c1
}

func TestSocketsJoinLeaveDisconnectAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := startCluster(t, 2, nodeConfig{})
	a1 := siotest.Dial(t, nodes[0].ts.URL, "", nil)
	b1 := siotest.Dial(t, nodes[1].ts.URL, "join=r", nil)
	b2 := siotest.Dial(t, nodes[1].ts.URL, "", nil)
	hasRoom := func(n *testNode, sid, room string) bool {
		return slices.Contains(n.io.Of("/").Adapter().Rooms(sid), room)
	}

	nodes[0].io.To("r").SocketsJoin("joined")
	eventually(t, func() bool { return hasRoom(nodes[1], b1.SID(), "joined") }, "b1 joined")
	if hasRoom(nodes[1], b2.SID(), "joined") || hasRoom(nodes[0], a1.SID(), "joined") {
		t.Fatal("a socket outside r joined")
	}
	nodes[0].io.To("joined").SocketsLeave("r")
	eventually(t, func() bool { return !hasRoom(nodes[1], b1.SID(), "r") }, "b1 left r")

	nodes[0].io.To(b2.SID()).DisconnectSockets(false)
	if f := b2.Next(); f != "41" {
		t.Fatalf("b2 got %q, want a DISCONNECT", f)
	}
	if err := nodes[0].io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	b1.ExpectEvent("marker", nil)
}

func TestServerSideEmit(t *testing.T) {
	t.Parallel()
	got := make(chan *ServerEvent, 4)
	cfg := nodeConfig{opts: &Options{OnServerSideEmit: func(e *ServerEvent) {
		_ = e.Ack(map[string]any{"from": "peer", "arg": json.RawMessage(e.Args.Raw(0))})
		got <- e
	}}}
	nodes := startCluster(t, 3, cfg)
	a := nodes[0].io.Of("/").Adapter().(*Adapter)
	if err := a.ServerSideEmit("hi", []any{1, "two"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		select {
		case e := <-got:
			if e.Name != "hi" || e.HasAck() || string(e.Args.Raw(1)) != `"two"` {
				t.Fatalf("event %+v", e)
			}
		case <-time.After(waitTimeout):
			t.Fatal("server-side event did not arrive")
		}
	}
	answers, err := a.ServerSideEmitWithAck(context.Background(), "ask", 7)
	if err != nil || len(answers) != 2 {
		t.Fatalf("answers %s, err %v", answers, err)
	}
	for _, r := range answers {
		if string(r) != `{"arg":7,"from":"peer"}` {
			t.Fatalf("answer %s", r)
		}
	}
}

// TestRequestFromHandlerOnReceivingGoroutine: another node disconnects a
// socket here; its disconnect handler, on the goroutine that receives from
// Redis, asks the cluster for its sockets and gets the answers.
func TestRequestFromHandlerOnReceivingGoroutine(t *testing.T) {
	t.Parallel()
	fetched := make(chan int, 1)
	var b *testNode
	setup := func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(socketio.DisconnectReason) {
				if s.Handshake().Query.Get("victim") == "" {
					return
				}
				list, _ := io.Of("/").FetchSockets(context.Background())
				fetched <- len(list)
			})
		})
	}
	rdb, key := newRedis(t)
	a := startNode(t, key, nodeConfig{})
	b = startNode(t, key, nodeConfig{setup: setup})
	waitNodes(t, rdb, key, "/", 2)
	siotest.Dial(t, a.ts.URL, "", nil)
	siotest.Dial(t, a.ts.URL, "", nil)
	victim := siotest.Dial(t, b.ts.URL, "victim=1", nil)
	start := time.Now()
	a.io.To(victim.SID()).DisconnectSockets(false)
	select {
	case n := <-fetched:
		if n != 2 || time.Since(start) > 2*time.Second {
			t.Fatalf("fetched %d sockets in %v, want node a's 2 at once", n, time.Since(start))
		}
	case <-time.After(waitTimeout):
		t.Fatal("the handler did not run")
	}
}
