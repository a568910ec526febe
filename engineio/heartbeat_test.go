package engineio

import (
	"testing"
	"time"
)

// pingOpts pings every 20ms. The pong tests allow a generous PingTimeout so
// that a loaded machine cannot make them fail; they still fail if a pong is
// ignored, since then no second ping is ever sent.
func pingOpts(timeout time.Duration) *Options {
	return &Options{PingInterval: 20 * time.Millisecond, PingTimeout: timeout}
}

func TestHeartbeatPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: pingOpts(5 * time.Second)})
	sid := h.openPolling().SID
	for range 3 {
		h.mustGet(sid, "2")
		h.mustPost(sid, "3")
	}
	if n := h.rec(sid).closeCount(); n != 0 {
		t.Fatalf("session closed")
	}
}

func TestHeartbeatWebSocket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: pingOpts(5 * time.Second)})
	ws, hd := h.openWS()
	for range 3 {
		ws.expectText("2")
		ws.writeText("3")
	}
	if n := h.rec(hd.SID).closeCount(); n != 0 {
		t.Fatalf("session closed")
	}
}

func TestHeartbeatPollingTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: pingOpts(30 * time.Millisecond)})
	start := time.Now()
	sid := h.openPolling().SID
	// The client never polls: the ping stays queued and no pong comes.
	h.rec(sid).waitClose(t, ReasonPingTimeout)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("closed after %v, before PingInterval+PingTimeout", d)
	}
	h.expectUnknownSID(sid)
}

func TestHeartbeatPollingTimeoutAfterPing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: pingOpts(200 * time.Millisecond)})
	sid := h.openPolling().SID
	h.mustGet(sid, "2") // the ping is read but never answered
	// The next GET waits and is answered with a close when the pong is
	// overdue (or, on a machine too slow to send it within PingTimeout,
	// finds the session gone).
	status, body := h.get(sid)
	if status == 200 {
		if body != "1" {
			t.Fatalf("GET = %q, want \"1\"", body)
		}
	} else {
		expectError(t, status, body, 400, 1)
	}
	h.rec(sid).waitClose(t, ReasonPingTimeout)
	h.expectUnknownSID(sid)
}

func TestHeartbeatWebSocketTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: pingOpts(30 * time.Millisecond)})
	ws, hd := h.openWS()
	ws.expectText("2")
	ws.expectClosed()
	h.rec(hd.SID).waitClose(t, ReasonPingTimeout)
	if h.srv.Len() != 0 {
		t.Fatalf("Len() = %d after ping timeout", h.srv.Len())
	}
}

// Messages from the client do not count as pongs.
func TestHeartbeatMessagesAreNotPongs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: pingOpts(30 * time.Millisecond)})
	ws, hd := h.openWS()
	ws.expectText("2")
	ws.writeText("4busy")
	ws.expectClosed()
	h.rec(hd.SID).waitClose(t, ReasonPingTimeout)
}

// A pong that arrives without a ping is ignored and does not delay the
// next ping.
func TestHeartbeatUnsolicitedPong(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: pingOpts(5 * time.Second)})
	ws, _ := h.openWS()
	ws.writeText("3")
	ws.expectText("2")
	ws.writeText("3")
	ws.expectText("2")
}

// TestHeartbeatsHeap checks the shared heap of due heartbeats: earliest
// first, positions kept in hbIndex through moves and removals.
func TestHeartbeatsHeap(t *testing.T) {
	var h heartbeats
	defer func() {
		if h.timer != nil {
			h.timer.Stop()
		}
	}()
	base := time.Now().Add(time.Hour) // never due during the test
	conns := make([]*Conn, 50)
	for i := range conns {
		conns[i] = &Conn{}
		h.schedule(conns[i], base.Add(time.Duration((i*37)%50)*time.Second))
	}
	check := func(what string) {
		t.Helper()
		for i, c := range h.conns {
			if c.hbIndex != i+1 {
				t.Fatalf("%s: conn at %d has hbIndex %d", what, i, c.hbIndex)
			}
			if i > 0 && h.conns[(i-1)/2].hbDue.After(c.hbDue) {
				t.Fatalf("%s: heap order broken at %d", what, i)
			}
		}
		if h.at.After(h.conns[0].hbDue) {
			t.Fatalf("%s: timer at %v, after the earliest due %v", what, h.at, h.conns[0].hbDue)
		}
	}
	check("scheduled")
	h.schedule(conns[10], base.Add(-time.Minute)) // moved earliest
	check("moved earlier")
	if h.conns[0] != conns[10] || !h.at.Equal(conns[10].hbDue) {
		t.Fatalf("the earliest is not first, or the timer is not set for it")
	}
	h.schedule(conns[10], base.Add(time.Hour)) // moved last
	check("moved later")
	for _, c := range conns[:25] {
		h.unschedule(c)
		if c.hbIndex != 0 {
			t.Fatalf("removed conn has hbIndex %d", c.hbIndex)
		}
	}
	h.unschedule(conns[0]) // not in the heap: no-op
	check("removed")
	if len(h.conns) != 25 {
		t.Fatalf("%d conns in the heap, want 25", len(h.conns))
	}
}

// TestHeartbeatManyConns pings several connections of one server, whose
// heartbeats share one timer.
func TestHeartbeatManyConns(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: pingOpts(5 * time.Second)})
	type client struct {
		ws  *wsClient
		sid string
	}
	var clients []client
	for range 4 {
		ws, hd := h.openWS()
		clients = append(clients, client{ws, hd.SID})
	}
	for range 3 {
		for _, c := range clients {
			c.ws.expectText("2")
			c.ws.writeText("3")
		}
	}
	for _, c := range clients {
		if n := h.rec(c.sid).closeCount(); n != 0 {
			t.Fatalf("session %s closed", c.sid)
		}
	}
}
