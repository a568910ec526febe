package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
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

	srv.FlushPresence() // bob's change may wait for the end of sales's interval
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

// TestPresenceBatches: the changes of a department within one interval
// reach its sockets and the admins as one event listing them all, and
// nothing of it reaches another department.
func TestPresenceBatches(t *testing.T) {
	srv, hs := startServer(t, func(c *config.Config) { c.PresenceInterval = time.Hour })
	type user struct{ id, dept, role string }
	users := []user{{"ann", "sales", "agent"}, {"bob", "sales", "agent"}, {"cat", "sales", "supervisor"}, {"cid", "support", "agent"}, {"dan", "support", "agent"}, {"boss", "", "admin"}}
	tokens := map[string]string{}
	var specs []clientSpec
	for _, u := range users {
		tok, err := srv.Verifier().Mint(auth.Principal{UserID: u.id, Name: u.id, Role: u.role, Department: u.dept}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.id] = tok
		specs = append(specs, clientSpec{Name: u.id, Auth: map[string]string{"token": tok}})
	}
	nc, results := startClients(t, hs.URL, specs)
	for n, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s: %s", n, r)
		}
	}
	// Everyone is connected; each department had its first event at once
	// and waits for the interval's end for the rest. Now sales goes away.
	for _, id := range []string{"ann", "bob", "cat"} {
		setPresence(t, hs.URL, tokens[id], "away")
	}
	srv.FlushPresence()
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().BroadcastSystemNotification(t.Context(), end); err != nil {
		t.Fatal(err)
	}
	got := nc.received()
	deptOf := map[string]string{}
	for _, u := range users {
		deptOf[u.id] = u.dept
	}
	for _, u := range users {
		awayBatches := 0
		for _, ev := range got[u.id] {
			if string(ev[0]) != `"user_presence_updated"` {
				continue
			}
			var e events.UserPresenceUpdated
			if err := json.Unmarshal(ev[1], &e); err != nil {
				t.Fatal(err)
			}
			if err := e.Validate(); err != nil {
				t.Errorf("%s got an invalid event %s: %v", u.id, ev[1], err)
			}
			changes := e.Users
			if changes == nil {
				changes = []events.PresenceChange{{UserID: e.UserID, Status: e.Status}}
			}
			away := 0
			for _, c := range changes {
				if u.role != "admin" && deptOf[c.UserID] != u.dept {
					t.Errorf("%s (%s) saw %s of %s: %s", u.id, u.dept, c.UserID, deptOf[c.UserID], ev[1])
				}
				if c.Status == "away" {
					away++
				}
			}
			if away > 0 {
				awayBatches++
				if away != 3 || len(changes) != 3 || e.Department != "sales" {
					t.Errorf("%s: the away batch %s, want ann, bob and cat in one event", u.id, ev[1])
				}
			}
		}
		want := map[bool]int{true: 1, false: 0}[u.dept == "sales" || u.role == "admin"]
		if awayBatches != want {
			t.Errorf("%s saw %d away batches, want %d", u.id, awayBatches, want)
		}
	}
}

// setPresence sets the status of token's user with PUT /api/presence/me.
func setPresence(t *testing.T, base, token, status string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, base+"/api/presence/me", strings.NewReader(`{"status":"`+status+`"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /api/presence/me: %d", resp.StatusCode)
	}
}
