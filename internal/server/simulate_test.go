package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/simulate"
	"github.com/kin-comms/kinrt/internal/store"
)

// TestSimulatorTraffic: the simulator's sequences (with retries and
// reordering) are accepted by the service, stored, and reach an admin.
func TestSimulatorTraffic(t *testing.T) {
	srv, hs, tw := webhookServer(t, "")
	admin, _ := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: "admin"}, time.Hour)
	nc, results := startClients(t, hs.URL, []clientSpec{{Name: "admin", Auth: map[string]string{"token": admin}}})
	if string(results["admin"]) != `"ok"` {
		t.Fatalf("admin: %s", results["admin"])
	}
	sim, err := simulate.New(simulate.Config{
		Target: hs.URL, PublicURL: tw.public, AuthToken: twilioToken,
		Numbers:       map[string]string{"sales": salesNumber, "support": supportNumber},
		Workers:       []simulate.Worker{{SID: "WK1", UserID: "sally", Department: "sales"}, {SID: "WK2", UserID: "pat", Department: "support"}},
		DuplicateRate: 0.3,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// 20 sequences make about 100 events: fewer than one page of the
	// log, so the comparison below sees the whole log.
	for i := 0; i < 20; i++ {
		if err := sim.Sequence(ctx); err != nil {
			t.Fatalf("sequence %d: %v", i, err)
		}
	}
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().BroadcastSystemNotification(ctx, end); err != nil {
		t.Fatal(err)
	}
	got := withoutPresence(nc.received()["admin"])
	logged, err := srv.Store().Activity().List(ctx, store.ActivityQuery{Rooms: []string{"role-admin"}, Limit: store.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	// Every event the admin received is in the activity log (the end
	// marker aside), and there is traffic of each kind.
	if len(logged) >= store.MaxPageSize {
		t.Fatalf("the log holds a full page (%d): the test must send fewer sequences", len(logged))
	}
	if len(got) < 20 || len(logged) < len(got) {
		t.Fatalf("admin received %d events, the log holds %d", len(got), len(logged))
	}
	seen := map[string]bool{}
	for _, ev := range got {
		seen[string(ev[0])] = true
	}
	for _, name := range []string{`"call_incoming"`, `"message_received"`} {
		if !seen[name] {
			t.Errorf("no %s in the simulated traffic: %v", name, seen)
		}
	}
}

// TestSimulatorReplies: with an API token, the simulator answers SMS
// conversations through the service (which sends through the fake
// Twilio) and delivers the replies' status callbacks, duplicated and out
// of order; every reply ends in a final status, never back at "sent".
func TestSimulatorReplies(t *testing.T) {
	e := newRestEnv(t)
	admin := e.mint(auth.Principal{UserID: "ada", Role: "admin"})
	sim, err := simulate.New(simulate.Config{
		Target: e.hs.URL, PublicURL: restPublicURL, AuthToken: restToken,
		Numbers:       map[string]string{"sales": salesNumber, "support": supportNumber},
		DuplicateRate: 0.5, APIToken: admin,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sent := func() int {
		n := 0
		for _, r := range e.tw.Requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/Messages.json") {
				n++
			}
		}
		return n
	}
	for i := 0; i < 200 && sent() < 5; i++ {
		if err := sim.Sequence(ctx); err != nil {
			t.Fatalf("sequence %d: %v", i, err)
		}
	}
	if sent() < 5 {
		t.Fatalf("%d replies sent through Twilio", sent())
	}
	var convs struct {
		Items []struct{ ID string }
	}
	e.expect("GET", "/api/conversations?limit=200", admin, "", 200, "").json(t, &convs)
	final := 0
	for _, c := range convs.Items {
		var msgs struct {
			Items []struct{ SID, Direction, Status, SentBy string }
		}
		e.expect("GET", "/api/conversations/"+c.ID+"/messages?limit=200", admin, "", 200, "").json(t, &msgs)
		for _, m := range msgs.Items {
			if m.Direction != "outbound" {
				continue
			}
			if m.Status != "delivered" && m.Status != "undelivered" {
				t.Errorf("reply %s ended %q", m.SID, m.Status)
			}
			if m.SentBy != "ada" {
				t.Errorf("reply %s sent by %q", m.SID, m.SentBy)
			}
			final++
		}
	}
	if final != sent() {
		t.Fatalf("%d replies stored, %d sent", final, sent())
	}
}
