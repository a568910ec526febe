package emitter_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/emitter"
)

func TestEmitReachesGoNodes(t *testing.T) {
	rdb, key := newRedis(t)
	a, b := startGoNode(t, rdb, key), startGoNode(t, rdb, key)
	waitSubscribed(t, rdb, key+"-request#/#", 2)
	a1 := dial(t, a.url, "join=r")
	b1 := dial(t, b.url, "join=r,x")
	b2 := dial(t, b.url, "join=y")
	e := emitter.New(rdb, &emitter.Options{Key: key})
	ctx := context.Background()

	if err := e.To("r").Except("x").Emit(ctx, "news", 1, []byte{1, 2}, map[string]any{"k": "v", "f": 1.5}); err != nil {
		t.Fatal(err)
	}
	if got, want := a1.Next(), `451-["news",1,{"_placeholder":true,"num":0},{"f":1.5,"k":"v"}]`; got != want {
		t.Fatalf("a1 got %q, want %q", got, want)
	}
	if got := a1.Next(); got != "<bin>\x01\x02" {
		t.Fatalf("a1 attachment %q", got)
	}
	if err := e.Volatile().To("y").Emit(ctx, "vol", "v"); err != nil {
		t.Fatal(err)
	}
	b2.ExpectEvent("vol", "v")
	if err := e.Emit(ctx, "all", 2); err != nil {
		t.Fatal(err)
	}
	for _, c := range []interface {
		ExpectEvent(string, any) []json.RawMessage
	}{a1, b1, b2} {
		c.ExpectEvent("all", 2) // b1 (in x) got no "news" before it, b2 (not in r) neither
	}
}

func TestRequestsReachGoNodes(t *testing.T) {
	rdb, key := newRedis(t)
	a, b := startGoNode(t, rdb, key), startGoNode(t, rdb, key)
	waitSubscribed(t, rdb, key+"-request#/#", 2)
	a1 := dial(t, a.url, "join=r")
	b1 := dial(t, b.url, "join=r,x")
	b2 := dial(t, b.url, "join=y")
	e := emitter.New(rdb, &emitter.Options{Key: key})
	ctx := context.Background()

	// Requests and broadcasts of one publisher are handled in order.
	if err := e.In("r").SocketsJoin(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	if err := e.To("joined").Emit(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	a1.ExpectEvent("j", nil)
	b1.ExpectEvent("j", nil)

	if err := e.In("joined").Except("x").SocketsLeave(ctx, "r", "joined"); err != nil {
		t.Fatal(err)
	}
	if err := e.To("r", "joined").Emit(ctx, "still"); err != nil {
		t.Fatal(err)
	}
	b1.ExpectEvent("still", nil)
	if err := e.Emit(ctx, "marker"); err != nil {
		t.Fatal(err)
	}
	a1.ExpectEvent("marker", nil) // not "still": it left both rooms

	if err := e.In("y").DisconnectSockets(ctx, false); err != nil {
		t.Fatal(err)
	}
	b2.ExpectEvent("marker", nil)
	if got := b2.Next(); got != "41" {
		t.Fatalf("b2 got %q, want the DISCONNECT packet", got)
	}
	if err := e.In("r").DisconnectSockets(ctx, true); err != nil {
		t.Fatal(err)
	}
	b1.ExpectEvent("marker", nil)
	b1.ExpectClosed()
}

// TestServerSideEmitReachesGoNodes: a server-side event of the emitter
// reaches every Go node of a classic cluster, both its adapter's
// OnServerSideEmit option and its namespace's OnServerSideEmit listener.
func TestServerSideEmitReachesGoNodes(t *testing.T) {
	rdb, key := newRedis(t)
	a, b := startGoNode(t, rdb, key), startGoNode(t, rdb, key)
	waitSubscribed(t, rdb, key+"-request#/#", 2)
	e := emitter.New(rdb, &emitter.Options{Key: key})
	if err := e.ServerSideEmit(context.Background(), "hello", map[string]any{"n": 1}, "x"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*goNode{a, b} {
		for _, ch := range []chan *socketio.ServerEvent{n.sse, n.nsp} { // the option and the namespace's listener
			ev := recvEvent(t, ch)
			var arg map[string]int
			if ev.Name != "hello" || ev.Namespace != "/" || ev.HasAck() || ev.Args.Len() != 2 || ev.Args.Decode(0, &arg) != nil || arg["n"] != 1 {
				t.Fatalf("server-side event %+v", ev)
			}
		}
	}
}

// recvEvent returns the next server-side event of ch, failing the test
// when none comes in time.
func recvEvent(t *testing.T, ch <-chan *socketio.ServerEvent) *socketio.ServerEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(waitTimeout):
		t.Fatal("no server-side event")
		return nil
	}
}

func TestReservedEventNames(t *testing.T) {
	e := emitter.New(&recorder{}, nil)
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := e.Emit(context.Background(), name); !errors.Is(err, emitter.ErrReservedEvent) {
			t.Errorf("Emit(%q) = %v, want ErrReservedEvent", name, err)
		}
	}
	if err := e.Emit(context.Background(), "ok", func() {}); err == nil {
		t.Error("a function argument was accepted")
	}
}

// TestWireFormat checks each message's channel and payload: JSON as is,
// MessagePack as the JSON of its decoding (members sorted, binary as
// base64). test/cluster compares the bytes with the Node emitter's.
func TestWireFormat(t *testing.T) {
	const socketID = "abcdefghij0123456789" // 20 characters: a socket id to the sharded adapter
	sharded := func(mode emitter.SubscriptionMode) *emitter.Options {
		return &emitter.Options{Sharded: true, SubscriptionMode: mode, Key: "k"}
	}
	ctx := context.Background()
	tests := []struct {
		name    string
		opts    *emitter.Options
		do      func(e *emitter.Emitter) error
		channel string
		msgpack bool
		want    string
	}{
		{"classic broadcast", nil, func(e *emitter.Emitter) error { return e.Emit(ctx, "ev", 1, "s") },
			"socket.io#/#", true, `["emitter",{"data":["ev",1,"s"],"nsp":"/","type":2},{"except":[],"flags":{},"rooms":[]}]`},
		{"classic one room, volatile, except", &emitter.Options{Key: "k"}, func(e *emitter.Emitter) error {
			return e.Of("chat").To("r").Except("x", "x").Volatile().Emit(ctx, "ev", []byte{1})
		}, "k#/chat#r#", true, `["emitter",{"data":["ev","AQ=="],"nsp":"/chat","type":2},{"except":["x"],"flags":{"volatile":true},"rooms":["r"]}]`},
		{"classic two rooms", nil, func(e *emitter.Emitter) error { return e.To("a").In("b").Emit(ctx, "ev") },
			"socket.io#/#", true, `["emitter",{"data":["ev"],"nsp":"/","type":2},{"except":[],"flags":{},"rooms":["a","b"]}]`},
		{"classic join", nil, func(e *emitter.Emitter) error { return e.In("r").SocketsJoin(ctx, "a", "b") },
			"socket.io-request#/#", false, `{"type":2,"opts":{"rooms":["r"],"except":[]},"rooms":["a","b"]}`},
		{"classic leave", nil, func(e *emitter.Emitter) error { return e.Except("x").SocketsLeave(ctx, "a") },
			"socket.io-request#/#", false, `{"type":3,"opts":{"rooms":[],"except":["x"]},"rooms":["a"]}`},
		{"classic disconnect", nil, func(e *emitter.Emitter) error { return e.DisconnectSockets(ctx, true) },
			"socket.io-request#/#", false, `{"type":4,"opts":{"rooms":[],"except":[]},"close":true}`},
		{"classic server-side", nil, func(e *emitter.Emitter) error { return e.ServerSideEmit(ctx, "hi", map[string]int{"a": 1}) },
			"socket.io-request#/#", false, `{"uid":"emitter","type":6,"data":["hi",{"a":1}]}`},
		{"sharded broadcast", sharded(""), func(e *emitter.Emitter) error { return e.Emit(ctx, "ev", 1.5) },
			"k#/#", false, `{"uid":"emitter","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["ev",1.5],"nsp":"/"},"opts":{"rooms":[],"except":[],"flags":{}}}}`},
		{"sharded binary", sharded(""), func(e *emitter.Emitter) error { return e.To("r").Emit(ctx, "ev", []any{[]byte{1}}) },
			"k#/#r#", true, `{"data":{"opts":{"except":[],"flags":{},"rooms":["r"]},"packet":{"data":["ev",["AQ=="]],"nsp":"/","type":2}},"nsp":"/","type":3,"uid":"emitter"}`},
		{"sharded dynamic, socket id", sharded(emitter.Dynamic), func(e *emitter.Emitter) error { return e.To(socketID).Emit(ctx, "ev") },
			"k#/#", false, `{"uid":"emitter","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["ev"],"nsp":"/"},"opts":{"rooms":["` + socketID + `"],"except":[],"flags":{}}}}`},
		{"sharded dynamic-private, socket id", sharded(emitter.DynamicPrivate), func(e *emitter.Emitter) error { return e.To(socketID).Emit(ctx, "ev") },
			"k#/#" + socketID + "#", false, `{"uid":"emitter","nsp":"/","type":3,"data":{"packet":{"type":2,"data":["ev"],"nsp":"/"},"opts":{"rooms":["` + socketID + `"],"except":[],"flags":{}}}}`},
		{"sharded static", sharded(emitter.Static), func(e *emitter.Emitter) error { return e.Of("/n").To("r").Emit(ctx, "ev") },
			"k#/n#", false, `{"uid":"emitter","nsp":"/n","type":3,"data":{"packet":{"type":2,"data":["ev"],"nsp":"/n"},"opts":{"rooms":["r"],"except":[],"flags":{}}}}`},
		{"sharded join", sharded(""), func(e *emitter.Emitter) error { return e.In("r").SocketsJoin(ctx, "a") },
			"k#/#", false, `{"uid":"emitter","nsp":"/","type":4,"data":{"opts":{"rooms":["r"],"except":[],"flags":{}},"rooms":["a"]}}`},
		{"sharded leave", sharded(""), func(e *emitter.Emitter) error { return e.SocketsLeave(ctx, "a") },
			"k#/#", false, `{"uid":"emitter","nsp":"/","type":5,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["a"]}}`},
		{"sharded disconnect", sharded(""), func(e *emitter.Emitter) error { return e.To("r").DisconnectSockets(ctx, false) },
			"k#/#", false, `{"uid":"emitter","nsp":"/","type":6,"data":{"opts":{"rooms":["r"],"except":[],"flags":{}},"close":false}}`},
		{"sharded server-side", sharded(""), func(e *emitter.Emitter) error { return e.ServerSideEmit(ctx, "hi", 1) },
			"k#/#", false, `{"uid":"emitter","nsp":"/","type":9,"data":{"packet":["hi",1]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			if err := tt.do(emitter.New(rec, tt.opts)); err != nil {
				t.Fatal(err)
			}
			p := rec.last(t)
			if p.sharded != (tt.opts != nil && tt.opts.Sharded) || p.channel != tt.channel {
				t.Fatalf("published on %q (sharded %v), want %q", p.channel, p.sharded, tt.channel)
			}
			got := string(p.payload)
			if tt.msgpack {
				if p.payload[0] == '{' {
					t.Fatalf("JSON %s, want MessagePack", p.payload)
				}
				var v any
				if err := msgpack.Unmarshal(p.payload, &v); err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(v)
				got = string(b)
			}
			if got != tt.want {
				t.Fatalf("payload\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestShardedReachesGoNodes runs the emitter in sharded mode into Go
// nodes on redisadapter.ShardedNode (sharded pub/sub works on one Redis 7
// as on a Redis Cluster; test/cluster runs it on a cluster).
func TestShardedReachesGoNodes(t *testing.T) {
	rdb, key := newRedis(t)
	a, b := startShardedGoNode(t, rdb, key), startShardedGoNode(t, rdb, key)
	waitShardSubscribed(t, rdb, key+"#/#", 2)
	a1 := dial(t, a.url, "join=r")
	b1 := dial(t, b.url, "join=r,x")
	b2 := dial(t, b.url, "join=y")
	waitShardSubscribed(t, rdb, key+"#/#r#", 2)
	e := emitter.New(rdb, &emitter.Options{Key: key, Sharded: true})
	ctx := context.Background()

	if err := e.To("r").Except("x").Emit(ctx, "news", []byte{1, 2}, map[string]any{"k": "v"}); err != nil { // r's channel, MessagePack
		t.Fatal(err)
	}
	if got, want := a1.Next(), `451-["news",{"_placeholder":true,"num":0},{"k":"v"}]`; got != want {
		t.Fatalf("a1 got %q, want %q", got, want)
	}
	if got := a1.Next(); got != "<bin>\x01\x02" {
		t.Fatalf("a1 attachment %q", got)
	}
	if err := e.In("y").SocketsJoin(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	if err := e.To("joined", "x").Emit(ctx, "j", 1); err != nil { // the namespace's channel, JSON
		t.Fatal(err)
	}
	b1.ExpectEvent("j", 1) // not "news" first: it is in x
	b2.ExpectEvent("j", 1)
	if err := e.In("joined").SocketsLeave(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	if err := e.To("joined").Emit(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := e.Emit(ctx, "all"); err != nil {
		t.Fatal(err)
	}
	b2.ExpectEvent("all", nil) // not "gone": it left
	if err := e.In("x").DisconnectSockets(ctx, false); err != nil {
		t.Fatal(err)
	}
	b1.ExpectEvent("all", nil)
	if got := b1.Next(); got != "41" {
		t.Fatalf("b1 got %q, want the DISCONNECT packet", got)
	}
	if err := e.ServerSideEmit(ctx, "hello", "x"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*goNode{a, b} {
		for _, ch := range []chan *socketio.ServerEvent{n.sse, n.nsp} { // the option and the namespace's listener
			if ev := recvEvent(t, ch); ev.Name != "hello" || ev.Namespace != "/" || ev.HasAck() || string(ev.Args.Raw(0)) != `"x"` {
				t.Fatalf("server-side event %s %v", ev.Name, ev.Args)
			}
		}
	}
}
