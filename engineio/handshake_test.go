package engineio

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestPollingHandshake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		opts         *Options
		wantUpgrades []string
		wantInterval int64
		wantTimeout  int64
		wantPayload  int
	}{
		{
			name:         "defaults",
			wantUpgrades: []string{"websocket"},
			wantInterval: 25000, wantTimeout: 20000, wantPayload: 1_000_000,
		},
		{
			name:         "configured",
			opts:         &Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxPayload: 4096},
			wantUpgrades: []string{"websocket"},
			wantInterval: 300, wantTimeout: 200, wantPayload: 4096,
		},
		{
			name:         "upgrades disabled",
			opts:         &Options{DisableUpgrades: true},
			wantUpgrades: []string{},
			wantInterval: 25000, wantTimeout: 20000, wantPayload: 1_000_000,
		},
		{
			name:         "polling only",
			opts:         &Options{Transports: []Transport{Polling}},
			wantUpgrades: []string{},
			wantInterval: 25000, wantTimeout: 20000, wantPayload: 1_000_000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{opts: tt.opts})
			status, body, hdr := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, nil)
			if status != http.StatusOK {
				t.Fatalf("status %d %q, want 200", status, body)
			}
			if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q, want text/plain", ct)
			}
			hd := parseOpen(t, body)
			if hd.Upgrades == nil || !slices.Equal(hd.Upgrades, tt.wantUpgrades) {
				t.Errorf("upgrades %#v, want %#v", hd.Upgrades, tt.wantUpgrades)
			}
			if hd.PingInterval != tt.wantInterval || hd.PingTimeout != tt.wantTimeout || hd.MaxPayload != tt.wantPayload {
				t.Errorf("pingInterval %d pingTimeout %d maxPayload %d, want %d %d %d",
					hd.PingInterval, hd.PingTimeout, hd.MaxPayload, tt.wantInterval, tt.wantTimeout, tt.wantPayload)
			}
			if h.srv.Len() != 1 {
				t.Errorf("Len() = %d, want 1", h.srv.Len())
			}
			c := h.srv.Conn(hd.SID)
			if c == nil || c.ID() != hd.SID || c.Transport() != Polling {
				t.Fatalf("Conn(%q) = %v, want the polling session", hd.SID, c)
			}
			if got := c.Request().URL.Query().Get("transport"); got != "polling" {
				t.Errorf("Request() query transport %q, want polling", got)
			}
		})
	}
}

func TestHandshakeSessionIDsAreUnique(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	seen := make(map[string]bool)
	for range 20 {
		sid := h.openPolling().SID
		if seen[sid] {
			t.Fatalf("sid %q handed out twice", sid)
		}
		seen[sid] = true
	}
	if h.srv.Len() != 20 {
		t.Fatalf("Len() = %d, want 20", h.srv.Len())
	}
}

func TestWebSocketHandshake(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond}})
	ws := h.mustDial("EIO=4&transport=websocket")
	hd := parseOpen(t, ws.readText())
	if hd.Upgrades == nil || len(hd.Upgrades) != 0 {
		t.Errorf("upgrades %#v, want []", hd.Upgrades)
	}
	if hd.PingInterval != 300 || hd.PingTimeout != 200 || hd.MaxPayload != 1_000_000 {
		t.Errorf("handshake %+v, want pingInterval 300, pingTimeout 200, maxPayload 1000000", hd)
	}
	c := h.srv.Conn(hd.SID)
	if c == nil || c.Transport() != WebSocket {
		t.Fatalf("Conn(%q) = %v, want a WebSocket session", hd.SID, c)
	}
}

func TestHandshakeRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	tests := []struct {
		name       string
		method     string
		query      string
		hdr        http.Header
		wantStatus int
		wantCode   int
	}{
		{"missing EIO", http.MethodGet, "transport=polling", nil, 400, 5},
		{"EIO not a number", http.MethodGet, "EIO=abc&transport=polling", nil, 400, 5},
		{"EIO 3", http.MethodGet, "EIO=3&transport=polling", nil, 400, 5},
		{"missing transport", http.MethodGet, "EIO=4", nil, 400, 0},
		{"unknown transport", http.MethodGet, "EIO=4&transport=abc", nil, 400, 0},
		{"webtransport", http.MethodGet, "EIO=4&transport=webtransport", nil, 400, 0},
		{"POST handshake", http.MethodPost, "EIO=4&transport=polling", nil, 400, 2},
		{"PUT handshake", http.MethodPut, "EIO=4&transport=polling", nil, 400, 2},
		{"unknown sid GET", http.MethodGet, "EIO=4&transport=polling&sid=nope", nil, 400, 1},
		{"unknown sid POST", http.MethodPost, "EIO=4&transport=polling&sid=nope", nil, 400, 1},
		{"websocket without upgrade", http.MethodGet, "EIO=4&transport=websocket", nil, 400, 3},
		{"foreign origin", http.MethodGet, "EIO=4&transport=polling", http.Header{"Origin": {"https://evil.example"}}, 403, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var body strings.Reader
			status, resp, hdr := h.do(context.Background(), tt.method, tt.query, &body, tt.hdr)
			msg := expectError(t, status, resp, tt.wantStatus, tt.wantCode)
			if msg == "" {
				t.Errorf("empty error message in %q", resp)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
		})
	}
	t.Cleanup(func() {
		if n := h.srv.Len(); n != 0 {
			t.Errorf("refused requests opened %d sessions", n)
		}
	})
}

func TestHandshakeRefusalMessages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	tests := []struct {
		query string
		code  int
		want  string
	}{
		{"EIO=4&transport=abc", 0, "Transport unknown"},
		{"EIO=4&transport=polling&sid=x", 1, "Session ID unknown"},
		{"EIO=5&transport=polling", 5, "Unsupported protocol version"},
	}
	for _, tt := range tests {
		status, body, _ := h.do(context.Background(), http.MethodGet, tt.query, nil, nil)
		if msg := expectError(t, status, body, 400, tt.code); msg != tt.want {
			t.Errorf("%s: message %q, want %q", tt.query, msg, tt.want)
		}
	}
}

func TestWebSocketHandshakeRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	tests := []struct {
		name       string
		query      string
		wantStatus int
	}{
		{"missing EIO", "transport=websocket", 400},
		{"bad EIO", "EIO=abc&transport=websocket", 400},
		{"missing transport", "EIO=4", 400},
		{"unknown transport", "EIO=4&transport=abc", 400},
		{"unknown sid", "EIO=4&transport=websocket&sid=nope", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, resp, err := h.dial(tt.query, nil)
			if !errors.Is(err, websocket.ErrBadHandshake) {
				t.Fatalf("dial error %v, want %v", err, websocket.ErrBadHandshake)
			}
			if resp == nil || resp.StatusCode != tt.wantStatus {
				t.Fatalf("response %v, want status %d", resp, tt.wantStatus)
			}
		})
	}
}

func TestWebSocketOnlyRefusesPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{Transports: []Transport{WebSocket}}})
	status, body, _ := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, nil)
	expectError(t, status, body, 400, 0)
	ws, hd := h.openWS()
	if hd.SID == "" || ws == nil {
		t.Fatal("websocket handshake failed")
	}
}

// TestMaxConnections: MaxConnections sessions get in over either
// transport, the next handshake is answered 503 before any upgrade, and a
// closed session frees its place.
func TestMaxConnections(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{MaxConnections: 2}})
	first := h.openPolling()
	h.openWS()
	status, body, hdr := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, nil)
	if status != http.StatusServiceUnavailable || body != `{"code":3,"message":"Server at capacity, try again later"}` || hdr.Get("Retry-After") != "5" {
		t.Fatalf("polling at capacity: %d %q Retry-After %q, want 503 with the capacity error", status, body, hdr.Get("Retry-After"))
	}
	if _, resp, err := h.dial("EIO=4&transport=websocket", nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("WebSocket dial at capacity: %v, %v; want refused with 503", resp, err)
	}
	if got := h.srv.CapacityRefusals(); got != 2 {
		t.Fatalf("CapacityRefusals() = %d, want 2", got)
	}
	if got := h.srv.Len(); got != 2 {
		t.Fatalf("Len() = %d after the refusals, want 2", got)
	}
	h.conn(first.SID).Close(ReasonForcedClose)
	eventually(t, func() bool { return h.srv.Len() == 1 }, "the closed session to be removed")
	h.openPolling() // its place is free again
	if got := h.srv.CapacityRefusals(); got != 2 {
		t.Fatalf("CapacityRefusals() = %d after a free place was taken, want 2", got)
	}
}
