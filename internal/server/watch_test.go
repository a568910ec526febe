package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
)

// TestPresenceWatched: with KIN_PRESENCE_SCOPE=watched a user's change
// reaches the user's own sockets and those that watch the user
// (presence:watch, from the real socket.io-client), not the rest of the
// department; a socket watches only departments it may see; a later
// watch replaces the earlier one; the ack answers the current presence.
func TestPresenceWatched(t *testing.T) {
	srv, hs := startServer(t, func(c *config.Config) { c.PresenceScope = config.PresenceWatched })
	tokens := map[string]string{}
	for _, p := range []auth.Principal{
		{UserID: "bob", Role: "agent", Department: "sales"},
		{UserID: "ann", Role: "agent", Department: "sales"},
		{UserID: "ann2", Role: "agent", Department: "sales"},
		{UserID: "cid", Role: "agent", Department: "sales"},
		{UserID: "dan", Role: "supervisor", Department: "support"},
		{UserID: "boss", Role: "admin"},
	} {
		p.Name = strings.ToUpper(p.UserID)
		tok, err := srv.Verifier().Mint(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tokens[p.UserID] = tok
	}
	spec := func(name string, emit ...emitSpec) clientSpec {
		return clientSpec{Name: name, Auth: map[string]string{"token": tokens[name]}, Emit: emit}
	}
	watch := func(payload any) emitSpec { return emitSpec{Event: events.WatchEvent, Payload: payload} }

	// GET /api/me says the scope.
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+tokens["ann"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(me), `"presenceScope":"watched"`) {
		t.Errorf("GET /api/me: %s", me)
	}

	// bob is online before the others watch him.
	bobs, results := startClients(t, hs.URL, []clientSpec{spec("bob")})
	if string(results["bob"]) != `"ok"` {
		t.Fatalf("bob: %s", results["bob"])
	}
	many := make([]string, events.MaxWatched+1)
	for i := range many {
		many[i] = "u" + strconv.Itoa(i)
	}
	nc, results := startClients(t, hs.URL, []clientSpec{
		spec("ann", watch(map[string]any{"userIds": []string{"bob", "nobody", "bob"}})),
		spec("ann2", watch(map[string]any{"userIds": []string{"bob"}}), watch(map[string]any{"userIds": []string{}})),
		spec("cid"),
		spec("dan", watch(map[string]any{"department": "sales", "userIds": []string{"bob"}}),
			watch(map[string]any{"userIds": many}), watch("bob"), watch(map[string]any{"userIds": []string{""}})),
		spec("boss", watch(map[string]any{"department": "sales", "userIds": []string{"bob"}}), watch(map[string]any{"userIds": []string{"bob"}})),
	})
	for n, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s: %s", n, r)
		}
	}
	type answer struct {
		Users []struct{ UserID, Department, Status string }
		Error string
	}
	ack := func(name string, i int) answer {
		t.Helper()
		a := nc.acks[name]
		if len(a) <= i {
			t.Fatalf("%s: %d acks", name, len(a))
		}
		// emitWithAck resolves with the first argument of the ack.
		var v answer
		if err := json.Unmarshal(a[i], &v); err != nil {
			t.Fatalf("%s's ack %d: %s: %v", name, i, a[i], err)
		}
		return v
	}
	if a := ack("ann", 0); a.Error != "" || len(a.Users) != 1 || a.Users[0].UserID != "bob" || a.Users[0].Status != "online" || a.Users[0].Department != "sales" {
		t.Errorf("ann's ack: %+v", a)
	}
	for i, want := range []string{"your own department", "at most 1000", "takes", "1 to 256 bytes"} {
		if a := ack("dan", i); !strings.Contains(a.Error, want) || len(a.Users) != 0 {
			t.Errorf("dan's ack %d: %+v, want an error with %q", i, a, want)
		}
	}
	if a := ack("boss", 0); a.Error != "" || len(a.Users) != 1 {
		t.Errorf("boss's ack: %+v", a)
	}
	if a := ack("boss", 1); !strings.Contains(a.Error, "none") {
		t.Errorf("an admin without a department must name one: %+v", a)
	}

	// bob goes away.
	setPresence(t, hs.URL, tokens["bob"], "away")
	srv.FlushPresence()
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().BroadcastSystemNotification(t.Context(), end); err != nil {
		t.Fatal(err)
	}
	// Watched changes are not kept in the activity log: once the end
	// marker (written after them) is there, none of bob's is.
	var activity string
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(activity, endMarker) && time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+"/api/activity", nil)
		req.Header.Set("Authorization", "Bearer "+tokens["bob"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		activity = string(b)
	}
	if !strings.Contains(activity, endMarker) || strings.Contains(activity, "user_presence_updated") {
		t.Errorf("bob's activity: %s", activity)
	}
	got := nc.received()
	for name, evs := range bobs.received() {
		got[name] = evs
	}
	sawBobAway := func(name string) bool {
		for _, ev := range got[name] {
			if string(ev[0]) == `"user_presence_updated"` && strings.Contains(string(ev[1]), `"userId":"bob"`) && strings.Contains(string(ev[1]), `"status":"away"`) {
				return true
			}
		}
		return false
	}
	for name, want := range map[string]bool{"bob": true, "ann": true, "boss": true, "ann2": false, "cid": false, "dan": false} {
		if sawBobAway(name) != want {
			t.Errorf("%s saw bob go away: %v, want %v", name, !want, want)
		}
	}
	// Nobody hears of anyone else's coming online: only their own.
	for name, evs := range got {
		for _, ev := range evs {
			if string(ev[0]) == `"user_presence_updated"` && !strings.Contains(string(ev[1]), `"userId":"bob"`) && !strings.Contains(string(ev[1]), `"userId":"`+name+`"`) {
				t.Errorf("%s got %s", name, ev[1])
			}
		}
	}
}
