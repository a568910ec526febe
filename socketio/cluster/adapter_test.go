package cluster

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bus carries every published message, encoded and decoded as on a wire,
// to the other adapters, in order, on one goroutine (as a transport's
// receiving goroutine does).
type bus struct {
	mu       sync.Mutex
	adapters []*Adapter
	muted    map[string]bool // uids whose messages are dropped
	q        chan []byte
	done     chan struct{}
}

func newBus(t *testing.T) *bus {
	b := &bus{q: make(chan []byte, 1024), done: make(chan struct{}), muted: map[string]bool{}}
	go func() {
		defer close(b.done)
		for raw := range b.q {
			m, err := Decode(raw)
			if err != nil {
				t.Errorf("decode %q: %v", raw, err)
				continue
			}
			b.mu.Lock()
			list := append([]*Adapter(nil), b.adapters...)
			b.mu.Unlock()
			for _, a := range list {
				a.OnMessage(m)
			}
		}
	}()
	t.Cleanup(func() { close(b.q); <-b.done })
	return b
}

type busTransport struct{ b *bus }

func (t busTransport) Publish(m *Message) {
	t.b.mu.Lock()
	muted := t.b.muted[m.UID]
	t.b.mu.Unlock()
	if muted {
		return
	}
	raw, err := m.EncodeMsgpack()
	if err == nil && !m.HasBinary() {
		raw, err = m.EncodeJSON()
	}
	if err != nil {
		panic(err)
	}
	t.b.q <- raw
}

type busNode struct {
	io  *socketio.Server
	a   *Adapter
	url string
}

// start starts n servers on the bus; setup runs before each serves.
func (b *bus) start(t *testing.T, n int, opts *Options, setup func(io *socketio.Server)) []*busNode {
	t.Helper()
	var out []*busNode
	for range n {
		bn := &busNode{}
		bn.io = socketio.NewServer(&socketio.Options{NewAdapter: func(nsp *socketio.Namespace) socketio.Adapter {
			a := NewAdapter(nsp, NewUID(), busTransport{b}, opts)
			b.mu.Lock()
			b.adapters = append(b.adapters, a)
			b.mu.Unlock()
			return a
		}})
		bn.a = bn.io.Of("/").Adapter().(*Adapter)
		if setup != nil {
			setup(bn.io)
		}
		ts := httptest.NewServer(bn.io)
		bn.url = ts.URL
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = bn.io.Shutdown(ctx)
			ts.Close()
		})
		bn.a.Announce()
		out = append(out, bn)
	}
	for _, bn := range out {
		waitFor(t, func() bool { return bn.a.ServerCount() == n }, "every node counts %d", n)
	}
	return out
}

// waitFor polls cond until it holds, failing the test after siotest.WaitTimeout.
var waitFor = siotest.Eventually

// TestAdapterOverBus: broadcasts, fetchSockets and server-side events with
// acks between adapters on a bus; a node that closes is no longer waited
// for, and one that does not answer makes the answers short (ErrTimeout).
func TestAdapterOverBus(t *testing.T) {
	b := newBus(t)
	nodes := b.start(t, 3, &Options{RequestsTimeout: 500 * time.Millisecond}, func(io *socketio.Server) {
		io.Of("/").OnServerSideEmit("ask", func(e *socketio.ServerEvent) { _ = e.Ack("yes") })
		io.Use(func(s *socketio.Socket) error { s.Join("r"); return nil })
	})
	c1 := siotest.Dial(t, nodes[1].url, "", nil)
	c2 := siotest.Dial(t, nodes[2].url, "", nil)

	if err := nodes[0].io.To("r").Emit("hi", 1); err != nil {
		t.Fatal(err)
	}
	c1.ExpectEvent("hi", 1)
	c2.ExpectEvent("hi", 1)

	sockets, err := nodes[0].io.Of("/").FetchSockets(context.Background())
	if err != nil || len(sockets) != 2 {
		t.Fatalf("fetched %d sockets (%v), want 2", len(sockets), err)
	}

	answers, err := nodes[0].io.Of("/").ServerSideEmitWithAck(context.Background(), "ask")
	if err != nil || len(answers) != 2 {
		t.Fatalf("answers %s, %v", answers, err)
	}

	// Node 2 goes silent (its messages are lost): the answers are short.
	b.mu.Lock()
	b.muted[nodes[2].a.UID()] = true
	b.mu.Unlock()
	answers, err = nodes[0].io.Of("/").ServerSideEmitWithAck(context.Background(), "ask")
	if !errors.Is(err, socketio.ErrAckTimeout) || len(answers) != 1 {
		t.Fatalf("answers %s, %v; want 1 and ErrAckTimeout", answers, err)
	}

	// Node 1 closes: it says so, and is no longer counted.
	_ = nodes[1].io.Shutdown(context.Background())
	waitFor(t, func() bool { return nodes[0].a.ServerCount() == 2 }, "node 1 gone")
}

// TestNodeSilentExpires: a node heard once and never again is forgotten
// after HeartbeatTimeout, and a request waiting for it returns then.
func TestNodeSilentExpires(t *testing.T) {
	b := newBus(t)
	nodes := b.start(t, 1, &Options{HeartbeatTimeout: 300 * time.Millisecond, RequestsTimeout: 5 * time.Second}, nil)
	nodes[0].a.OnMessage(&Message{Type: Heartbeat, UID: "ghost", Nsp: "/"})
	nodes[0].a.OnMessage(&Message{Type: Heartbeat, UID: EmitterUID}) // not a node
	if n := nodes[0].a.ServerCount(); n != 2 {
		t.Fatalf("count %d, want 2", n)
	}
	start := time.Now()
	if _, err := nodes[0].io.Of("/").FetchSockets(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("fetchSockets waited %v", d)
	}
	if n := nodes[0].a.ServerCount(); n != 1 {
		t.Fatalf("count %d, want 1", n)
	}
}
