package cluster

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// eventually polls cond until it holds, failing the test at the deadline.
func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestNamespaceServerSideEmitAcrossGoAndNode: the Go node's namespace
// listeners (OnServerSideEmit) get Node's io.serverSideEmit and answer its
// serverSideEmitWithAck; Namespace.ServerSideEmit(WithAck) reaches Node's
// io.on(event) listeners.
func TestNamespaceServerSideEmitAcrossGoAndNode(t *testing.T) {
	e := newEnv(t)
	nsp := e.goIO.Of("/")
	got := make(chan *socketio.ServerEvent, 4)
	nsp.OnServerSideEmit("hello-go", func(ev *socketio.ServerEvent) { got <- ev })
	nsp.OnServerSideEmit("ask-nsp", func(ev *socketio.ServerEvent) {
		var n float64
		_ = ev.Args.Decode(0, &n)
		_ = ev.Ack(map[string]any{"from": "go-nsp", "twice": 2 * n})
	})

	e.js.do(map[string]any{"op": "serverSideEmit", "event": "hello-go", "args": []any{"x", 2}})
	select {
	case ev := <-got:
		var s string
		var n int
		if ev.Name != "hello-go" || ev.HasAck() || ev.Args.Decode(0, &s) != nil || ev.Args.Decode(1, &n) != nil || s != "x" || n != 2 {
			t.Fatalf("go got %s %v", ev.Name, ev.Args.Values())
		}
	case <-time.After(waitTimeout):
		t.Fatal("the namespace listener got nothing")
	}
	if ev := recvSSE(t, e.sse); ev.Name != "hello-go" { // Options.OnServerSideEmit gets it too
		t.Fatalf("OnServerSideEmit got %s", ev.Name)
	}

	var answers []map[string]any
	if err := json.Unmarshal(e.js.do(map[string]any{"op": "serverSideEmitWithAck", "event": "ask-nsp", "args": []any{4}}), &answers); err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || answers[0]["from"] != "go-nsp" || answers[0]["twice"] != 8.0 {
		t.Fatalf("node's answers %v", answers)
	}
	recvSSE(t, e.sse)

	if err := nsp.ServerSideEmit("hello-node", "hi", 3); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-e.js.sse:
		if s != `["hello-node","hi",3]` {
			t.Fatalf("node got %s", s)
		}
	case <-time.After(waitTimeout):
		t.Fatal("node did not get the server-side event")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	fromNode, err := nsp.ServerSideEmitWithAck(ctx, "ask", 5)
	if err != nil || len(fromNode) != 1 || string(fromNode[0]) != `{"from":"node","arg":5}` {
		t.Fatalf("answers %s, err %v", fromNode, err)
	}
}

// TestRemoteSocketAcrossGoAndNode: Go's RemoteSocket of a socket on the
// Node.js node, and Node's RemoteSocket of a socket on the Go node, each
// emit (with and without ack), join, leave and disconnect it.
func TestRemoteSocketAcrossGoAndNode(t *testing.T) {
	e := newEnv(t)
	g := siotest.Dial(t, e.goURL, "join=r", nil, siotest.Timeout(waitTimeout), siotest.AckWith(`["go-ack"]`))
	n := siotest.Dial(t, e.nodeURL, "join=r", nil, siotest.Timeout(waitTimeout), siotest.AckWith(`["node-ack"]`))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	// Go -> the Node.js node's socket.
	list, err := e.goIO.Of("/").In("r").FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list, func(rs socketio.RemoteSocket) bool { return rs.ID == n.SID() })
	if i < 0 || list[i].Local != nil {
		t.Fatalf("the node socket is not among %v", list)
	}
	rs := list[i]
	if err := rs.Emit("from-go", 1); err != nil {
		t.Fatal(err)
	}
	n.ExpectEvent("from-go", 1)
	ack, err := rs.EmitWithAck(ctx, "q")
	if err != nil || string(ack.Raw(0)) != `"node-ack"` {
		t.Fatalf("ack %v, err %v", ack.Values(), err)
	}
	n.ExpectEvent("q", nil)
	nodeRoom := func(room string) int {
		var in []struct{ ID string }
		_ = json.Unmarshal(e.js.do(map[string]any{"op": "fetch", "to": []string{room}}), &in)
		return len(in)
	}
	rs.Join("gj")
	eventually(t, func() bool { return nodeRoom("gj") == 1 }, "the node socket in gj")
	rs.Leave("gj")
	eventually(t, func() bool { return nodeRoom("gj") == 0 }, "the node socket out of gj")
	rs.Disconnect(false)
	if f := n.Next(); f != "41" {
		t.Fatalf("node client got %q, want a DISCONNECT", f)
	}

	// Node -> the Go node's socket.
	remote := func(do string, extra map[string]any) json.RawMessage {
		cmd := map[string]any{"op": "remote", "sid": g.SID(), "do": do}
		for k, v := range extra {
			cmd[k] = v
		}
		return e.js.do(cmd)
	}
	remote("emit", map[string]any{"event": "from-node", "args": []any{2}})
	g.ExpectEvent("from-node", 2)
	if r := remote("emitWithAck", map[string]any{"event": "q"}); string(r) != `"go-ack"` {
		t.Fatalf("node's RemoteSocket got ack %s", r)
	}
	g.ExpectEvent("q", nil)
	s := e.goIO.Of("/").Socket(g.SID())
	remote("join", map[string]any{"rooms": []string{"nj"}})
	eventually(t, func() bool { return slices.Contains(s.Rooms(), "nj") }, "the go socket in nj")
	remote("leave", map[string]any{"rooms": []string{"nj"}})
	eventually(t, func() bool { return !slices.Contains(s.Rooms(), "nj") }, "the go socket out of nj")
	remote("disconnect", nil)
	if f := g.Next(); f != "41" {
		t.Fatalf("go client got %q, want a DISCONNECT", f)
	}
}
