package engineio

import (
	"fmt"
	"testing"
	"time"
)

// TestWebSocketParkedConnections lets connections go idle long enough to
// be parked without a goroutine, then checks that they still receive,
// send, answer pings and report their close, many times over.
func TestWebSocketParkedConnections(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{idleAfter: time.Millisecond}})
	const n = 20
	type client struct {
		ws  *wsClient
		sid string
	}
	clients := make([]client, n)
	for i := range clients {
		ws, hd := h.openWS()
		clients[i] = client{ws, hd.SID}
	}
	parked := func() int {
		h.srv.poll.mu.Lock()
		defer h.srv.poll.mu.Unlock()
		return len(h.srv.poll.parked)
	}
	for round := range 5 {
		eventually(t, func() bool { return parked() == n }, "round %d: %d of %d parked", round, parked(), n)
		for i, c := range clients {
			msg := fmt.Sprintf("4r%dc%d", round, i)
			c.ws.writeText(msg) // wakes the connection; the echo comes back
			c.ws.expectText(msg)
			if err := h.conn(c.sid).Send(Message{Data: []byte("x")}); err != nil {
				t.Fatal(err)
			}
			c.ws.expectText("4x")
		}
	}
	eventually(t, func() bool { return parked() == n }, "parked again")
	for _, c := range clients[:n/2] {
		c.ws.conn.Close() // the poller sees the socket close
	}
	for _, c := range clients[:n/2] {
		h.rec(c.sid).waitClose(t, ReasonTransportClose)
	}
	for _, c := range clients[n/2:] {
		h.conn(c.sid).Close("") // closed by the server while parked
		c.ws.expectClosed()
		h.rec(c.sid).waitClose(t, ReasonForcedClose)
	}
	eventually(t, func() bool { return parked() == 0 }, "%d still parked", parked())
}
