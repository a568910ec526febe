package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
)

// TestInternalAPIRoom: "room" narrows an event to one of the rooms of its
// routing policy: a voicemail for its assignee's room reaches the assignee
// and not the rest of the department; a room the policy does not give is
// a 400 and publishes nothing.
func TestInternalAPIRoom(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.InternalAPIKey = "k3y" })
	mint := func(id string) string {
		tok, err := srv.Verifier().Mint(auth.Principal{UserID: id, Role: "agent", Department: "sales"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	nc, results := startClients(t, hs.URL, []clientSpec{
		{Name: "assignee", Auth: map[string]string{"token": mint("u1")}},
		{Name: "colleague", Auth: map[string]string{"token": mint("u2")}},
	})
	for name, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s: %s", name, r)
		}
	}
	post := func(body string) (int, string) { t.Helper(); return postInternal(t, hs.URL, "k3y", body) }
	const vm = `{"voicemailId":"vm1","callSid":"CA1","from":"+15550001","status":"new","department":"sales","assignedTo":"u1"}`
	for _, tt := range []struct {
		body     string
		status   int
		contains string
	}{
		{`{"type":"voicemail_created","room":"department-support","data":` + vm + `}`, 400,
			"room: must be one of the rooms that may see this voicemail_created: department-sales, role-admin, user-u1"},
		{`{"type":"voicemail_created","room":"user-u2","data":` + vm + `}`, 400, "room: must be one of"},
		{`{"type":"voicemail_created","room":"user-u1","data":` + vm + `}`, 202, `"id"`},
		{`{"type":"system_notification","data":{"level":"info","message":"` + endMarker + `","target":{"kind":"all"}}}`, 202, `"id"`},
	} {
		if status, body := post(tt.body); status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.body, status, body, tt.status, tt.contains)
		}
	}
	got := nc.received()
	names := func(who string) (out []string) {
		for _, ev := range withoutPresence(got[who]) {
			var name string
			_ = json.Unmarshal(ev[0], &name)
			out = append(out, name)
		}
		return out
	}
	if n := names("assignee"); len(n) != 1 || n[0] != "voicemail_created" {
		t.Errorf("assignee received %v, want the voicemail once", n)
	} else {
		var v struct {
			VoicemailID string `json:"voicemailId"`
			AssignedTo  string `json:"assignedTo"`
			ID          string `json:"id"`
		}
		_ = json.Unmarshal(withoutPresence(got["assignee"])[0][1], &v)
		if v.VoicemailID != "vm1" || v.AssignedTo != "u1" || v.ID == "" {
			t.Errorf("payload %s: want the voicemail's own fields and an id", withoutPresence(got["assignee"])[0][1])
		}
	}
	if n := names("colleague"); len(n) != 0 {
		t.Errorf("colleague received %v: the event was narrowed to user-u1", n)
	}
}
