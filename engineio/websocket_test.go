package engineio

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

func TestWebSocketEcho(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		typ      int
		data     []byte
		wantType int
		want     []byte
		wantMsg  Message
	}{
		{"text", websocket.TextMessage, []byte("4hello"), websocket.TextMessage, []byte("4hello"), Message{Data: []byte("hello")}},
		{"empty text message", websocket.TextMessage, []byte("4"), websocket.TextMessage, []byte("4"), Message{Data: []byte{}}},
		{"text with separator", websocket.TextMessage, []byte("4a\x1eb"), websocket.TextMessage, []byte("4a\x1eb"), Message{Data: []byte("a\x1eb")}},
		{"binary", websocket.BinaryMessage, []byte{1, 2, 3, 4}, websocket.BinaryMessage, []byte{1, 2, 3, 4}, Message{Data: []byte{1, 2, 3, 4}, Binary: true}},
		{"binary starting like text", websocket.BinaryMessage, []byte("4abc"), websocket.BinaryMessage, []byte("4abc"), Message{Data: []byte("4abc"), Binary: true}},
		{"base64 text is decoded", websocket.TextMessage, []byte("bAQIDBA=="), websocket.BinaryMessage, []byte{1, 2, 3, 4}, Message{Data: []byte{1, 2, 3, 4}, Binary: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{echo: true})
			ws, hd := h.openWS()
			if err := ws.conn.WriteMessage(tt.typ, tt.data); err != nil {
				t.Fatal(err)
			}
			mt, b, err := ws.read()
			if err != nil {
				t.Fatal(err)
			}
			if mt != tt.wantType || !bytes.Equal(b, tt.want) {
				t.Fatalf("echo = type %d %q, want type %d %q", mt, b, tt.wantType, tt.want)
			}
			msgs := h.rec(hd.SID).messages()
			if len(msgs) != 1 || !bytes.Equal(msgs[0].Data, tt.wantMsg.Data) || msgs[0].Binary != tt.wantMsg.Binary {
				t.Fatalf("received %v, want %v", msgs, tt.wantMsg)
			}
		})
	}
}

func TestWebSocketClosesOnBadInput(t *testing.T) {
	t.Parallel()
	const max = 128
	tests := []struct {
		name string
		typ  int
		data []byte
	}{
		{"unknown packet type", websocket.TextMessage, []byte("abc")},
		{"empty text frame", websocket.TextMessage, []byte{}},
		{"bad base64", websocket.TextMessage, []byte("b***")},
		{"open packet from client", websocket.TextMessage, []byte("0")},
		{"text over MaxPayload", websocket.TextMessage, []byte("4" + strings.Repeat("x", max))},
		{"binary over MaxPayload", websocket.BinaryMessage, bytes.Repeat([]byte{7}, max+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{opts: &Options{MaxPayload: max}, echo: true})
			ws, hd := h.openWS()
			if err := ws.conn.WriteMessage(tt.typ, tt.data); err != nil {
				t.Fatal(err)
			}
			ws.expectClosed()
			h.rec(hd.SID).waitClose(t, ReasonTransportError)
			if n := len(h.rec(hd.SID).messages()); n != 0 {
				t.Fatalf("%d messages delivered", n)
			}
			if h.srv.Conn(hd.SID) != nil {
				t.Fatal("session still registered")
			}
		})
	}
}

func TestWebSocketMaxPayloadFits(t *testing.T) {
	t.Parallel()
	const max = 128
	h := newHarness(t, harnessConfig{opts: &Options{MaxPayload: max}, echo: true})
	ws, _ := h.openWS()
	msg := "4" + strings.Repeat("x", max-1)
	ws.writeText(msg)
	ws.expectText(msg)
}

func TestWebSocketClientClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		close func(ws *wsClient)
	}{
		{"close packet", func(ws *wsClient) { ws.writeText("1") }},
		{"close frame", func(ws *wsClient) {
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			if err := ws.conn.WriteMessage(websocket.CloseMessage, msg); err != nil {
				t.Error(err)
			}
		}},
		{"connection dropped", func(ws *wsClient) { ws.conn.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{})
			ws, hd := h.openWS()
			tt.close(ws)
			h.rec(hd.SID).waitClose(t, ReasonTransportClose)
			if h.srv.Conn(hd.SID) != nil || h.srv.Len() != 0 {
				t.Fatal("session still registered")
			}
		})
	}
}

func TestWebSocketServerSendOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	ws, hd := h.openWS()
	c := h.conn(hd.SID)
	const n = 200
	for i := range n {
		m := Message{Data: []byte(fmt.Sprint(i))}
		if i%3 == 0 {
			m.Binary = true
		}
		if err := c.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		mt, b, err := ws.read()
		if err != nil {
			t.Fatal(err)
		}
		want, wantType := "4"+fmt.Sprint(i), websocket.TextMessage
		if i%3 == 0 {
			want, wantType = fmt.Sprint(i), websocket.BinaryMessage
		}
		if mt != wantType || string(b) != want {
			t.Fatalf("message %d = type %d %q, want type %d %q", i, mt, b, wantType, want)
		}
	}
}

// The server answers a client's ping (not used by v4 clients but allowed)
// with a pong carrying the same data.
func TestWebSocketClientPing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	ws, _ := h.openWS()
	ws.writeText("2hi")
	ws.expectText("3hi")
}

func TestWebSocketManyClients(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	const clients, msgs = 50, 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- echoRounds(h, i, msgs)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.recs) != clients {
		t.Fatalf("%d sessions, want %d", len(h.recs), clients)
	}
	for sid, r := range h.recs {
		if n := len(r.messages()); n != msgs {
			t.Errorf("session %s received %d messages, want %d", sid, n, msgs)
		}
	}
}

// echoRounds opens a WebSocket session and checks msgs echoes; it does not
// use t so that it can run on other goroutines.
func echoRounds(h *harness, id, msgs int) error {
	conn, resp, err := websocket.DefaultDialer.Dial(h.wsURL("EIO=4&transport=websocket"), nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	defer conn.Close()
	if _, b, err := conn.ReadMessage(); err != nil || !bytes.HasPrefix(b, []byte("0{")) {
		return fmt.Errorf("client %d: handshake %q %v", id, b, err)
	}
	// Send everything first, then read: the echoes must come back in order.
	for j := range msgs {
		if err := conn.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "4c%d-m%d", id, j)); err != nil {
			return err
		}
	}
	for j := range msgs {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return fmt.Errorf("client %d: %w", id, err)
		}
		if want := fmt.Sprintf("4c%d-m%d", id, j); string(b) != want {
			return fmt.Errorf("client %d: got %q, want %q", id, b, want)
		}
	}
	return nil
}

func TestWebSocketConcurrentSend(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	ws, hd := h.openWS()
	c := h.conn(hd.SID)
	const senders, each = 20, 50
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := c.Send(Message{Data: fmt.Appendf(nil, "%d:%d", s, i)}); err != nil {
					t.Errorf("Send: %v", err)
					return
				}
			}
		}()
	}
	next := make([]int, senders) // next expected index per sender
	for range senders * each {
		b := []byte(ws.readText())
		var s, i int
		if _, err := fmt.Sscanf(string(b), "4%d:%d", &s, &i); err != nil {
			t.Fatalf("message %q: %v", b, err)
		}
		if i != next[s] {
			t.Fatalf("sender %d: got message %d, want %d", s, i, next[s])
		}
		next[s]++
	}
	wg.Wait()
	for s, n := range next {
		if n != each {
			t.Errorf("sender %d: %d messages, want %d", s, n, each)
		}
	}
}

func TestWebSocketSendAfterClientGone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	ws, hd := h.openWS()
	ws.conn.Close()
	r := h.rec(hd.SID)
	r.waitClose(t, ReasonTransportClose)
	if err := r.conn.Send(Message{Data: []byte("x")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after close = %v, want ErrClosed", err)
	}
}
