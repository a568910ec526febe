package engineio

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestWebSocketBatchedFrames queues frames of every size class at once, so
// that the writer sends them in one batch (inlined, referenced, 16- and
// 64-bit lengths, text and binary), and checks that the client reads each
// one, in order.
func TestWebSocketBatchedFrames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{MaxBufferedBytes: 8 << 20}})
	ws, hd := h.openWS()
	c := h.conn(hd.SID)
	sizes := []int{0, 1, 125, 126, 1000, inlineMax, inlineMax + 1, 0xffff, 0x10000, 200_000, 3}
	var msgs []Message
	for i, n := range sizes {
		data := bytes.Repeat([]byte{byte('a' + i)}, n)
		msgs = append(msgs, Message{Data: data, Binary: i%3 == 2})
	}
	if err := c.Send(msgs...); err != nil {
		t.Fatal(err)
	}
	for i, m := range msgs {
		mt, b, err := ws.read()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		want, wantType := append([]byte{'4'}, m.Data...), websocket.TextMessage
		if m.Binary {
			want, wantType = m.Data, websocket.BinaryMessage
		}
		if mt != wantType || !bytes.Equal(b, want) {
			t.Fatalf("message %d (%d bytes): type %d, %d bytes; want type %d, %d bytes", i, sizes[i], mt, len(b), wantType, len(want))
		}
	}
}

// TestWebSocketControlAnswers checks that a client's ping gets its pong and
// its close gets a close, written by the server beside its own frames.
func TestWebSocketControlAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	ws, hd := h.openWS()
	pong := make(chan string, 1)
	ws.conn.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := ws.conn.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The pong handler runs while the client reads: give it messages to
	// read until the pong has come.
	var got string
	eventually(t, func() bool {
		if err := h.conn(hd.SID).Send(Message{Data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		ws.expectText("4x")
		select {
		case got = <-pong:
			return true
		default:
			return false
		}
	}, "no pong")
	if got != "hi" {
		t.Fatalf("pong %q", got)
	}
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "")
	if err := ws.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	_, _, err := ws.read()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after close: %v, want the close echoed", err)
	}
	h.rec(hd.SID).waitClose(t, ReasonTransportClose)
}

func TestAppendFrameHeader(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "8100"}, {125, "817d"}, {126, "817e007e"}, {0xffff, "817effff"},
		{0x10000, "817f0000000000010000"},
	} {
		if got := fmt.Sprintf("%x", appendFrameHeader(nil, wsFinText, c.n)); got != c.want {
			t.Errorf("header of %d bytes = %s, want %s", c.n, got, c.want)
		}
	}
}
