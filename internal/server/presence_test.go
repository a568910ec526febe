package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// TestPresenceAPI: presence is counted from real sockets, listed within
// the user's scope, set by the user, and announced to the department.
func TestPresenceAPI(t *testing.T) {
	srv, hs := startServer(t, nil)
	mint := func(p auth.Principal) string {
		tok, err := srv.Verifier().Mint(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	ann := mint(auth.Principal{UserID: "ann", Name: "Ann", Role: "agent", Department: "sales"})
	bob := mint(auth.Principal{UserID: "bob", Name: "Bob", Role: "agent", Department: "sales"})
	cid := mint(auth.Principal{UserID: "cid", Name: "Cid", Role: "agent", Department: "support"})
	boss := mint(auth.Principal{UserID: "boss", Name: "Boss", Role: "admin"})

	nc, results := startClients(t, hs.URL, []clientSpec{
		{Name: "ann", Auth: map[string]string{"token": ann}},
		{Name: "bob", Auth: map[string]string{"token": bob}},
		{Name: "cid", Auth: map[string]string{"token": cid}},
	})
	for n, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s: %s", n, r)
		}
	}

	call := func(method, token, body string, hdr map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, hs.URL+"/api/presence"+map[bool]string{true: "/me"}[method == http.MethodPut], strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	list := func(token string) map[string]string {
		t.Helper()
		status, body := call(http.MethodGet, token, "", nil)
		if status != http.StatusOK {
			t.Fatalf("GET /api/presence: %d %s", status, body)
		}
		var res struct {
			Items []struct {
				UserID, Status string
			}
		}
		_ = json.Unmarshal([]byte(body), &res)
		m := map[string]string{}
		for _, it := range res.Items {
			m[it.UserID] = it.Status
		}
		return m
	}

	if status, _ := call(http.MethodGet, "", "", nil); status != http.StatusUnauthorized {
		t.Errorf("no session: %d", status)
	}
	if got := list(ann); len(got) != 2 || got["ann"] != "online" || got["bob"] != "online" {
		t.Errorf("ann sees %v, want sales only", got)
	}
	if got := list(boss); len(got) != 3 {
		t.Errorf("admin sees %v, want everyone", got)
	}
	if status, body := call(http.MethodPut, bob, `{"status":"asleep"}`, nil); status != http.StatusBadRequest || !strings.Contains(body, "status") {
		t.Errorf("bad status: %d %s", status, body)
	}
	if status, _ := call(http.MethodPut, bob, `{"status":"away"}`, map[string]string{"Origin": "https://evil.example"}); status != http.StatusForbidden {
		t.Errorf("foreign origin PUT: %d", status)
	}
	if status, body := call(http.MethodPut, bob, `{"status":"away"}`, nil); status != http.StatusOK || !strings.Contains(body, `"away"`) {
		t.Errorf("set away: %d %s", status, body)
	}
	if got := list(ann); got["bob"] != "away" {
		t.Errorf("after bob's change ann sees %v", got)
	}

	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().BroadcastSystemNotification(t.Context(), end); err != nil {
		t.Fatal(err)
	}
	got := nc.received()
	sawAway := func(name string) bool {
		for _, ev := range got[name] {
			if string(ev[0]) == `"user_presence_updated"` && strings.Contains(string(ev[1]), `"userId":"bob"`) && strings.Contains(string(ev[1]), `"status":"away"`) {
				return true
			}
		}
		return false
	}
	if !sawAway("ann") {
		t.Error("ann (sales) did not see bob go away")
	}
	if sawAway("cid") {
		t.Error("cid (support) saw a sales user's presence")
	}
}
