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
