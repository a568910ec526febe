package engineio

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestShutdown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	idle := h.openPolling().SID
	waiting := h.openPolling().SID
	pending := h.asyncGet(context.Background(), waiting)
	h.waitGetPending(waiting)
	ws, hd := h.openWS()
	upgraded := h.openPolling().SID
	up := h.upgrade(upgraded)
	if n := h.srv.Len(); n != 4 {
		t.Fatalf("Len() = %d, want 4", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v, want nil", err)
	}
	for _, sid := range []string{idle, waiting, hd.SID, upgraded} {
		h.rec(sid).waitClose(t, ReasonServerShutdown)
	}
	if r := recv(t, pending, "the pending GET"); r.status != http.StatusOK || r.body != "1" {
		t.Fatalf("pending GET = %d %q, want 200 \"1\"", r.status, r.body)
	}
	for _, c := range []*wsClient{ws, up} {
		if err := c.expectClosed(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Errorf("websocket ended with %v, want a normal close", err)
		}
	}
	if n := h.srv.Len(); n != 0 {
		t.Fatalf("Len() = %d after Shutdown", n)
	}

	// No new sessions.
	status, body, _ := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, nil)
	expectError(t, status, body, http.StatusServiceUnavailable, 3)
	if late, _, err := h.dial("EIO=4&transport=websocket", nil); err == nil {
		if _, b, err := late.read(); err == nil {
			t.Fatalf("websocket handshake after Shutdown got %q", b)
		}
	}
	h.expectUnknownSID(idle)
	if n := h.srv.Len(); n != 0 {
		t.Fatalf("Len() = %d, want 0", n)
	}

	// Shutdown again is harmless.
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown = %v", err)
	}
}

func TestShutdownIdleServer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	if err := h.srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	status, body, _ := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, nil)
	expectError(t, status, body, http.StatusServiceUnavailable, 3)
}

// Shutdown flushes what is queued: a polling client that polls gets its
// messages and the close packet, and Shutdown returns once it did.
func TestShutdownFlushesPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	c := h.conn(sid)
	if err := c.Send(Message{Data: []byte("bye")}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- h.srv.Shutdown(context.Background()) }()
	eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.state != stateOpen
	}, "the session closing")
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v before the queue was flushed", err)
	default:
	}
	h.mustGet(sid, "4bye")
	h.mustGet(sid, "1")
	if err := recv(t, done, "Shutdown"); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	h.rec(sid).waitClose(t, ReasonServerShutdown)
}

// When ctx ends first, Shutdown closes what is left at once and returns
// ctx's error.
func TestShutdownContextExpires(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	if err := h.conn(sid).Send(Message{Data: []byte("never read")}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := h.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
	h.rec(sid).waitClose(t, ReasonServerShutdown)
	if n := h.srv.Len(); n != 0 {
		t.Fatalf("Len() = %d", n)
	}
	h.expectUnknownSID(sid)
}

// Handshakes racing with Shutdown either get a session that is then closed
// (and reported closed exactly once) or are refused.
func TestShutdownDuringHandshakes(t *testing.T) {
	t.Parallel()
	for range 10 {
		h := newHarness(t, harnessConfig{})
		const n = 16
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i%2 == 0 {
					resp, err := h.ts.Client().Get(h.url("EIO=4&transport=polling"))
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
							t.Errorf("handshake status %d", resp.StatusCode)
						}
					}
					return
				}
				conn, resp, err := websocket.DefaultDialer.Dial(h.wsURL("EIO=4&transport=websocket"), nil)
				if err == nil {
					resp.Body.Close()
					conn.Close()
				}
			}()
		}
		close(start)
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		err := h.srv.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
		wg.Wait()
		h.mu.Lock()
		recs := make([]*recorder, 0, len(h.recs))
		for _, r := range h.recs {
			recs = append(recs, r)
		}
		h.mu.Unlock()
		for _, r := range recs {
			eventually(t, func() bool { return r.closeCount() > 0 }, "OnClose of %s", r.conn.ID())
			if n := r.closeCount(); n != 1 {
				t.Fatalf("OnClose called %d times", n)
			}
		}
		if n := h.srv.Len(); n != 0 {
			t.Fatalf("Len() = %d after Shutdown", n)
		}
	}
}
