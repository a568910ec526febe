package engineio

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
)

func TestReceiverOrderWebSocket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	ws, hd := h.openWS()
	const n = 300
	for i := range n {
		if i%2 == 0 {
			ws.writeText(fmt.Sprintf("4m%d", i))
		} else if err := ws.conn.WriteMessage(websocket.BinaryMessage, fmt.Appendf(nil, "m%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	r := h.rec(hd.SID)
	eventually(t, func() bool { return len(r.messages()) == n }, "%d messages", n)
	for i, m := range r.messages() {
		if want := fmt.Sprintf("m%d", i); string(m.Data) != want || m.Binary != (i%2 == 1) {
			t.Fatalf("message %d = %q binary=%v, want %q binary=%v", i, m.Data, m.Binary, want, i%2 == 1)
		}
	}
}

func TestReceiverOrderPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	var want []string
	for batch := range 5 {
		var pkts []string
		for i := range 20 {
			s := fmt.Sprintf("b%d-%d", batch, i)
			want = append(want, s)
			pkts = append(pkts, "4"+s)
		}
		h.mustPost(sid, strings.Join(pkts, "\x1e"))
	}
	got := h.rec(sid).messages()
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i].Data) != want[i] {
			t.Fatalf("message %d = %q, want %q", i, got[i].Data, want[i])
		}
	}
}

// serialReceiver fails the test when its methods run concurrently or
// OnClose comes more than once or before an OnMessage ends.
type serialReceiver struct {
	t        *testing.T
	conn     *Conn
	closeIn  bool // Close from inside OnMessage
	busy     atomic.Int32
	messages atomic.Int32
	closes   atomic.Int32
	closed   chan CloseReason
}

func (r *serialReceiver) OnMessage(data []byte, binary bool) {
	if r.busy.Add(1) != 1 {
		r.t.Error("OnMessage runs concurrently with another callback")
	}
	if r.closes.Load() != 0 {
		r.t.Error("OnMessage after OnClose")
	}
	r.messages.Add(1)
	if r.closeIn {
		r.conn.Close(ReasonParseError)
		// Sending after Close fails, and does not deadlock either.
		if err := r.conn.Send(Message{Data: []byte("after close")}); err == nil {
			r.t.Error("Send after Close succeeded")
		}
	}
	r.busy.Add(-1)
}

func (r *serialReceiver) OnClose(reason CloseReason) {
	if r.busy.Add(1) != 1 {
		r.t.Error("OnClose runs while OnMessage has not returned")
	}
	if r.closes.Add(1) == 1 {
		r.closed <- reason
	}
	r.busy.Add(-1)
}

func newSerialHarness(t *testing.T, closeIn bool) (*harness, *sync.Map) {
	recs := new(sync.Map)
	h := &harness{t: t, recs: map[string]*recorder{}}
	h.srv = NewServer(HandlerFunc(func(c *Conn) Receiver {
		r := &serialReceiver{t: t, conn: c, closeIn: closeIn, closed: make(chan CloseReason, 1)}
		recs.Store(c.ID(), r)
		return r
	}), nil)
	h.ts = httptest.NewServer(h.srv)
	t.Cleanup(h.close)
	return h, recs
}

func TestReceiverCloseFromOnMessage(t *testing.T) {
	t.Parallel()
	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		h, recs := newSerialHarness(t, true)
		ws := h.mustDial("EIO=4&transport=websocket")
		sid := parseOpen(t, ws.readText()).SID
		ws.writeText("4close me")
		v, _ := recs.Load(sid)
		r := v.(*serialReceiver)
		if got := recv(t, r.closed, "OnClose"); got != ReasonParseError {
			t.Fatalf("OnClose(%q), want %q", got, ReasonParseError)
		}
		if err := ws.expectClosed(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("websocket ended with %v, want a close frame", err)
		}
		if n := r.messages.Load(); n != 1 {
			t.Fatalf("%d messages, want 1", n)
		}
	})
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		h, recs := newSerialHarness(t, true)
		sid := h.openPolling().SID
		// The rest of the payload is not delivered after the close.
		h.mustPost(sid, "4close me\x1e4dropped")
		v, _ := recs.Load(sid)
		r := v.(*serialReceiver)
		if got := recv(t, r.closed, "OnClose"); got != ReasonParseError {
			t.Fatalf("OnClose(%q), want %q", got, ReasonParseError)
		}
		if n := r.messages.Load(); n != 1 {
			t.Fatalf("%d messages, want 1", n)
		}
		h.expectUnknownSID(sid)
	})
}

// However the connection ends, and however many ways at once, OnClose comes
// once.
func TestReceiverOnCloseOnce(t *testing.T) {
	t.Parallel()
	h, recs := newSerialHarness(t, false)
	const n = 10
	var clients []*wsClient
	for range n {
		ws := h.mustDial("EIO=4&transport=websocket")
		parseOpen(t, ws.readText())
		clients = append(clients, ws)
	}
	var wg sync.WaitGroup
	i := 0
	recs.Range(func(_, v any) bool {
		r := v.(*serialReceiver)
		ws := clients[i]
		i++
		wg.Add(3)
		go func() { defer wg.Done(); r.conn.Close("") }()
		go func() { defer wg.Done(); ws.conn.Close() }()
		go func() { defer wg.Done(); _ = r.conn.Send(Message{Data: []byte("x")}) }()
		return true
	})
	wg.Wait()
	recs.Range(func(_, v any) bool {
		r := v.(*serialReceiver)
		recv(t, r.closed, "OnClose")
		return true
	})
	h.close() // nothing is left for Shutdown to close
	recs.Range(func(_, v any) bool {
		if n := v.(*serialReceiver).closes.Load(); n != 1 {
			t.Errorf("OnClose called %d times", n)
		}
		return true
	})
}

// ServeConn may already send: the messages follow the open packet.
func TestServeConnSends(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{onConn: func(c *Conn) {
		if err := c.Send(Message{Data: []byte("welcome")}); err != nil {
			t.Errorf("Send in ServeConn: %v", err)
		}
	}})
	t.Run("polling", func(t *testing.T) {
		status, body, _ := h.do(t.Context(), "GET", "EIO=4&transport=polling", nil, nil)
		open, rest, ok := strings.Cut(body, "\x1e")
		if status != 200 || !ok || rest != "4welcome" {
			t.Fatalf("handshake %d %q, want the open packet then 4welcome", status, body)
		}
		parseOpen(t, open)
	})
	t.Run("websocket", func(t *testing.T) {
		ws, _ := h.openWS()
		ws.expectText("4welcome")
	})
}

// ServeConn may refuse a connection by closing it: the client gets the
// open packet then the close, and the Receiver its OnClose.
func TestServeConnCloses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{onConn: func(c *Conn) {
		_ = c.Send(Message{Data: []byte("go away")})
		c.Close(ReasonForcedClose)
	}})
	t.Run("polling", func(t *testing.T) {
		status, body, _ := h.do(t.Context(), "GET", "EIO=4&transport=polling", nil, nil)
		parts := strings.Split(body, "\x1e")
		if status != 200 || len(parts) != 2 || parts[1] != "4go away" {
			t.Fatalf("handshake %d %q, want open, 4go away", status, body)
		}
		sid := parseOpen(t, parts[0]).SID
		h.mustGet(sid, "1") // the close in an answer of its own
		h.rec(sid).waitClose(t, ReasonForcedClose)
		h.expectUnknownSID(sid)
	})
	t.Run("websocket", func(t *testing.T) {
		ws, hd := h.openWS()
		ws.expectText("4go away")
		if err := ws.expectClosed(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("websocket ended with %v, want a close frame", err)
		}
		h.rec(hd.SID).waitClose(t, ReasonForcedClose)
	})
}
