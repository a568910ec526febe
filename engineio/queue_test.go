package engineio

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestSlowConsumerPolling(t *testing.T) {
	t.Parallel()
	const max = 1000
	h := newHarness(t, harnessConfig{opts: &Options{MaxBufferedBytes: max}})
	sid := h.openPolling().SID
	c := h.conn(sid)
	msg := Message{Data: bytes.Repeat([]byte("x"), 299)} // 300 bytes queued
	for i := range 3 {
		if err := c.Send(msg); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if err := c.Send(msg); !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("Send past MaxBufferedBytes = %v, want ErrSlowConsumer", err)
	}
	h.rec(sid).waitClose(t, ReasonSlowConsumer)
	if n := h.srv.SlowConsumers(); n != 1 {
		t.Errorf("SlowConsumers() = %d, want 1", n)
	}
	if err := c.Send(msg); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after close = %v, want ErrClosed", err)
	}
	h.expectUnknownSID(sid)
}

// A client that reads keeps its queue short: the cap bounds what is
// pending, not what is sent over time.
func TestQueueDrainedByPolling(t *testing.T) {
	t.Parallel()
	const max = 1000
	h := newHarness(t, harnessConfig{opts: &Options{MaxBufferedBytes: max}})
	sid := h.openPolling().SID
	c := h.conn(sid)
	msg := Message{Data: bytes.Repeat([]byte("y"), 599)}
	for i := range 5 {
		if err := c.Send(msg); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		h.mustGet(sid, "4"+string(msg.Data))
	}
	// One Send of several messages is all or nothing.
	if err := c.Send(msg, msg); !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("Send of 1200 bytes = %v, want ErrSlowConsumer", err)
	}
	h.rec(sid).waitClose(t, ReasonSlowConsumer)
}

func TestSlowConsumerWebSocket(t *testing.T) {
	t.Parallel()
	const max = 64 << 10
	h := newHarness(t, harnessConfig{opts: &Options{MaxBufferedBytes: max}})
	ws, hd := h.openWS()
	c := h.conn(hd.SID)
	// The client does not read: the socket buffers fill, then the queue.
	msg := Message{Data: bytes.Repeat([]byte("z"), 4095)}
	var err error
	for i := 0; i < 100_000 && err == nil; i++ {
		err = c.Send(msg)
	}
	if !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("Send = %v, want ErrSlowConsumer", err)
	}
	h.rec(hd.SID).waitClose(t, ReasonSlowConsumer)
	// The client gets what was written, then the end of the connection.
	for {
		if _, _, err := ws.read(); err != nil {
			break
		}
	}
}

func TestSendVolatilePolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	c := h.conn(sid)

	if c.SendVolatile(Message{Data: []byte("dropped")}) {
		t.Fatal("SendVolatile without a waiting GET = true, want false")
	}
	if err := c.Send(Message{Data: []byte("kept")}); err != nil {
		t.Fatalf("Send after a dropped volatile message: %v", err)
	}
	h.mustGet(sid, "4kept")

	res := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)
	if !c.SendVolatile(Message{Data: []byte("live")}) {
		t.Fatal("SendVolatile with a waiting GET = false, want true")
	}
	r := recv(t, res, "the pending GET")
	if r.status != http.StatusOK || r.body != "4live" {
		t.Fatalf("GET = %d %q, want 200 \"4live\"", r.status, r.body)
	}
	if n := h.rec(sid).closeCount(); n != 0 {
		t.Fatal("volatile sends closed the session")
	}
}

func TestSendVolatileWebSocket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	ws, hd := h.openWS()
	c := h.conn(hd.SID)
	if !c.SendVolatile(Message{Data: []byte("live")}) {
		t.Fatal("SendVolatile on an idle WebSocket = false, want true")
	}
	ws.expectText("4live")
}

// A volatile message is dropped, never a reason to close the connection,
// even when it alone exceeds MaxBufferedBytes.
func TestSendVolatileOverCapIsDropped(t *testing.T) {
	t.Parallel()
	const max = 64
	big := Message{Data: bytes.Repeat([]byte("v"), max+10)}
	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessConfig{opts: &Options{MaxBufferedBytes: max}})
		ws, hd := h.openWS()
		c := h.conn(hd.SID)
		if c.SendVolatile(big) {
			t.Fatal("SendVolatile over the cap = true, want false")
		}
		if err := c.Send(Message{Data: []byte("ok")}); err != nil {
			t.Fatalf("Send after a dropped volatile message: %v", err)
		}
		ws.expectText("4ok")
		if n := h.rec(hd.SID).closeCount(); n != 0 {
			t.Fatal("a volatile message closed the session")
		}
	})
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessConfig{opts: &Options{MaxBufferedBytes: max}})
		sid := h.openPolling().SID
		c := h.conn(sid)
		res := h.asyncGet(context.Background(), sid)
		h.waitGetPending(sid)
		if c.SendVolatile(big) {
			t.Fatal("SendVolatile over the cap = true, want false")
		}
		if err := c.Send(Message{Data: []byte("ok")}); err != nil {
			t.Fatalf("Send after a dropped volatile message: %v", err)
		}
		if r := recv(t, res, "the pending GET"); r.body != "4ok" {
			t.Fatalf("GET = %d %q, want \"4ok\"", r.status, r.body)
		}
	})
}

func TestSendAfterClose(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	c := h.conn(sid)
	c.Close(ReasonForcedClose)
	h.rec(sid).waitClose(t, ReasonForcedClose)
	if err := c.Send(Message{Data: []byte("x")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send = %v, want ErrClosed", err)
	}
	if c.SendVolatile(Message{Data: []byte("x")}) {
		t.Fatal("SendVolatile after close = true")
	}
	c.Close(ReasonForcedClose) // a second Close is harmless
	if n := h.rec(sid).closeCount(); n != 1 {
		t.Fatalf("OnClose called %d times", n)
	}
}

// Close flushes what is queued: the next GET gets the messages, then the
// close packet.
func TestCloseFlushesPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	c := h.conn(sid)
	for _, s := range []string{"a", "b"} {
		if err := c.Send(Message{Data: []byte(s)}); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(ReasonParseError)
	if err := c.Send(Message{Data: []byte("late")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send while closing = %v, want ErrClosed", err)
	}
	// The messages first; the close packet in an answer of its own, so
	// that clients handle the messages before they see the close.
	h.mustGet(sid, "4a\x1e4b")
	h.mustGet(sid, "1")
	h.rec(sid).waitClose(t, ReasonParseError)
	h.expectUnknownSID(sid)
}

// Close with a GET waiting answers it with the close packet.
func TestClosePendingGET(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	res := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)
	h.conn(sid).Close("")
	if r := recv(t, res, "the pending GET"); r.status != http.StatusOK || r.body != "1" {
		t.Fatalf("GET = %d %q, want 200 \"1\"", r.status, r.body)
	}
	h.rec(sid).waitClose(t, ReasonForcedClose)
}

// Close flushes what is queued on a WebSocket, then closes it with a close
// frame.
func TestCloseFlushesWebSocket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msgs []string
	}{
		{"with queued messages", []string{"a", "b", "c"}},
		{"empty queue", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{})
			ws, hd := h.openWS()
			c := h.conn(hd.SID)
			for _, s := range tt.msgs {
				if err := c.Send(Message{Data: []byte(s)}); err != nil {
					t.Fatal(err)
				}
			}
			c.Close(ReasonForcedClose)
			for _, s := range tt.msgs {
				ws.expectText("4" + s)
			}
			err := ws.expectClosed()
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Fatalf("read error %v, want a normal close frame", err)
			}
			h.rec(hd.SID).waitClose(t, ReasonForcedClose)
		})
	}
}

func TestCloseEmptyReason(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	h.conn(sid).Close("")
	h.rec(sid).waitClose(t, ReasonForcedClose)
	if h.srv.Len() != 0 || h.srv.Conn(sid) != nil {
		t.Fatal("closed session still registered")
	}
}

// A message shared between connections is sent to each unchanged.
func TestSharedMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	shared := Message{Data: []byte(strings.Repeat("s", 100))}
	var clients []*wsClient
	var sids []string
	for range 3 {
		ws, hd := h.openWS()
		clients = append(clients, ws)
		sids = append(sids, hd.SID)
	}
	psid := h.openPolling().SID
	for _, sid := range append(sids, psid) {
		if err := h.conn(sid).Send(shared); err != nil {
			t.Fatal(err)
		}
	}
	for _, ws := range clients {
		ws.expectText("4" + string(shared.Data))
	}
	h.mustGet(psid, "4"+string(shared.Data))
}
