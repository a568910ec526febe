package redisadapter

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/siotest"
	"github.com/kin-comms/kinrt/socketio"
)

// TestNamespaceServerSideEmit: Namespace.ServerSideEmit and
// ServerSideEmitWithAck, through the adapter, reach the namespace's
// OnServerSideEmit listeners of the other nodes (not the sender's own),
// and the answers come back; a node that does not answer makes the error
// ErrTimeout, a socketio.ErrAckTimeout.
func TestNamespaceServerSideEmit(t *testing.T) {
	t.Parallel()
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
	nodes := cluster(t, 3, nodeConfig{setup: setup})
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

// TestRemoteSocketAcrossNodes: a socket fetched from another node is
// reached there by each RemoteSocket method, and that node's room events
// report the joins and leaves.
func TestRemoteSocketAcrossNodes(t *testing.T) {
	t.Parallel()
	joins := make(chan string, 8)
	setup := func(io *socketio.Server) {
		ev := io.Of("/").Adapter().(socketio.RoomEvents)
		ev.OnJoinRoom(func(room, id string) { joins <- "join " + room })
		ev.OnLeaveRoom(func(room, id string) { joins <- "leave " + room })
	}
	nodes := cluster(t, 2, nodeConfig{setup: setup})
	c := siotest.Dial(t, nodes[1].ts.URL, "join=r", nil, siotest.AckWith(`["pong"]`))
	for _, want := range []string{"join " + c.SID(), "join r"} {
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
	for _, want := range []string{"join x", "join y"} {
		if got := recvString(t, joins); got != want {
			t.Fatalf("room event %q, want %q", got, want)
		}
	}
	if got := s.Rooms(); !slices.Equal(got, []string{c.SID(), "r", "x", "y"}) {
		t.Fatalf("rooms %q", got)
	}
	rs.Leave("r")
	if got := recvString(t, joins); got != "leave r" {
		t.Fatalf("room event %q", got)
	}
	rs.Disconnect(false)
	if f := c.Next(); f != "41" {
		t.Fatalf("got %q, want a DISCONNECT", f)
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
// deadlock.
func TestRoomEventsOnRecoveryMayBroadcast(t *testing.T) {
	t.Parallel()
	setup := func(io *socketio.Server) {
		io.Of("/").Adapter().(socketio.RoomEvents).OnJoinRoom(func(room, id string) {
			if s := io.Of("/").Socket(id); room == "r" && s != nil && s.Recovered() {
				_ = io.Of("/").Local().To("r").Emit("welcome", "back") // appended to the stream: takes the lock
			}
		})
	}
	nodes, _ := recoveryCluster(t, 2, setup)
	c := siotest.Dial(t, nodes[0].ts.URL, "join=r", nil)
	if err := nodes[0].io.Emit("e1"); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("e1", nil))
	c.Close()
	c2 := siotest.Dial(t, nodes[1].ts.URL, "", map[string]string{"pid": c.PID(), "offset": offset})
	if c2.SID() != c.SID() {
		t.Fatalf("not recovered: sid %q, want %q", c2.SID(), c.SID())
	}
	c2.ExpectEvent("welcome", "back")
}
