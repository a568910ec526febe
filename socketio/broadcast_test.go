package socketio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// cluster is a server with n clients connected to "/".
type cluster struct {
	srv     *testServer
	clients []*wsClient
	sockets []*Socket
}

func newCluster(t *testing.T, n int, opts *Options, cfg dialConfig) *cluster {
	t.Helper()
	if opts == nil {
		opts = &Options{Engine: quietEngine()}
	}
	cl := &cluster{srv: newTestServer(t, opts, nil)}
	for i := 0; i < n; i++ {
		c, s := cl.srv.dialConnected(t, cfg)
		cl.clients = append(cl.clients, c)
		cl.sockets = append(cl.sockets, s)
	}
	return cl
}

// received returns, for each client, the frames that arrived before a
// marker sent to it now.
func (cl *cluster) received(t *testing.T) [][]string {
	t.Helper()
	out := make([][]string, len(cl.clients))
	for i, c := range cl.clients {
		out[i] = c.until(marker(t, cl.sockets[i], i))
	}
	return out
}

// expectReceived checks that exactly the clients in who got frame once,
// and that nothing else arrived.
func (cl *cluster) expectReceived(t *testing.T, frame string, who ...int) {
	t.Helper()
	for i, got := range cl.received(t) {
		var want []string
		if slices.Contains(who, i) {
			want = []string{frame}
		}
		if !slices.Equal(got, want) {
			t.Errorf("client %d got %q, want %q", i, got, want)
		}
	}
}

func TestRoomsJoinLeave(t *testing.T) {
	t.Parallel()
	cl := newCluster(t, 1, nil, dialConfig{})
	s := cl.sockets[0]
	rooms := func() []string {
		r := s.Rooms()
		sort.Strings(r)
		return r
	}
	if got := rooms(); !slices.Equal(got, []string{s.ID()}) {
		t.Fatalf("Rooms() = %v, want only the own room", got)
	}
	s.Join("a", "b")
	s.Join("a")
	want := []string{s.ID(), "a", "b"}
	sort.Strings(want)
	if got := rooms(); !slices.Equal(got, want) {
		t.Fatalf("Rooms() = %v, want %v", got, want)
	}
	ad := s.Namespace().Adapter().(*MemoryAdapter)
	if n := ad.RoomSize("a"); n != 1 {
		t.Fatalf("RoomSize(a) = %d", n)
	}
	s.Leave("a")
	s.Leave("nope")
	want = []string{s.ID(), "b"}
	sort.Strings(want)
	if got := rooms(); !slices.Equal(got, want) {
		t.Fatalf("Rooms() = %v, want %v", got, want)
	}
	if n := ad.RoomSize("a"); n != 0 {
		t.Fatalf("RoomSize(a) = %d after leave", n)
	}
	s.Disconnect(false)
	if got := s.Rooms(); len(got) != 0 {
		t.Fatalf("Rooms() = %v after disconnect", got)
	}
	if n := ad.RoomSize("b"); n != 0 {
		t.Fatalf("RoomSize(b) = %d after disconnect", n)
	}
	// Joining after the disconnect does nothing.
	s.Join("c")
	if n := ad.RoomSize("c"); n != 0 {
		t.Fatalf("a disconnected socket joined a room")
	}
}

func TestBroadcastTargets(t *testing.T) {
	t.Parallel()
	// Clients 0..4; rooms: a = {0,1}, b = {1,2}, c = {3}, d = {0,1,2,3};
	// 4 in none.
	tests := []struct {
		name string
		emit func(cl *cluster) error
		who  []int
	}{
		{"namespace Emit", func(cl *cluster) error { return cl.srv.io.Of("/").Emit("m") }, []int{0, 1, 2, 3, 4}},
		{"server Emit", func(cl *cluster) error { return cl.srv.io.Emit("m") }, []int{0, 1, 2, 3, 4}},
		{"To one room", func(cl *cluster) error { return cl.srv.io.To("a").Emit("m") }, []int{0, 1}},
		{"To union once", func(cl *cluster) error { return cl.srv.io.To("a", "b").Emit("m") }, []int{0, 1, 2}},
		{"To chained", func(cl *cluster) error { return cl.srv.io.To("a").To("b").In("a").Emit("m") }, []int{0, 1, 2}},
		{"To small room then largest", func(cl *cluster) error { return cl.srv.io.To("c", "d").Emit("m") }, []int{0, 1, 2, 3}},
		{"To rooms repeated", func(cl *cluster) error { return cl.srv.io.To("b", "a", "b", "c").Emit("m") }, []int{0, 1, 2, 3}},
		{"To unknown and largest", func(cl *cluster) error { return cl.srv.io.To("zzz", "d", "a").Emit("m") }, []int{0, 1, 2, 3}},
		{"To rooms Except", func(cl *cluster) error { return cl.srv.io.To("c", "d").Except("a").Emit("m") }, []int{2, 3}},
		{"In", func(cl *cluster) error { return cl.srv.io.Of("/").In("c").Emit("m") }, []int{3}},
		{"To own id room", func(cl *cluster) error { return cl.srv.io.To(cl.sockets[4].ID()).Emit("m") }, []int{4}},
		{"To unknown room", func(cl *cluster) error { return cl.srv.io.To("zzz").Emit("m") }, nil},
		{"Except", func(cl *cluster) error { return cl.srv.io.Of("/").Except("a").Emit("m") }, []int{2, 3, 4}},
		{"To Except", func(cl *cluster) error { return cl.srv.io.To("a", "b").Except("b").Emit("m") }, []int{0}},
		{"Except two", func(cl *cluster) error { return cl.srv.io.Of("/").Except("a", "c").Emit("m") }, []int{2, 4}},
		{"Except id", func(cl *cluster) error { return cl.srv.io.Of("/").Except(cl.sockets[0].ID()).Emit("m") }, []int{1, 2, 3, 4}},
		{"Local", func(cl *cluster) error { return cl.srv.io.Of("/").Local().To("c").Emit("m") }, []int{3}},
		{"Socket.To excludes sender", func(cl *cluster) error { return cl.sockets[1].To("a", "b").Emit("m") }, []int{0, 2}},
		{"Socket.To other room", func(cl *cluster) error { return cl.sockets[4].To("a").Emit("m") }, []int{0, 1}},
		{"Socket.Broadcast", func(cl *cluster) error { return cl.sockets[2].Broadcast().Emit("m") }, []int{0, 1, 3, 4}},
		{"Socket.Broadcast To", func(cl *cluster) error { return cl.sockets[1].Broadcast().To("b").Emit("m") }, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl := newCluster(t, 5, nil, dialConfig{})
			cl.sockets[0].Join("a")
			cl.sockets[1].Join("a", "b")
			cl.sockets[2].Join("b")
			cl.sockets[3].Join("c")
			for _, s := range cl.sockets[:4] {
				s.Join("d")
			}
			if err := tt.emit(cl); err != nil {
				t.Fatal(err)
			}
			cl.expectReceived(t, `42["m"]`, tt.who...)
		})
	}
}

func TestBroadcastOperatorImmutable(t *testing.T) {
	t.Parallel()
	cl := newCluster(t, 3, nil, dialConfig{})
	cl.sockets[0].Join("a")
	cl.sockets[1].Join("b")
	base := cl.srv.io.To("a")
	_ = base.To("b")
	_ = base.Except("a")
	if err := base.Emit("m"); err != nil {
		t.Fatal(err)
	}
	cl.expectReceived(t, `42["m"]`, 0)
}

func TestBroadcastBinaryAndNamespaces(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) { io.Of("/custom") })
	c := srv.dial(t, dialConfig{})
	sidRoot := c.connect("/", "")
	sidCustom := c.connect("/custom", "")
	if err := srv.io.Of("/custom").Emit("bin", []byte{1}, "x"); err != nil {
		t.Fatal(err)
	}
	c.expect(`451-/custom,["bin",{"_placeholder":true,"num":0},"x"]`)
	c.expectBin([]byte{1})
	// Rooms are per namespace.
	srv.io.Of("/").Socket(sidRoot).Join("r")
	srv.io.Of("/custom").Socket(sidCustom).Join("r")
	if err := srv.io.To("r").Emit("root-only"); err != nil {
		t.Fatal(err)
	}
	c.expect(`42["root-only"]`)
	m := marker(t, srv.io.Of("/custom").Socket(sidCustom), 1)
	if got := c.until(m); len(got) != 0 {
		t.Fatalf("frames %q", got)
	}
}

func TestParentNamespace(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		mwRuns  []string
		connNsp []string
	)
	var parent *Namespace
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		parent = io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/dyn-") })
		parent.Use(func(s *Socket) error {
			mu.Lock()
			mwRuns = append(mwRuns, s.Namespace().Name())
			mu.Unlock()
			if strings.HasSuffix(s.Namespace().Name(), "-refused") {
				return errors.New("refused")
			}
			return nil
		})
		parent.OnConnection(func(s *Socket) {
			mu.Lock()
			connNsp = append(connNsp, s.Namespace().Name())
			mu.Unlock()
			s.On("hi", func(e *Event) { _ = e.Ack("hello from " + s.Namespace().Name()) })
		})
	})
	a := srv.dial(t, dialConfig{})
	b := srv.dial(t, dialConfig{})
	a.connect("/dyn-1", "")
	b.connect("/dyn-2", "")
	b.connect("/", "")
	a.send("40/dyn-refused,")
	a.expect(`44/dyn-refused,{"message":"refused"}`)
	a.send("40/other,")
	a.expect(`44/other,{"message":"Invalid namespace"}`)

	child := srv.io.Of("/dyn-1")
	if child.Len() != 1 || srv.io.Of("/dyn-2").Len() != 1 || parent.Len() != 2 {
		t.Fatalf("Len: child %d, parent %d", child.Len(), parent.Len())
	}
	// A second client on an existing child shares it.
	c := srv.dial(t, dialConfig{})
	c.connect("/dyn-1", "")
	if child.Len() != 2 || parent.Len() != 3 {
		t.Fatalf("after a second client: child %d, parent %d", child.Len(), parent.Len())
	}

	// The connection handler runs after the client has its CONNECT; an
	// answered "hi" (registered by that handler) shows it has run.
	a.send(`42/dyn-1,5["hi"]`)
	a.expect(`43/dyn-1,5["hello from /dyn-1"]`)
	b.send(`42/dyn-2,6["hi"]`)
	b.expect(`43/dyn-2,6["hello from /dyn-2"]`)
	c.send(`42/dyn-1,7["hi"]`)
	c.expect(`43/dyn-1,7["hello from /dyn-1"]`)

	if err := parent.Emit("all", 1); err != nil {
		t.Fatal(err)
	}
	a.expect(`42/dyn-1,["all",1]`)
	b.expect(`42/dyn-2,["all",1]`)
	c.expect(`42/dyn-1,["all",1]`)

	socks, err := parent.FetchSockets(context.Background())
	if err != nil || len(socks) != 3 {
		t.Fatalf("FetchSockets = %d sockets, %v", len(socks), err)
	}

	mu.Lock()
	sort.Strings(mwRuns)
	sort.Strings(connNsp)
	gotMW, gotConn := strings.Join(mwRuns, " "), strings.Join(connNsp, " ")
	mu.Unlock()
	if gotMW != "/dyn-1 /dyn-1 /dyn-2 /dyn-refused" {
		t.Errorf("middleware ran for %s", gotMW)
	}
	if gotConn != "/dyn-1 /dyn-1 /dyn-2" {
		t.Errorf("connection handler ran for %s", gotConn)
	}
}

// A handler registered on a child namespace that a parent created runs
// too, as in the reference (the child copies the parent's handlers when it
// is created and keeps its own).
func TestParentNamespaceChildHandlers(t *testing.T) {
	t.Parallel()
	childConn := make(chan string, 1)
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/dyn-") })
	})
	a := srv.dial(t, dialConfig{})
	a.connect("/dyn-1", "")
	srv.io.Of("/dyn-1").OnConnection(func(s *Socket) { childConn <- s.ID() })
	b := srv.dial(t, dialConfig{})
	sid := b.connect("/dyn-1", "")
	if got := recv(t, childConn, "child's connection handler"); got != sid {
		t.Fatalf("handler got %q, want %q", got, sid)
	}
}

func TestFetchSocketsAndRoomOps(t *testing.T) {
	t.Parallel()
	cl := newCluster(t, 4, nil, dialConfig{})
	io := cl.srv.io
	cl.sockets[0].Join("a")
	cl.sockets[1].Join("a", "b")
	cl.sockets[2].SetData(map[string]int{"n": 2})
	ids := func(rs []RemoteSocket) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		sort.Strings(out)
		return out
	}
	idsOf := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, cl.sockets[i].ID())
		}
		sort.Strings(out)
		return out
	}
	ctx := context.Background()
	all, err := io.Of("/").FetchSockets(ctx)
	if err != nil || !slices.Equal(ids(all), idsOf(0, 1, 2, 3)) {
		t.Fatalf("FetchSockets = %v, %v", ids(all), err)
	}
	inA, _ := io.To("a").FetchSockets(ctx)
	if !slices.Equal(ids(inA), idsOf(0, 1)) {
		t.Fatalf("To(a).FetchSockets = %v", ids(inA))
	}
	for _, r := range all {
		if r.Local == nil || r.Local.ID() != r.ID || r.Namespace != "/" || r.Handshake == nil {
			t.Errorf("RemoteSocket %+v", r)
		}
		if !slices.Contains(r.Rooms, r.ID) {
			t.Errorf("RemoteSocket.Rooms = %v lacks the own room", r.Rooms)
		}
		if r.ID == cl.sockets[2].ID() {
			if m, _ := r.Data.(map[string]int); m["n"] != 2 {
				t.Errorf("RemoteSocket.Data = %v", r.Data)
			}
		}
	}
	none, err := io.To("nobody").FetchSockets(nil) //nolint:staticcheck // a nil context is accepted
	if err != nil || len(none) != 0 {
		t.Fatalf("FetchSockets of an empty room = %v, %v", none, err)
	}

	io.To("a").Except("b").SocketsJoin("x", "y")
	if got, _ := io.To("x").FetchSockets(ctx); !slices.Equal(ids(got), idsOf(0)) {
		t.Fatalf("SocketsJoin: room x = %v", ids(got))
	}
	io.Of("/").SocketsJoinAll("z")
	if got, _ := io.To("z").FetchSockets(ctx); !slices.Equal(ids(got), idsOf(0, 1, 2, 3)) {
		t.Fatalf("SocketsJoin to all: room z = %v", ids(got))
	}
	io.To("a").SocketsLeave("z", "y")
	if got, _ := io.To("z").FetchSockets(ctx); !slices.Equal(ids(got), idsOf(2, 3)) {
		t.Fatalf("SocketsLeave: room z = %v", ids(got))
	}
	if got, _ := io.To("y").FetchSockets(ctx); len(got) != 0 {
		t.Fatalf("SocketsLeave: room y = %v", ids(got))
	}
}

// SocketsJoinAll makes every socket of the namespace join rooms.
func (n *Namespace) SocketsJoinAll(rooms ...string) { n.op().SocketsJoin(rooms...) }

func TestDisconnectSockets(t *testing.T) {
	t.Parallel()
	cl := newCluster(t, 3, nil, dialConfig{})
	cl.sockets[0].Join("a")
	cl.sockets[1].Join("a")
	var reasons []<-chan DisconnectReason
	for _, s := range cl.sockets {
		reasons = append(reasons, disconnects(s))
	}
	cl.srv.io.To("a").DisconnectSockets(false)
	for i := 0; i < 2; i++ {
		cl.clients[i].expect("41")
		expectReason(t, reasons[i], ReasonServerDisconnect)
		if cl.sockets[i].Connected() {
			t.Errorf("socket %d still connected", i)
		}
	}
	if !cl.sockets[2].Connected() {
		t.Fatal("socket 2 disconnected")
	}
	// The engine connections stay open: the clients can join again.
	cl.clients[0].connect("/", "")

	cl.srv.io.Of("/").DisconnectSockets(true)
	cl.clients[2].expect("41")
	cl.clients[2].expectClosed()
	cl.clients[0].expect("41")
	cl.clients[0].expectClosed()
	expectReason(t, reasons[2], ReasonServerDisconnect)
	eventually(t, func() bool { return cl.srv.io.Engine().Len() == 1 }, "engine connections closed")
}

func TestBroadcastEmitWithAck(t *testing.T) {
	t.Parallel()
	t.Run("all ack", func(t *testing.T) {
		t.Parallel()
		cl := newCluster(t, 3, nil, dialConfig{ackWith: `["ok"]`})
		acks, err := cl.srv.io.Of("/").EmitWithAckAll(ctxTimeout(t, waitTimeout), "q", 1)
		if err != nil || len(acks) != 3 {
			t.Fatalf("EmitWithAck = %d acks, %v", len(acks), err)
		}
		for _, a := range acks {
			if a.Len() != 1 || string(a.Raw(0)) != `"ok"` {
				t.Errorf("ack %v", a.raw)
			}
		}
		for _, c := range cl.clients {
			if got := c.nextText(); !strings.HasPrefix(got, `42`) || !strings.HasSuffix(got, `["q",1]`) {
				t.Errorf("frame %q", got)
			}
		}
	})
	t.Run("one silent", func(t *testing.T) {
		t.Parallel()
		cl := newCluster(t, 2, nil, dialConfig{ackWith: `["ok"]`})
		silent, silentSock := cl.srv.dialConnected(t, dialConfig{})
		start := time.Now()
		acks, err := cl.srv.io.Of("/").op().Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "q")
		if !errors.Is(err, ErrAckTimeout) || len(acks) != 2 {
			t.Fatalf("EmitWithAck = %d acks, %v; want 2 and ErrAckTimeout", len(acks), err)
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Fatalf("returned after %v, before the timeout", d)
		}
		silent.expect(`420["q"]`)
		// The abandoned ack must not stay registered on the socket.
		eventually(t, func() bool { return pendingAcks(silentSock) == 0 }, "the silent socket's ack is forgotten")
	})
	t.Run("rooms", func(t *testing.T) {
		t.Parallel()
		cl := newCluster(t, 3, nil, dialConfig{ackWith: `["ok"]`})
		cl.sockets[1].Join("r")
		acks, err := cl.sockets[0].Broadcast().EmitWithAck(ctxTimeout(t, waitTimeout), "q")
		if err != nil || len(acks) != 2 {
			t.Fatalf("Broadcast().EmitWithAck = %d acks, %v", len(acks), err)
		}
		acks, err = cl.srv.io.To("r").EmitWithAck(ctxTimeout(t, waitTimeout), "q")
		if err != nil || len(acks) != 1 {
			t.Fatalf("To(r).EmitWithAck = %d acks, %v", len(acks), err)
		}
	})
	t.Run("no targets", func(t *testing.T) {
		t.Parallel()
		cl := newCluster(t, 1, nil, dialConfig{})
		done := make(chan error, 1)
		go func() {
			// No deadline and no timeout: only "no targets" can end it.
			acks, err := cl.srv.io.To("empty").EmitWithAck(context.Background(), "q")
			if len(acks) != 0 {
				err = fmt.Errorf("%d acks", len(acks))
			}
			done <- err
		}()
		if err := recv(t, done, "EmitWithAck without targets"); err != nil {
			t.Fatal(err)
		}
	})
}

// EmitWithAckAll broadcasts to every socket of the namespace and waits for
// their acks.
func (n *Namespace) EmitWithAckAll(ctx context.Context, event string, args ...any) ([]Args, error) {
	return n.op().EmitWithAck(ctx, event, args...)
}

func TestBroadcastEmitWithAckParent(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
	parent := srv.io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/p-") })
	for _, nsp := range []string{"/p-1", "/p-2", "/p-3"} {
		c := srv.dial(t, dialConfig{ackWith: `["ok"]`})
		c.connect(nsp, "")
	}
	acks, err := parent.op().EmitWithAck(ctxTimeout(t, waitTimeout), "q")
	if err != nil || len(acks) != 3 {
		t.Fatalf("EmitWithAck = %d acks, %v", len(acks), err)
	}
}

func TestVolatileBroadcastSparesSlowClients(t *testing.T) {
	t.Parallel()
	eng := quietEngine()
	eng.MaxBufferedBytes = 32 << 10
	srv := newTestServer(t, &Options{Engine: eng}, nil)
	fast, fastSock := srv.dialConnected(t, dialConfig{})
	slow := srv.poll(t)
	slow.post("40")
	slowSID := connectReplySID(t, "/", slow.get()[0])
	slowSock := srv.io.Of("/").Socket(slowSID)
	dis := disconnects(slowSock)
	payload := strings.Repeat("v", 8<<10)
	// The slow client has no GET pending: every volatile packet is dropped
	// for it, far past MaxBufferedBytes, and it stays connected.
	for i := 0; i < 64; i++ {
		if err := srv.io.Of("/").Volatile().Emit("v", payload); err != nil {
			t.Fatal(err)
		}
		if err := slowSock.EmitVolatile("direct", payload); err != nil {
			t.Fatal(err)
		}
		fast.expect(`42["v","` + payload + `"]`)
	}
	if !slowSock.Connected() {
		t.Fatalf("slow socket disconnected: %v", <-dis)
	}
	if err := slowSock.Emit("after", 1); err != nil {
		t.Fatal(err)
	}
	if got := slow.get(); !slices.Equal(got, []string{`42["after",1]`}) {
		t.Fatalf("slow client got %q", got)
	}
	_ = fastSock
}

// A socket that left its own room is still a member of the namespace: a
// namespace-wide broadcast reaches it, as in the reference adapter (which
// iterates over the socket ids, not over their rooms).
func TestLeaveOwnRoom(t *testing.T) {
	t.Parallel()
	cl := newCluster(t, 2, nil, dialConfig{})
	s := cl.sockets[0]
	s.Leave(s.ID())
	if err := cl.srv.io.Emit("all"); err != nil {
		t.Fatal(err)
	}
	cl.expectReceived(t, `42["all"]`, 0, 1)
	all, _ := cl.srv.io.Of("/").FetchSockets(context.Background())
	if len(all) != 2 {
		t.Fatalf("FetchSockets = %d sockets, want 2", len(all))
	}
}

// blockingAdapter delays BroadcastWithAck of its namespace until the ack
// of its own client has arrived, as a cluster adapter that waits for a
// remote node may: the acks of the first namespaces then arrive before the
// last namespace has counted its clients.
type blockingAdapter struct {
	*MemoryAdapter
}

func (a *blockingAdapter) BroadcastWithAck(ctx context.Context, p *parser.Packet, opts *BroadcastOptions, clients func(int), ack func(Args)) {
	got := make(chan struct{}, 16)
	a.MemoryAdapter.BroadcastWithAck(ctx, p, opts, clients, func(x Args) {
		ack(x)
		got <- struct{}{}
	})
	select {
	case <-got:
	case <-ctx.Done():
	}
}

func TestBroadcastEmitWithAckWaitsForEveryNamespace(t *testing.T) {
	t.Parallel()
	opts := &Options{Engine: quietEngine(), NewAdapter: func(n *Namespace) Adapter {
		return &blockingAdapter{NewMemoryAdapter(n)}
	}}
	srv := newTestServer(t, opts, nil)
	parent := srv.io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/p-") })
	for _, nsp := range []string{"/p-1", "/p-2", "/p-3"} {
		c := srv.dial(t, dialConfig{ackWith: `["ok"]`})
		c.connect(nsp, "")
	}
	acks, err := parent.op().EmitWithAck(ctxTimeout(t, waitTimeout), "q")
	if err != nil || len(acks) != 3 {
		t.Fatalf("EmitWithAck = %d acks, %v; want 3", len(acks), err)
	}
}

func TestOnDeliverAndAdapterLen(t *testing.T) {
	t.Parallel()
	type call struct {
		nsp string
		n   int
	}
	calls := make(chan call, 8)
	srv := newTestServer(t, &Options{Engine: quietEngine(), OnDeliver: func(nsp string, n int) { calls <- call{nsp, n} }}, nil)
	for i := 0; i < 3; i++ {
		srv.dialConnected(t, dialConfig{})
	}
	_ = srv.io.Emit("a")
	if c := recv(t, calls, "OnDeliver"); c != (call{"/", 3}) {
		t.Fatalf("OnDeliver(%q, %d), want (/, 3)", c.nsp, c.n)
	}
	_ = srv.io.To("nobody").Emit("a")
	if c := recv(t, calls, "OnDeliver"); c != (call{"/", 0}) {
		t.Fatalf("OnDeliver(%q, %d), want (/, 0)", c.nsp, c.n)
	}
	ad := srv.io.Of("/").Adapter().(*MemoryAdapter)
	if n := ad.Len(); n != 3 {
		t.Fatalf("adapter Len() = %d, want 3 own rooms", n)
	}
}

// TestOwnRoomJoinedByAnother: a socket's own room is kept apart from the
// other rooms, yet a second socket may join a room named by the first
// one's id: both are in it, counted once as a room, and each leaves it
// on its own.
func TestOwnRoomJoinedByAnother(t *testing.T) {
	t.Parallel()
	cl := newCluster(t, 3, nil, dialConfig{})
	ad := cl.srv.io.Of("/").Adapter().(*MemoryAdapter)
	a, b := cl.sockets[0], cl.sockets[1]
	rooms0 := ad.Len()
	b.Join(a.ID())
	if n := ad.RoomSize(a.ID()); n != 2 {
		t.Fatalf("RoomSize(a's id) = %d, want 2", n)
	}
	if n := ad.Len(); n != rooms0 {
		t.Fatalf("Len() = %d after b joined a's room, want %d (the same rooms)", n, rooms0)
	}
	if err := cl.srv.io.To(a.ID()).Emit("m"); err != nil {
		t.Fatal(err)
	}
	cl.expectReceived(t, `42["m"]`, 0, 1)
	a.Leave(a.ID())
	if n := ad.RoomSize(a.ID()); n != 1 {
		t.Fatalf("RoomSize(a's id) = %d after a left it, want 1", n)
	}
	if err := cl.srv.io.To(a.ID()).Except(b.ID()).Emit("m2"); err != nil {
		t.Fatal(err)
	}
	if err := cl.srv.io.To(a.ID(), cl.sockets[2].ID()).Emit("m3"); err != nil {
		t.Fatal(err)
	}
	got := cl.received(t)
	if !slices.Equal(got[0], nil) || !slices.Equal(got[1], []string{`42["m3"]`}) || !slices.Equal(got[2], []string{`42["m3"]`}) {
		t.Fatalf("received %q; want nothing for a, m3 for b and c", got)
	}
}
