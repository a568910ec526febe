package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// TestNotifications: who may send a system notification to whom, and who
// receives it (real sessions, real sockets).
func TestNotifications(t *testing.T) {
	srv, hs := startServer(t, nil)
	mint := func(p auth.Principal) string {
		tok, _ := srv.Verifier().Mint(p, time.Hour)
		return tok
	}
	admin := mint(auth.Principal{UserID: "ada", Role: "admin"})
	lead := mint(auth.Principal{UserID: "sam", Role: "supervisor", Department: "sales"})
	agent := mint(auth.Principal{UserID: "sally", Role: "agent", Department: "sales"})
	pat := mint(auth.Principal{UserID: "pat", Role: "agent", Department: "support"})
	nc, results := startClients(t, hs.URL, []clientSpec{
		{Name: "sally", Auth: map[string]string{"token": agent}},
		{Name: "pat", Auth: map[string]string{"token": pat}},
	})
	for n, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s: %s", n, r)
		}
	}
	post := func(token, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/api/notifications", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		name, token, body string
		status            int
	}{
		{"agent may not", agent, `{"level":"info","message":"hi","target":{"kind":"all"}}`, 403},
		{"supervisor to another department", lead, `{"level":"info","message":"hi","target":{"kind":"department","value":"support"}}`, 403},
		{"supervisor to everyone", lead, `{"level":"info","message":"hi","target":{"kind":"all"}}`, 403},
		{"bad level", admin, `{"level":"loud","message":"hi","target":{"kind":"all"}}`, 400},
		{"unknown field", admin, `{"level":"info","message":"hi","target":{"kind":"all"},"rooms":["x"]}`, 400},
		{"no message", admin, `{"level":"info","target":{"kind":"all"}}`, 400},
		{"supervisor to own department", lead, `{"level":"warning","title":"Queue","message":"sales queue is long","target":{"kind":"department","value":"sales"}}`, 202},
		{"admin to a user", admin, `{"level":"info","message":"for pat","target":{"kind":"user","value":"pat"}}`, 202},
	}
	for _, c := range cases {
		if status, body := post(c.token, c.body); status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, body, c.status)
		}
	}
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().BroadcastSystemNotification(t.Context(), end); err != nil {
		t.Fatal(err)
	}
	got := nc.received()
	messages := func(who string) string {
		var out []string
		for _, ev := range withoutPresence(got[who]) {
			out = append(out, string(ev[1]))
		}
		return strings.Join(out, "\n")
	}
	if m := messages("sally"); !strings.Contains(m, "sales queue is long") || strings.Contains(m, "for pat") {
		t.Errorf("sally received:\n%s", m)
	}
	if m := messages("pat"); !strings.Contains(m, "for pat") || strings.Contains(m, "sales queue") {
		t.Errorf("pat received:\n%s", m)
	}
}
