package engineio

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// probe opens a WebSocket for the polling session sid and runs the probe:
// "2probe" answered "3probe".
func (h *harness) probe(sid string) *wsClient {
	h.t.Helper()
	ws := h.mustDial("EIO=4&transport=websocket&sid=" + sid)
	ws.writeText("2probe")
	ws.expectText("3probe")
	return ws
}

// upgrade upgrades the polling session sid to WebSocket.
func (h *harness) upgrade(sid string) *wsClient {
	h.t.Helper()
	ws := h.probe(sid)
	ws.writeText("5")
	c := h.conn(sid)
	eventually(h.t, func() bool { return c.Transport() == WebSocket }, "the upgrade of %s", sid)
	return ws
}

func TestUpgrade(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	sid := h.openPolling().SID
	c := h.conn(sid)

	pending := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)
	ws := h.probe(sid)

	// The GET that waited has nothing to carry: it is released with a noop
	// (after upgradeHold) so the client can pause polling.
	r := recv(t, pending, "the pending GET")
	if r.err != nil || r.status != http.StatusOK || r.body != "6" {
		t.Fatalf("pending GET = %d %q %v, want 200 \"6\"", r.status, r.body, r.err)
	}
	if c.Transport() != Polling {
		t.Fatalf("transport %s before the upgrade packet", c.Transport())
	}

	// What the server sends once the GET is gone waits for the WebSocket.
	for _, s := range []string{"during-1", "during-2", "during-3"} {
		if err := c.Send(Message{Data: []byte(s)}); err != nil {
			t.Fatal(err)
		}
	}
	ws.writeText("5")
	ws.expectText("4during-1")
	ws.expectText("4during-2")
	ws.expectText("4during-3")
	if c.Transport() != WebSocket {
		t.Fatalf("transport %s after the upgrade", c.Transport())
	}

	ws.writeText("4hello")
	ws.expectText("4hello")
	if msgs := h.rec(sid).messages(); len(msgs) != 1 || string(msgs[0].Data) != "hello" {
		t.Fatalf("received %v, want [hello]", msgs)
	}

	// Polling with the upgraded sid is refused, without closing the session.
	status, body := h.get(sid)
	expectError(t, status, body, http.StatusBadRequest, 3)
	status, body = h.post(sid, "4x")
	expectError(t, status, body, http.StatusBadRequest, 3)

	// A second WebSocket with the same sid is accepted and closed.
	second := h.mustDial("EIO=4&transport=websocket&sid=" + sid)
	second.expectClosed()

	ws.writeText("4still")
	ws.expectText("4still")
	if n := h.rec(sid).closeCount(); n != 0 {
		t.Fatalf("session closed during the upgrade")
	}
	if h.srv.Conn(sid) != c {
		t.Fatal("Conn(sid) changed with the upgrade")
	}
}

// The reference's test: upgrade, then a polling GET, then messages.
func TestUpgradeWithoutPendingGET(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	sid := h.openPolling().SID
	ws := h.probe(sid)
	// A GET after the probe is answered with a noop (after a short hold in
	// case the upgrade completes meanwhile).
	h.mustGet(sid, "6")
	ws.writeText("5")
	ws.writeText("4hello")
	ws.expectText("4hello")
}

// Messages queued before the probe while no GET was waiting go out on the
// WebSocket, before the ones sent later.
func TestUpgradeFlushesQueueInOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	c := h.conn(sid)
	if err := c.Send(Message{Data: []byte("before")}); err != nil {
		t.Fatal(err)
	}
	ws := h.probe(sid)
	if err := c.Send(Message{Data: []byte{9}, Binary: true}); err != nil {
		t.Fatal(err)
	}
	ws.writeText("5")
	ws.expectText("4before")
	mt, b, err := ws.read()
	if err != nil || mt != 2 || len(b) != 1 || b[0] != 9 {
		t.Fatalf("read %d %v %v, want binary [9]", mt, b, err)
	}
	if err := c.Send(Message{Data: []byte("after")}); err != nil {
		t.Fatal(err)
	}
	ws.expectText("4after")
}

func TestUpgradeTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{UpgradeTimeout: 30 * time.Millisecond}, echo: true})
	sid := h.openPolling().SID
	c := h.conn(sid)
	ws := h.probe(sid) // and never "5"
	ws.expectClosed()
	eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.probe == nil && !c.probed
	}, "the probe aborted")
	if c.Transport() != Polling {
		t.Fatalf("transport %s, want polling", c.Transport())
	}
	h.mustPost(sid, "4poll")
	h.mustGet(sid, "4poll")
	if n := h.rec(sid).closeCount(); n != 0 {
		t.Fatalf("session closed by the aborted upgrade")
	}
	// A new upgrade can follow.
	ws = h.upgrade(sid)
	ws.writeText("4ws")
	ws.expectText("4ws")
}

// A probe WebSocket that goes away aborts the upgrade; polling goes on.
func TestUpgradeProbeClosedByClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	sid := h.openPolling().SID
	c := h.conn(sid)
	pending := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)
	ws := h.probe(sid)
	if r := recv(t, pending, "the pending GET"); r.body != "6" {
		t.Fatalf("pending GET = %q, want \"6\"", r.body)
	}
	ws.conn.Close()
	eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.probe == nil && !c.probed
	}, "the probe aborted")
	h.mustPost(sid, "4back")
	h.mustGet(sid, "4back")
}

// Anything but a probe, a noop or the upgrade packet on the probe aborts it.
func TestUpgradeProbeBadPacket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	sid := h.openPolling().SID
	ws := h.mustDial("EIO=4&transport=websocket&sid=" + sid)
	ws.writeText("4too early")
	ws.expectClosed()
	h.mustPost(sid, "4poll")
	h.mustGet(sid, "4poll")
	if msgs := h.rec(sid).messages(); len(msgs) != 1 {
		t.Fatalf("received %v, want only the polling message", msgs)
	}
}

func TestUpgradeDisabled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{DisableUpgrades: true}, echo: true})
	sid := h.openPolling().SID
	ws := h.mustDial("EIO=4&transport=websocket&sid=" + sid)
	ws.expectClosed()
	h.mustPost(sid, "4x")
	h.mustGet(sid, "4x")
}

// Closing the session during the probe closes the probe too.
func TestUpgradeSessionClosedDuringProbe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	ws := h.probe(sid)
	h.conn(sid).Close("")
	h.rec(sid).waitClose(t, ReasonForcedClose)
	ws.expectClosed()
}

// A GET that arrives while the client's "5" is in flight on the WebSocket
// is refused once the upgrade completes: polling is over for that session.
func TestUpgradeCompletesWhileGETHeld(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{upgradeHold: time.Minute}})
	sid := h.openPolling().SID
	ws := h.probe(sid)
	res := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)
	ws.writeText("5")
	r := recv(t, res, "the held GET")
	if r.status != http.StatusBadRequest {
		t.Fatalf("held GET answered %d %q, want 400 after the upgrade", r.status, r.body)
	}
	ws.writeText("4hi")
	ws.expectText("4hi")
}

// Between the probe and "5", polling goes on as with the reference server:
// a GET carries what is queued at once (no hold, no noop), whether it
// arrives after the messages or was waiting when they were sent; the
// messages after "5" go out on the WebSocket, none lost or reordered.
func TestUpgradeGETCarriesPacketsWhileUpgrading(t *testing.T) {
	t.Parallel()
	send := func(t *testing.T, c *Conn, msgs ...string) {
		t.Helper()
		for _, m := range msgs {
			if err := c.Send(Message{Data: []byte(m)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name    string
		waiting bool // the GET waits when the probe is answered
	}{
		{"GET after the messages", false},
		{"GET waiting at the probe", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A hold of a minute: an answer that waited for it would time
			// the test out.
			h := newHarness(t, harnessConfig{echo: true, opts: &Options{upgradeHold: time.Minute}})
			sid := h.openPolling().SID
			c := h.conn(sid)
			var pending <-chan pollResult
			if tt.waiting {
				pending = h.asyncGet(context.Background(), sid)
				h.waitGetPending(sid)
			}
			ws := h.probe(sid)
			if !tt.waiting {
				send(t, c, "a", "b")
				pending = h.asyncGet(context.Background(), sid)
			} else {
				send(t, c, "a")
			}
			r := recv(t, pending, "the GET during the upgrade")
			want := "4a\x1e4b"
			if tt.waiting {
				want = "4a"
			}
			if r.err != nil || r.status != http.StatusOK || r.body != want {
				t.Fatalf("GET during the upgrade = %d %q %v, want 200 %q", r.status, r.body, r.err, want)
			}
			if c.Transport() != Polling {
				t.Fatalf("transport %s before \"5\"", c.Transport())
			}
			send(t, c, "c", "d")
			ws.writeText("5")
			ws.expectText("4c")
			ws.expectText("4d")
			send(t, c, "e")
			ws.expectText("4e")
			if c.Transport() != WebSocket {
				t.Fatalf("transport %s after \"5\"", c.Transport())
			}
		})
	}
}

// A GET waiting during an upgrade is a writable transport: a volatile
// message goes out on it rather than being dropped.
func TestUpgradeVolatileUsesWaitingGET(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{upgradeHold: time.Minute}})
	sid := h.openPolling().SID
	c := h.conn(sid)
	h.probe(sid)
	pending := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)
	if !c.SendVolatile(Message{Data: []byte("v")}) {
		t.Fatal("volatile message dropped while a GET waits during the upgrade")
	}
	if r := recv(t, pending, "the GET"); r.body != "4v" {
		t.Fatalf("GET = %d %q, want \"4v\"", r.status, r.body)
	}
}
