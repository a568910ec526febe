package socketio

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/engineio"
)

// benchServer is a server with n sockets on "/" over in-process polling
// sessions. The clients never poll by themselves: drain answers one GET
// for each, emptying the queues outside the timed part.
type benchServer struct {
	p       *inproc
	sids    []string
	sockets []*Socket
}

func newBenchServer(b *testing.B, n int) *benchServer {
	b.Helper()
	eng := &engineio.Options{
		PingInterval:     time.Hour,
		PingTimeout:      time.Hour,
		MaxBufferedBytes: 64 << 20,
	}
	io := NewServer(&Options{Engine: eng})
	bs := &benchServer{p: &inproc{tb: b, io: io}}
	for i := 0; i < n; i++ {
		sid, s := bs.p.connect()
		bs.sids = append(bs.sids, sid)
		bs.sockets = append(bs.sockets, s)
	}
	b.Cleanup(func() {
		// Queue something for everyone, so that the drain has an answer,
		// then empty the queues: Shutdown then closes without waiting.
		_ = io.Emit("end")
		bs.drain(b)
		bs.p.shutdown()
	})
	return bs
}

// drain empties every queue. Call it only when every socket has something
// queued.
func (bs *benchServer) drain(b *testing.B) {
	for _, sid := range bs.sids {
		if code, _ := bs.p.get(sid); code != http.StatusOK {
			b.Fatalf("drain GET: %d", code)
		}
	}
}

// BenchmarkBroadcast10k measures one broadcast to 10,000 sockets: encoding
// once, selecting the sockets and queueing the same bytes on each
// connection.
func BenchmarkBroadcast10k(b *testing.B) {
	bs := newBenchServer(b, 10_000)
	nsp := bs.p.io.Of("/")
	const drainEvery = 64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := nsp.Emit("tick", i, "some text", map[string]any{"k": true}); err != nil {
			b.Fatal(err)
		}
		if i%drainEvery == drainEvery-1 {
			b.StopTimer()
			bs.drain(b)
			b.StartTimer()
		}
	}
	b.StopTimer()
	if nsp.Len() != 10_000 {
		b.Fatalf("%d sockets left", nsp.Len())
	}
}

// BenchmarkBroadcastRoom measures a broadcast to a room of 100 among
// 10,000 sockets.
func BenchmarkBroadcastRoom(b *testing.B) {
	bs := newBenchServer(b, 10_000)
	for _, s := range bs.sockets[:100] {
		s.Join("room")
	}
	op := bs.p.io.To("room")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := op.Emit("tick", i); err != nil {
			b.Fatal(err)
		}
		if i%1024 == 1023 {
			b.StopTimer()
			for _, sid := range bs.sids[:100] {
				bs.p.get(sid)
			}
			b.StartTimer()
		}
	}
}

// BenchmarkEncodeEvent measures building an EVENT packet and its messages.
func BenchmarkEncodeEvent(b *testing.B) {
	args := []any{42, "hello world", true, map[string]any{"user": "alice", "n": 3}, []any{1, 2, 3}}
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p, err := eventPacket("/", "message", args)
			if err != nil {
				b.Fatal(err)
			}
			_ = packetMessages(p)
		}
	})
	b.Run("binary", func(b *testing.B) {
		bin := []any{"file", []byte("0123456789abcdef"), map[string]any{"thumb": []byte{1, 2, 3}}}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p, err := eventPacket("/", "upload", bin)
			if err != nil {
				b.Fatal(err)
			}
			_ = packetMessages(p)
		}
	})
	b.Run("struct", func(b *testing.B) {
		v := []any{point{X: 1, Y: 2, Tags: []string{"a", "b"}}}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p, err := eventPacket("/chat", "move", v)
			if err != nil {
				b.Fatal(err)
			}
			_ = packetMessages(p)
		}
	})
}

// BenchmarkEmit measures Socket.Emit to one client: encoding and queueing.
func BenchmarkEmit(b *testing.B) {
	for _, recovery := range []bool{false, true} {
		name := "plain"
		if recovery {
			name = "recovery"
		}
		b.Run(name, func(b *testing.B) {
			opts := &Options{Engine: &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour, MaxBufferedBytes: 64 << 20}}
			if recovery {
				opts.Recovery = &RecoveryOptions{}
			}
			p := &inproc{tb: b, io: NewServer(opts)}
			sid, s := p.connect()
			b.Cleanup(func() {
				_ = s.Emit("end")
				p.get(sid)
				p.shutdown()
			})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Emit("message", i, "hello"); err != nil {
					b.Fatal(err)
				}
				if i%4096 == 4095 {
					b.StopTimer()
					p.get(sid)
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkBroadcastLogged measures a logged broadcast (recovery on) to a
// room of one socket while the log is full: every broadcast appends one
// packet and prunes the oldest (the log holds the last millisecond), the
// steady state of a busy namespace.
func BenchmarkBroadcastLogged(b *testing.B) {
	opts := &Options{
		Engine:   &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour, MaxBufferedBytes: 64 << 20},
		Recovery: &RecoveryOptions{MaxDisconnectionDuration: time.Millisecond},
	}
	p := &inproc{tb: b, io: NewServer(opts)}
	sid, s := p.connect()
	s.Join("room")
	op := p.io.To("room")
	b.Cleanup(func() {
		_ = s.Emit("end")
		p.get(sid)
		p.shutdown()
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := op.Emit("tick", i, "some text"); err != nil {
			b.Fatal(err)
		}
		if i%4096 == 4095 {
			b.StopTimer()
			p.get(sid)
			b.StartTimer()
		}
	}
}

// BenchmarkEventRoundTrip measures an event from the client through the
// handler and its ack (in-process polling, one POST and one GET).
func BenchmarkEventRoundTrip(b *testing.B) {
	io := NewServer(&Options{Engine: &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}})
	io.OnConnection(func(s *Socket) {
		s.On("echo", func(e *Event) { _ = e.Ack(e.Values()...) })
	})
	p := &inproc{tb: b, io: io}
	sid, _ := p.connect()
	b.Cleanup(p.shutdown)
	msg := []byte(`421["echo",1,"two",{"three":[3]}]`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code := p.post(sid, msg); code != http.StatusOK {
			b.Fatalf("POST: %d", code)
		}
		if code, body := p.get(sid); code != http.StatusOK || body != `431[1,"two",{"three":[3]}]` {
			b.Fatalf("GET: %d %q", code, body)
		}
	}
}

// BenchmarkBroadcastWebSocket measures a broadcast to a room of 1,000
// sockets on real loopback WebSockets, whose clients read and discard: the
// packet is encoded once, queued on every connection and written by the
// connections' writers (several queued packets go out in one write). The
// clients read raw bytes, so the allocations are the server's: per
// broadcast, not per delivery. ns/delivery is the cost of one delivery on
// this machine, the clients' reads included.
func BenchmarkBroadcastWebSocket(b *testing.B) { benchBroadcastWebSocket(b, nil) }

// BenchmarkBroadcastWebSocketTimed is BenchmarkBroadcastWebSocket with
// every broadcast timed (Options.DeliveryLatency, DeliverySample 1: the
// worst case; the default times one in 8), into an atomic sum as a
// histogram's Observe would.
func BenchmarkBroadcastWebSocketTimed(b *testing.B) {
	var sum atomic.Int64
	benchBroadcastWebSocket(b, func(o *Options) {
		o.DeliveryLatency = func(d time.Duration) { sum.Add(int64(d)) }
		o.DeliverySample = 1
	})
}

func benchBroadcastWebSocket(b *testing.B, configure func(*Options)) {
	const n = 1000
	eng := &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour, MaxBufferedBytes: 256 << 20}
	opts := &Options{Engine: eng}
	if configure != nil {
		configure(opts)
	}
	ts := newTestServer(b, opts, func(io *Server) {
		io.OnConnection(func(s *Socket) { s.Join("room") })
	})
	var wg sync.WaitGroup
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial(ts.wsURL(""), nil)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = c
		if _, _, err := c.ReadMessage(); err != nil { // open
			b.Fatal(err)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil { // CONNECT answer
			b.Fatal(err)
		}
		wg.Add(1)
		go func() { // raw reads: the client's costs stay out of the allocations
			defer wg.Done()
			_, _ = io.Copy(io.Discard, c.NetConn())
		}()
	}
	eventually(b, func() bool { return ts.io.Of("/").Adapter().(*MemoryAdapter).RoomSize("room") == n }, "sockets in the room")
	op := ts.io.To("room")
	payload := json.RawMessage(`{"p":3,"t":123456789012,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := op.Emit("bench:msg", payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
	b.StopTimer()
	ts.close()
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
}

// BenchmarkEchoWebSocket measures an event with an ack through a real
// loopback WebSocket, as bench/load's echo scenario does: the client
// sends `421["echo",{…}]` and waits for `431[{…}]`. Allocations include
// the gorilla client's reads (one or two per round trip).
func BenchmarkEchoWebSocket(b *testing.B) {
	eng := &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}
	ts := newTestServer(b, &Options{Engine: eng}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			s.On("echo", func(e *Event) { _ = e.Ack(e.Raw(0)) })
		})
	})
	c, _, err := websocket.DefaultDialer.Dial(ts.wsURL(""), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for _, step := range []string{"", "40", ""} { // open, CONNECT, its answer
		if step != "" {
			if err := c.WriteMessage(websocket.TextMessage, []byte(step)); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
	msg := []byte(`421["echo",{"p":1,"t":123456789012,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]`)
	want := len(`431[{"p":1,"t":123456789012,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]`)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		_, got, err := c.ReadMessage()
		if err != nil || len(got) != want {
			b.Fatalf("ack %q %v", got, err)
		}
	}
}
