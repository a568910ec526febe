package engineio

import (
	"slices"
	"sync"
	"testing"
)

// observed records what an Observer is told, in order.
type observed struct {
	mu     sync.Mutex
	events []string
}

func (o *observed) add(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, s)
}

func (o *observed) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.events...)
}

func (o *observed) observer() Observer {
	return Observer{
		OnOpen:    func(c *Conn) { o.add("open " + c.ID() + " " + string(c.Transport())) },
		OnUpgrade: func(c *Conn) { o.add("upgrade " + c.ID() + " " + string(c.Transport())) },
		OnClose:   func(c *Conn, r CloseReason) { o.add("close " + c.ID() + " " + string(r)) },
	}
}

func TestObserver(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		run         func(h *harness) (sid string)
		wantEvents  func(sid string) []string
		wantPolling int // PollingLen while the session is open
	}{
		{
			name: "polling, upgraded, closed by the client",
			run: func(h *harness) string {
				sid := h.openPolling().SID
				if n := h.srv.PollingLen(); n != 1 {
					t.Errorf("PollingLen = %d while polling, want 1", n)
				}
				ws := h.probe(sid)
				ws.writeText("5")
				eventually(t, func() bool { return h.conn(sid).Transport() == WebSocket }, "upgrade")
				if n := h.srv.PollingLen(); n != 0 {
					t.Errorf("PollingLen = %d after the upgrade, want 0", n)
				}
				ws.writeText("1")
				h.rec(sid).waitClose(t, ReasonTransportClose)
				return sid
			},
			wantEvents: func(sid string) []string {
				return []string{"open " + sid + " polling", "upgrade " + sid + " websocket", "close " + sid + " transport close"}
			},
		},
		{
			name: "polling, closed by the server",
			run: func(h *harness) string {
				sid := h.openPolling().SID
				h.conn(sid).Close(ReasonForcedClose)
				h.rec(sid).waitClose(t, ReasonForcedClose)
				return sid
			},
			wantEvents: func(sid string) []string {
				return []string{"open " + sid + " polling", "close " + sid + " forced close"}
			},
		},
		{
			name: "born on WebSocket",
			run: func(h *harness) string {
				ws, open := h.openWS()
				if n := h.srv.PollingLen(); n != 0 {
					t.Errorf("PollingLen = %d with a WebSocket session, want 0", n)
				}
				ws.writeText("1")
				h.rec(open.SID).waitClose(t, ReasonTransportClose)
				return open.SID
			},
			wantEvents: func(sid string) []string {
				return []string{"open " + sid + " websocket", "close " + sid + " transport close"}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{echo: true})
			var o observed
			off := h.srv.Observe(o.observer())
			defer off()
			sid := tt.run(h)
			want := tt.wantEvents(sid)
			eventually(t, func() bool { return len(o.list()) >= len(want) }, "events %v", want)
			if got := o.list(); !slices.Equal(got, want) {
				t.Fatalf("observer told %q, want %q", got, want)
			}
			if n := h.srv.PollingLen(); n != 0 {
				t.Fatalf("PollingLen = %d after the session closed, want 0", n)
			}
		})
	}
}

// An Observer removed hears nothing more; one added later hears only what
// happens after.
func TestObserverOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	var first, second observed
	off := h.srv.Observe(first.observer())
	sid1 := h.openPolling().SID
	off()
	defer h.srv.Observe(second.observer())()
	sid2 := h.openPolling().SID
	h.conn(sid1).Close(ReasonForcedClose)
	h.rec(sid1).waitClose(t, ReasonForcedClose)
	eventually(t, func() bool { return len(second.list()) == 2 }, "second observer's events")
	if got, want := first.list(), []string{"open " + sid1 + " polling"}; !slices.Equal(got, want) {
		t.Fatalf("removed observer told %q, want %q", got, want)
	}
	if got, want := second.list(), []string{"open " + sid2 + " polling", "close " + sid1 + " forced close"}; !slices.Equal(got, want) {
		t.Fatalf("later observer told %q, want %q", got, want)
	}
}
