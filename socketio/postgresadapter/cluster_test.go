package postgresadapter

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// rows returns the number of rows of the node's attachment table.
func rows(t *testing.T, pool *pgxpool.Pool, n *testNode) int {
	t.Helper()
	var c int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+n.node.opts.TableName).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBroadcastRoomsExceptAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes, _ := startCluster(t, 3, Options{}, nil)
	a1 := siotest.Dial(t, nodes[0].url, "join=r", nil)
	b1 := siotest.Dial(t, nodes[1].url, "join=r", nil)
	b2 := siotest.Dial(t, nodes[1].url, "join=r,x", nil)
	c1 := siotest.Dial(t, nodes[2].url, "", nil)

	if err := nodes[0].io.To("r").Except("x").Emit("hello", 1); err != nil {
		t.Fatal(err)
	}
	// From the same node, so after hello everywhere: a client that gets
	// the marker first was not selected.
	if err := nodes[0].io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	a1.ExpectEvent("hello", 1)
	b1.ExpectEvent("hello", 1)
	for _, c := range []*siotest.Client{a1, b1, b2, c1} {
		c.ExpectEvent("marker", nil)
	}
}

// TestPayloadsThroughTable: binary data, and JSON of the threshold's size
// or more, go through the attachment table; smaller JSON does not.
func TestPayloadsThroughTable(t *testing.T) {
	t.Parallel()
	nodes, pool := startCluster(t, 2, Options{}, nil)
	b1 := siotest.Dial(t, nodes[1].url, "join=solo", nil)
	b2 := siotest.Dial(t, nodes[1].url, "", nil)

	cases := []struct {
		name   string
		args   []any
		stored bool
	}{
		{"small", []any{"x"}, false},
		{"binary", []any{[]byte{1, 2, 3}, map[string]any{"k": []byte("x")}}, true},
		{"large", []any{strings.Repeat("é", 5000)}, true}, // 10000 bytes of UTF-8
		{"just under", []any{strings.Repeat("a", 8000-300)}, false},
	}
	for _, c := range cases {
		before := rows(t, pool, nodes[0])
		if err := nodes[0].io.To("solo").Emit(c.name, c.args...); err != nil {
			t.Fatal(err)
		}
		if err := nodes[0].io.Emit("marker"); err != nil {
			t.Fatal(err)
		}
		switch c.name {
		case "binary":
			if h, want := b1.Next(), `452-["binary",{"_placeholder":true,"num":0},{"k":{"_placeholder":true,"num":1}}]`; h != want {
				t.Fatalf("got %q, want %q", h, want)
			}
			if f := b1.Next(); f != "<bin>\x01\x02\x03" {
				t.Fatalf("attachment 0: %q", f)
			}
			if f := b1.Next(); f != "<bin>x" {
				t.Fatalf("attachment 1: %q", f)
			}
		default:
			b1.ExpectEvent(c.name, c.args[0])
		}
		b1.ExpectEvent("marker", nil)
		b2.ExpectEvent("marker", nil)
		if got := rows(t, pool, nodes[0]) - before; (got > 0) != c.stored {
			t.Errorf("%s: %d rows stored, want stored=%v", c.name, got, c.stored)
		}
	}
}

func TestLocalAndVolatileFlags(t *testing.T) {
	t.Parallel()
	nodes, _ := startCluster(t, 2, Options{}, nil)
	a1 := siotest.Dial(t, nodes[0].url, "", nil)
	b1 := siotest.Dial(t, nodes[1].url, "", nil)
	if err := nodes[0].io.Of("/").Local().Emit("local"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].io.Of("/").Volatile().Emit("volatile"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	a1.ExpectEvent("local", nil)
	a1.ExpectEvent("volatile", nil)
	a1.ExpectEvent("marker", nil)
	b1.ExpectEvent("volatile", nil) // not "local"
	b1.ExpectEvent("marker", nil)
}

func TestBroadcastWithAckAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes, _ := startCluster(t, 2, Options{}, nil)
	siotest.Dial(t, nodes[0].url, "", nil, siotest.AckWith(`["a"]`))
	siotest.Dial(t, nodes[1].url, "", nil, siotest.AckWith(`["b"]`))
	siotest.Dial(t, nodes[1].url, "", nil, siotest.AckWith(`[{"bin":1}]`))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	acks, err := nodes[0].io.To().Timeout(3*time.Second).EmitWithAck(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range acks {
		got = append(got, string(a.Raw(0)))
	}
	sort.Strings(got)
	if want := []string{`"a"`, `"b"`, `{"bin":1}`}; !slices.Equal(got, want) {
		t.Fatalf("acks %v, want %v", got, want)
	}
}

func TestFetchSocketsAndRemoteSocket(t *testing.T) {
	t.Parallel()
	nodes, _ := startCluster(t, 2, Options{}, nil)
	a1 := siotest.Dial(t, nodes[0].url, "join=r&who=a1", nil)
	b1 := siotest.Dial(t, nodes[1].url, "join=r&who=b1", nil, siotest.AckWith(`["pong"]`))
	siotest.Dial(t, nodes[1].url, "who=b2", nil)
	ctx := context.Background()

	sockets, err := nodes[0].io.To("r").FetchSockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]socketio.RemoteSocket{}
	for _, s := range sockets {
		byID[s.ID] = s
	}
	if len(byID) != 2 || byID[a1.SID()].Local == nil {
		t.Fatalf("fetched %+v, want a1 (local) and b1", sockets)
	}
	rb := byID[b1.SID()]
	if rb.Local != nil || !slices.Contains(rb.Rooms, "r") || rb.Data.(map[string]any)["who"] != "b1" || rb.Handshake == nil {
		t.Fatalf("remote socket %+v", rb)
	}

	// Its methods reach it on the other node.
	if err := rb.Emit("direct", "hi"); err != nil {
		t.Fatal(err)
	}
	b1.ExpectEvent("direct", "hi")
	ack, err := rb.EmitWithAck(ctx, "ping")
	if err != nil || string(ack.Raw(0)) != `"pong"` {
		t.Fatalf("ack %v, %v", ack, err)
	}
	rb.Join("joined")
	eventually(t, func() bool { return slices.Contains(nodes[1].io.Of("/").Adapter().Rooms(b1.SID()), "joined") }, "b1 joined")
	rb.Leave("r")
	eventually(t, func() bool { return !slices.Contains(nodes[1].io.Of("/").Adapter().Rooms(b1.SID()), "r") }, "b1 left r")
	rb.Disconnect(true)
	b1.ExpectClosed()
}

func TestSocketsJoinLeaveDisconnectAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes, _ := startCluster(t, 2, Options{}, nil)
	a1 := siotest.Dial(t, nodes[0].url, "", nil)
	b1 := siotest.Dial(t, nodes[1].url, "join=r", nil)
	b2 := siotest.Dial(t, nodes[1].url, "", nil)
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
	a1.ExpectEvent("marker", nil)
}

func TestServerSideEmitWithAcks(t *testing.T) {
	t.Parallel()
	got := make(chan string, 4)
	nodes, _ := startCluster(t, 3, Options{}, func(io *socketio.Server) {
		io.Of("/").OnServerSideEmit("ask", func(e *socketio.ServerEvent) {
			var n int
			_ = e.Args.Decode(0, &n)
			_ = e.Ack(n * 2)
		})
		io.Of("/").OnServerSideEmit("tell", func(e *socketio.ServerEvent) {
			var s string
			_ = e.Args.Decode(0, &s)
			got <- s
		})
	})
	if err := nodes[0].io.Of("/").ServerSideEmit("tell", "x"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case s := <-got:
			if s != "x" {
				t.Fatalf("got %q", s)
			}
		case <-time.After(waitTimeout):
			t.Fatal("tell not received")
		}
	}
	answers, err := nodes[0].io.Of("/").ServerSideEmitWithAck(context.Background(), "ask", 21)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 2 || string(answers[0]) != "42" || string(answers[1]) != "42" {
		t.Fatalf("answers %s", answers)
	}
	select {
	case s := <-got:
		t.Fatalf("the sender got its own event %q", s)
	default:
	}
}

// TestHeartbeatAndLeaving: a node that closes is no longer counted at
// once; one that falls silent is after HeartbeatTimeout, and a request
// waiting for it returns then, not at its own timeout.
func TestHeartbeatAndLeaving(t *testing.T) {
	t.Parallel()
	opts := Options{HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: 600 * time.Millisecond, RequestsTimeout: 8 * time.Second}
	nodes, pool := startCluster(t, 3, opts, nil)

	// Heartbeats keep silent nodes counted past the timeout: the count
	// holds for three times HeartbeatTimeout (sampled).
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(3 * opts.HeartbeatTimeout); time.Now().Before(end); <-tick.C {
		if c := nodes[0].adapter().ServerCount(); c != 3 {
			t.Fatalf("count %d while every node beats", c)
		}
	}

	nodes[2].stop()
	waitCount(t, 2, nodes[0], nodes[1])

	// A node that says hello and then nothing: a notification of a uid
	// that is no node's.
	ghost := `{"type":2,"uid":"ghost0123456789","nsp":"/"}`
	if _, err := pool.Exec(context.Background(), "SELECT pg_notify($1, $2)", nodes[0].adapter().channel, ghost); err != nil {
		t.Fatal(err)
	}
	waitCount(t, 3, nodes[0])
	start := time.Now()
	if _, err := nodes[0].io.Of("/").FetchSockets(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("fetchSockets waited %v for a node gone silent", d)
	}
	waitCount(t, 2, nodes[0])
}

// TestMalformedNotifications: notifications that are no message, or
// name a row that is not there, are dropped; the node goes on.
func TestMalformedNotifications(t *testing.T) {
	t.Parallel()
	nodes, pool := startCluster(t, 2, Options{}, nil)
	b1 := siotest.Dial(t, nodes[1].url, "", nil)
	ch := nodes[1].adapter().channel
	for _, p := range []string{
		"", "x", "{", "[]", `{"type":"3"}`, `{"uid":"u"}`,
		`{"type":3,"uid":"u","nsp":"/","data":{"packet":{"type":2,"data":[1],"nsp":"/"},"opts":{}}}`,
		`{"type":3,"uid":"u","nsp":"/","data":{"packet":{"type":0,"data":["e"]},"opts":{"rooms":[]}}}`,
		`{"type":3,"uid":"u","attachmentId":"999999999"}`,
		`{"type":3,"uid":"u","attachmentId":"not a number"}`,
		`{"type":7,"uid":"u","nsp":"/","data":{"opts":null,"requestId":5}}`,
		`{"type":9,"uid":"u","nsp":"/","data":{"packet":{}}}`,
		`{"type":99,"uid":"u","nsp":"/"}`,
	} {
		if _, err := pool.Exec(context.Background(), "SELECT pg_notify($1, $2)", ch, p); err != nil {
			t.Fatal(err)
		}
	}
	// A message stored in the table that is no MessagePack.
	if _, err := pool.Exec(context.Background(), `WITH a AS (INSERT INTO `+nodes[1].node.opts.TableName+` (payload) VALUES ('\xc1ff') RETURNING id)
		SELECT pg_notify($1, json_build_object('uid', 'u', 'type', 3, 'attachmentId', a.id::text)::text) FROM a`, ch); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].io.Emit("after"); err != nil {
		t.Fatal(err)
	}
	b1.ExpectEvent("after", nil)
}

// TestEmitterMessageWithoutNamespace: Node's emitter names no namespace in
// its messages; the channel does.
func TestEmitterMessageWithoutNamespace(t *testing.T) {
	t.Parallel()
	nodes, pool := startCluster(t, 1, Options{}, nil)
	c := siotest.Dial(t, nodes[0].url, "join=r", nil)
	msg := `{"type":3,"data":{"packet":{"type":2,"data":["from-emitter",1],"nsp":"/"},"opts":{"rooms":["r"],"flags":{},"except":[]}},"uid":"emitter"}`
	if _, err := pool.Exec(context.Background(), "SELECT pg_notify($1, $2)", nodes[0].adapter().channel, msg); err != nil {
		t.Fatal(err)
	}
	c.ExpectEvent("from-emitter", 1)
	if n := nodes[0].adapter().ServerCount(); n != 1 {
		t.Fatalf("the emitter was counted as a node: %d", n)
	}
}

// TestListeningConnectionLost: the node takes a connection again when its
// listening one is cut, and hears the others again.
func TestListeningConnectionLost(t *testing.T) {
	t.Parallel()
	nodes, pool := startCluster(t, 2, Options{PublishQueue: 100}, nil)
	b1 := siotest.Dial(t, nodes[1].url, "", nil)
	ctx := context.Background()
	if st := nodes[1].node.Stats(); st.ListenerReconnects != 0 || st.PublishQueueCap != 100 || st.PublishFailed != 0 {
		t.Fatalf("stats before the cut: %+v", st)
	}
	var killed int
	err := pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`,
		`LISTEN "`+nodes[1].adapter().channel+`"`).Scan(&killed)
	if err != nil {
		t.Fatal(err)
	}
	if killed != 2 { // both nodes listen on the channel
		t.Fatalf("terminated %d listening connections, want 2", killed)
	}
	eventually(t, func() bool { return !nodes[1].node.Healthy() && nodes[1].node.Ping(ctx) == ErrNotConnected }, "node 1 unhealthy")
	eventually(t, func() bool { return nodes[0].node.Healthy() && nodes[1].node.Healthy() }, "nodes healthy again")
	waitCount(t, 2, nodes...)
	if err := nodes[0].io.Emit("again"); err != nil {
		t.Fatal(err)
	}
	b1.ExpectEvent("again", nil)
	for i, n := range nodes { // each listened again once: counted for the metrics
		if st := n.node.Stats(); st.ListenerReconnects != 1 {
			t.Errorf("node %d: %d listener reconnects, want 1 (%+v)", i, st.ListenerReconnects, st)
		}
	}
}

// TestOptionsRefused: a table name that is not a plain name is refused.
func TestOptionsRefused(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	for _, name := range []string{"x; DROP TABLE y", `"quoted"`, "a.b.c", "1abc"} {
		_, err := NewNode(context.Background(), pool, &Options{TableName: name})
		if err == nil || !strings.Contains(err.Error(), "table name") {
			t.Errorf("%q: %v", name, err)
		}
	}
}

// TestNodesStartingTogether: nodes that start at once on a database
// without the table all start (one creates it; the others find it).
func TestNodesStartingTogether(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	prefix, table := names(t, pool)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			n, err := NewNode(context.Background(), pool, &Options{Channel: prefix, TableName: table})
			if err == nil {
				err = n.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestIdenticalBroadcastsAllArrive: PostgreSQL folds identical
// notifications of one transaction into one; the node must not send two
// in one.
func TestIdenticalBroadcastsAllArrive(t *testing.T) {
	t.Parallel()
	nodes, _ := startCluster(t, 2, Options{}, nil)
	c := siotest.Dial(t, nodes[1].url, "", nil)
	for range 50 {
		if err := nodes[0].io.Emit("same", 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := nodes[0].io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		c.ExpectEvent("same", 1)
	}
	c.ExpectEvent("marker", nil)
}
