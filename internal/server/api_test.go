package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
)

func TestInternalAPI(t *testing.T) {
	srv, hs := startServer(t, func(c *config.Config) { c.InternalAPIKey = "k3y" })
	token, _ := srv.Verifier().Mint(auth.Principal{UserID: "u1", Role: "agent", Department: "support", Expires: time.Now().Add(time.Hour)}, time.Hour)
	nc, results := startClients(t, hs.URL, []clientSpec{{Name: "agent", Auth: map[string]string{"token": token}}})
	if string(results["agent"]) != `"ok"` {
		t.Fatalf("agent: %s", results["agent"])
	}

	post := func(key, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/api/internal/events", strings.NewReader(body))
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		return resp.StatusCode, b.String()
	}
	tests := []struct {
		name, key, body string
		status          int
		contains        string
	}{
		{"no key", "", `{}`, 401, "unauthorized"},
		{"wrong key", "nope", `{}`, 401, "unauthorized"},
		{"not json", "k3y", `{`, 400, "JSON object"},
		{"no type", "k3y", `{"data":{}}`, 400, "type: is required"},
		{"no data", "k3y", `{"type":"call_incoming"}`, 400, "data: is required"},
		{"unknown type", "k3y", `{"type":"call_exploded","data":{}}`, 400, "unknown event type"},
		{"missing field", "k3y", `{"type":"call_incoming","data":{"from":"+1","to":"+2"}}`, 400, "callSid: is required"},
		{"wrong field type", "k3y", `{"type":"call_completed","data":{"callSid":"CA1","status":"completed","durationSeconds":"x"}}`, 400, "durationSeconds"},
		{"too large", "k3y", `{"type":"call_incoming","data":{"callerName":"` + strings.Repeat("x", 70<<10) + `"}}`, 413, "64 KiB"},
		{"published", "k3y", `{"type":"call_incoming","data":{"callSid":"CA1","from":"+1","to":"+2","department":"support"}}`, 202, `"id"`},
		{"other department", "k3y", `{"type":"call_incoming","data":{"callSid":"CA2","from":"+1","to":"+2","department":"sales"}}`, 202, `"id"`},
		{"end", "k3y", `{"type":"system_notification","data":{"level":"info","message":"` + endMarker + `","target":{"kind":"all"}}}`, 202, `"id"`},
	}
	for _, tt := range tests {
		status, body := post(tt.key, tt.body)
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.name, status, body, tt.status, tt.contains)
		}
	}
	got := withoutPresence(nc.received()["agent"])
	if len(got) != 1 {
		t.Fatalf("agent received %d events, want exactly the support call", len(got))
	}
	var call struct {
		CallSID string `json:"callSid"`
	}
	_ = json.Unmarshal(got[0][1], &call)
	if call.CallSID != "CA1" {
		t.Errorf("agent received %s", got[0][1])
	}
	m := scrape(t, srv)
	for _, want := range []string{
		`kinrt_events_emitted_total{type="call_incoming"} 2`,
		`kinrt_deliveries_total{namespace="/"} 3`, // the agent's own presence, the support call, the end marker
		`kinrt_events_emitted_total{type="user_presence_updated"} 1`,
		`kinrt_auth_failures_total{via="internal-api"} 2`,
		"\nkinrt_websocket_writes_total ", "\nkinrt_websocket_frames_written_total ",
		`kinrt_recoveries_total{result="recovered"} 0`, `kinrt_recoveries_total{result="refused"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q:\n%s", want, grepLines(m, "kinrt_"))
		}
	}
}

func TestInternalAPIDisabled(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, nil)
	resp, err := http.Post(hs.URL+"/api/internal/events", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404 while KIN_INTERNAL_API_KEY is unset", resp.StatusCode)
	}
}

// TestSessionExpiryDisconnects: a socket is disconnected (DISCONNECT
// packet, so the client does not reconnect on its own) when its session
// expires.
func TestSessionExpiryDisconnects(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, nil)
	token, err := srv.Verifier().Mint(auth.Principal{UserID: "u1", Role: "agent", Department: "sales"}, 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	read := func() string {
		t.Helper()
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return string(msg)
	}
	if m := read(); !strings.HasPrefix(m, "0{") {
		t.Fatalf("open: %s", m)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`40{"token":"`+token+`"}`))
	if m := read(); !strings.HasPrefix(m, `40{"sid"`) {
		t.Fatalf("connect: %s", m)
	}
	start := time.Now()
	for {
		m := read()
		if m == "41" {
			break
		}
		if m == "2" {
			_ = ws.WriteMessage(websocket.TextMessage, []byte("3"))
		}
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("disconnected after %v, the session lasted 1.5 s", waited)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, nil)
	if body := get(t, hs.URL+"/healthz"); !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: %s", body)
	}
	if body := get(t, hs.URL+"/readyz"); !strings.Contains(body, `"ready"`) {
		t.Errorf("readyz: %s", body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	resp, err := http.Get(hs.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz after shutdown: %d", resp.StatusCode)
	}
	if m := scrape(t, srv); !strings.Contains(m, "kinrt_connections 0") || !strings.Contains(m, `kinrt_sockets{namespace="/"} 0`) {
		t.Errorf("metrics:\n%s", grepLines(m, "kinrt_"))
	}
}
