package redisadapter

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

func recoveryCluster(t *testing.T, n int, setup func(io *socketio.Server)) ([]*testNode, string) {
	t.Helper()
	rdb, key := newRedis(t)
	cfg := nodeConfig{recovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}, setup: setup}
	nodes := make([]*testNode, n)
	for i := range nodes {
		nodes[i] = startNode(t, key, cfg)
	}
	waitNodes(t, rdb, key, "/", int64(n))
	return nodes, key
}

// offsetOf returns the last argument of an event: its offset.
var offsetOf = siotest.Offset

func TestRecoveryOnAnotherNode(t *testing.T) {
	t.Parallel()
	recovered := make(chan *socketio.Socket, 1)
	setup := func(io *socketio.Server) {
		io.Use(func(s *socketio.Socket) error {
			if s.Recovered() {
				return nil
			}
			s.SetData(map[string]any{"user": "u1"})
			return nil
		})
		io.OnConnection(func(s *socketio.Socket) {
			if s.Recovered() {
				recovered <- s
			}
		})
	}
	nodes, key := recoveryCluster(t, 2, setup)
	rdb, _ := newRedis(t)
	a, b := nodes[0], nodes[1]

	c := siotest.Dial(t, a.ts.URL, "join=r", nil)
	if c.PID() == "" {
		t.Fatal("no pid: recovery is off")
	}
	if err := b.io.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("e1", 1))
	sid := c.SID()
	c.Close() // a transport close: recoverable
	eventually(t, func() bool {
		return rdb.Exists(context.Background(), key+"-session#/#"+c.PID()).Val() == 1
	}, "session stored")

	if err := b.io.To("r").Emit("e2", 2); err != nil { // missed, from the other node
		t.Fatal(err)
	}
	if err := a.io.Emit("e3", 3); err != nil { // missed, to all
		t.Fatal(err)
	}
	if err := a.io.To("elsewhere").Emit("e4", 4); err != nil { // not for it
		t.Fatal(err)
	}
	if err := a.io.Of("/").Except("r").Emit("e5", 5); err != nil { // not for it
		t.Fatal(err)
	}

	c2 := siotest.Dial(t, b.ts.URL, "", map[string]string{"pid": c.PID(), "offset": offset})
	if c2.SID() != sid {
		t.Fatalf("sid %q after recovery, want %q", c2.SID(), sid)
	}
	c2.ExpectEvent("e2", 2)
	last := offsetOf(t, c2.ExpectEvent("e3", 3))
	var s *socketio.Socket
	select {
	case s = <-recovered:
	case <-time.After(waitTimeout):
		t.Fatal("not recovered")
	}
	if !slices.Contains(s.Rooms(), "r") {
		t.Fatalf("rooms %v, want r", s.Rooms())
	}
	if d, _ := s.Data().(map[string]any); d["user"] != "u1" {
		t.Fatalf("data %#v", s.Data())
	}
	// Live again: each event once, in order, with offsets after the last.
	if err := a.io.To("r").Emit("live", 6); err != nil {
		t.Fatal(err)
	}
	if err := a.io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	if o := offsetOf(t, c2.ExpectEvent("live", 6)); !streamLess(last, o) {
		t.Fatalf("offset %s not after %s", o, last)
	}
	c2.ExpectEvent("marker", nil)
	// The session was used: it cannot be restored twice.
	c3 := siotest.Dial(t, b.ts.URL, "", map[string]string{"pid": c.PID(), "offset": offset})
	if c3.SID() == sid {
		t.Fatal("session restored twice")
	}
}

func TestRecoveryUnknownOffsetOrSession(t *testing.T) {
	t.Parallel()
	nodes, _ := recoveryCluster(t, 1, nil)
	c := siotest.Dial(t, nodes[0].ts.URL, "", map[string]string{"pid": "nope", "offset": "0-1"})
	if c.SID() == "" {
		t.Fatal("no sid")
	}
	c2 := siotest.Dial(t, nodes[0].ts.URL, "", map[string]string{"pid": c.PID(), "offset": "not-an-id"})
	if c2.SID() == c.SID() {
		t.Fatal("recovered with a bad offset")
	}
}

// TestRecoveryNoLossNoDuplicate recovers while another node broadcasts:
// every event arrives once, in the order of its offsets.
func TestRecoveryNoLossNoDuplicate(t *testing.T) {
	t.Parallel()
	nodes, key := recoveryCluster(t, 2, nil)
	rdb, _ := newRedis(t)
	a, b := nodes[0], nodes[1]
	c := siotest.Dial(t, a.ts.URL, "", nil)
	if err := a.io.Emit("n", 0); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("n", 0))
	c.Close()
	eventually(t, func() bool {
		return rdb.Exists(context.Background(), key+"-session#/#"+c.PID()).Val() == 1
	}, "session stored")

	const total = 300
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= total; i++ {
			_ = a.io.Emit("n", i)
		}
	}()
	c2 := siotest.Dial(t, b.ts.URL, "", map[string]string{"pid": c.PID(), "offset": offset})
	if c2.SID() != c.SID() {
		t.Fatal("not recovered")
	}
	<-done
	prev := offset
	for i := 1; i <= total; i++ {
		args := c2.ExpectEvent("n", i)
		o := offsetOf(t, args)
		if !streamLess(prev, o) {
			t.Fatalf("offset %s after %s", o, prev)
		}
		prev = o
	}
	if err := a.io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	c2.ExpectEvent("marker", nil)
}

func TestShutdownLeavesSessionsInRedis(t *testing.T) {
	t.Parallel()
	nodes, key := recoveryCluster(t, 1, nil)
	rdb, _ := newRedis(t)
	c := siotest.Dial(t, nodes[0].ts.URL, "join=r", nil)
	nodes[0].stop()
	b, err := rdb.Get(context.Background(), key+"-session#/#"+c.PID()).Bytes()
	if err != nil {
		t.Fatalf("session after shutdown: %v", err)
	}
	var st storedSession
	if err := json.Unmarshal(b, &st); err != nil || st.SID != c.SID() || !slices.Contains(st.Rooms, "r") {
		t.Fatalf("session %s (%v)", b, err)
	}
	if ttl := rdb.PTTL(context.Background(), key+"-session#/#"+c.PID()).Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("ttl %v", ttl)
	}
}

// streamLess reports whether stream id a is before b.
func streamLess(a, b string) bool {
	parse := func(s string) (uint64, uint64) {
		ms, seq, _ := strings.Cut(s, "-")
		x, _ := strconv.ParseUint(ms, 10, 64)
		y, _ := strconv.ParseUint(seq, 10, 64)
		return x, y
	}
	am, as := parse(a)
	bm, bs := parse(b)
	return am < bm || (am == bm && as < bs)
}

// TestSlowClientClosedDuringBroadcast: a broadcast that closes a slow
// client runs its disconnect handlers, which broadcast in turn; nothing
// deadlocks.
func TestSlowClientClosedDuringBroadcast(t *testing.T) {
	t.Parallel()
	rdb, key := newRedis(t)
	rec := &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}
	a := startNode(t, key, nodeConfig{recovery: rec, engine: &engineio.Options{MaxBufferedBytes: 300}, setup: func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(socketio.DisconnectReason) { _ = io.To("watchers").Emit("left", s.ID()) })
		})
	}})
	b := startNode(t, key, nodeConfig{recovery: rec})
	waitNodes(t, rdb, key, "/", 2)
	slow := siotest.Dial(t, a.ts.URL, "join=r", nil)
	watcher := siotest.Dial(t, b.ts.URL, "join=watchers", nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.io.To("r").Emit("big", strings.Repeat("x", 1000)) // over the slow client's queue limit
	}()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("broadcast deadlocked")
	}
	watcher.ExpectEvent("left", slow.SID())
}

// TestDeliveryInStreamOrder: two nodes broadcast back to back at the same
// time; the clients of all three nodes get every broadcast once, in the
// stream's order (increasing offsets), the publishing nodes' own clients
// too, so that a client's last offset says exactly what it has.
func TestDeliveryInStreamOrder(t *testing.T) {
	t.Parallel()
	nodes, _ := recoveryCluster(t, 3, nil)
	clients := make([]*siotest.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = siotest.Dial(t, n.ts.URL, "", nil)
	}
	const each = 200
	var wg sync.WaitGroup
	for _, n := range nodes[:2] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := n.io.Emit("n", i); err != nil {
					t.Errorf("Emit: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, c := range clients {
		prev := "0-0"
		for range 2 * each {
			args, _ := c.Event()
			if string(args[0]) != `"n"` {
				t.Fatalf("client on node %d: event %s", i, args[0])
			}
			o := offsetOf(t, args)
			if !streamLess(prev, o) {
				t.Fatalf("client on node %d: offset %s after %s", i, o, prev)
			}
			prev = o
		}
	}
}

// TestOwnBroadcastEcho: a node's logged broadcast is delivered to its own
// clients once, whatever becomes of its message coming back from Redis:
// back in time (the usual case, by Emit), back before the broadcast was
// registered, not back in time (delivered late, and a late echo then
// delivers nothing), or never back.
func TestOwnBroadcastEcho(t *testing.T) {
	t.Parallel()
	nodes, _ := recoveryCluster(t, 1, nil)
	n := nodes[0]
	c := siotest.Dial(t, n.ts.URL, "join=r", nil)
	ad := n.io.Of("/").Adapter().(*Adapter)
	ad.echoes.SetWait(20 * time.Millisecond)
	opts := &socketio.BroadcastOptions{Rooms: []string{"r"}}
	packet := func(name string) *parser.Packet {
		return &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["` + name + `"]`)}
	}

	// Not back in time: delivered late, with its offset; the late echo
	// delivers nothing.
	ad.awaitOwn("1-1", packet("late"), opts)
	if args := c.ExpectEvent("late", nil); offsetOf(t, args) != "1-1" {
		t.Fatalf("late delivery %s", args)
	}
	if _, deliver := ad.claimOwn("1-1"); deliver {
		t.Fatal("the late echo would deliver the broadcast again")
	}
	// Back before it was registered: the echo delivers it (claimOwn says
	// so), and awaitOwn then leaves it.
	if _, deliver := ad.claimOwn("2-1"); !deliver {
		t.Fatal("an early echo would not deliver the broadcast")
	}
	ad.awaitOwn("2-1", packet("early"), opts)
	// Never back: delivered late, once.
	ad.awaitOwn("3-1", packet("lost"), opts)
	c.ExpectEvent("lost", nil)
	// The usual case, and nothing else came: the next event is Emit's.
	if err := n.io.To("r").Emit("marker"); err != nil {
		t.Fatal(err)
	}
	c.ExpectEvent("marker", nil)
	if waiting, early := ad.echoes.Pending(); waiting != 0 || early != 0 {
		t.Errorf("%d broadcasts still wait for their echo, %d early echoes remembered", waiting, early)
	}
}
