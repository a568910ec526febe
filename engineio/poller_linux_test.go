package engineio

import (
	"fmt"
	"runtime"
	"strings"
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

// The poller waits in Go's network poller, not in a blocking epoll_wait:
// a goroutine in a system call keeps its P until sysmon takes it back
// (up to 10 ms), and with GOMAXPROCS 1 everything else waits meanwhile.
func TestPollerWaitsInNetpoller(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{idleAfter: time.Millisecond}})
	ws, _ := h.openWS()
	defer ws.conn.Close()
	parked := func() int {
		h.srv.poll.mu.Lock()
		defer h.srv.poll.mu.Unlock()
		return len(h.srv.poll.parked)
	}
	eventually(t, func() bool { return parked() == 1 }, "the connection parked")
	// A goroutine in a blocking system call shows as "syscall".
	deadline := time.Now().Add(waitTimeout)
	for state := pollerState(); state != "IO wait"; state = pollerState() {
		if time.Now().After(deadline) {
			t.Fatalf("the poller's goroutine is %q, want \"IO wait\"", state)
		}
		time.Sleep(time.Millisecond)
	}
}

// pollerState returns the state of the goroutine running poller.run, as
// runtime.Stack shows it ("IO wait", "syscall", "runnable").
func pollerState() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if !strings.Contains(g, "engineio.(*poller).run(") {
			continue
		}
		head, _, _ := strings.Cut(g, "\n")
		// goroutine 42 [IO wait]: or [IO wait, 2 minutes]:
		if i := strings.Index(head, "["); i >= 0 {
			st := head[i+1:]
			st, _, _ = strings.Cut(st, "]")
			st, _, _ = strings.Cut(st, ",")
			return st
		}
	}
	return ""
}
