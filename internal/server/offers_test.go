package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
)

// TestMyOffers: GET /api/taskrouter/offers lists the reservations waiting
// for the caller's own worker, so a page loaded after the offer still has
// it; answered offers leave the list.
func TestMyOffers(t *testing.T) {
	t.Parallel()
	srv, hs, tw := webhookServer(t, "")
	sally, _ := srv.Verifier().Mint(auth.Principal{UserID: "sally", Role: "agent", Department: "sales"}, time.Hour)
	pat, _ := srv.Verifier().Mint(auth.Principal{UserID: "pat", Role: "agent", Department: "support"}, time.Hour)
	offers := func(token string) []map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, hs.URL+"/api/taskrouter/offers", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("offers: %d %s", resp.StatusCode, body)
		}
		var l struct{ Items []map[string]any }
		if err := json.Unmarshal(body, &l); err != nil {
			t.Fatal(err)
		}
		return l.Items
	}
	ev := func(typ, sid string, v string) {
		t.Helper()
		f := form("EventType", typ, "Sid", sid, "TaskSid", "WT1", "ReservationSid", "WR1", "WorkerSid", "WK1",
			"TaskAttributes", `{"department":"sales"}`, "WorkerAttributes", `{"userId":"sally","department":"sales"}`,
			"TaskVersion", v, "ReservationVersion", v, "TimestampMs", v+"000", "TaskAssignmentStatus", "reserved")
		if status, body := tw.post("/api/webhooks/taskrouter", f); status != 204 {
			t.Fatalf("%s: %d %s", typ, status, body)
		}
	}
	// The worker is known from a worker event first.
	if status, body := tw.post("/api/webhooks/taskrouter", form("EventType", "worker.activity.update", "Sid", "EV0", "WorkerSid", "WK1",
		"WorkerAttributes", `{"userId":"sally","department":"sales"}`, "WorkerActivityName", "Available", "WorkerVersion", "1", "TimestampMs", "500")); status != 204 {
		t.Fatalf("worker: %d %s", status, body)
	}
	if got := offers(sally); len(got) != 0 {
		t.Fatalf("offers before any: %v", got)
	}
	ev("reservation.created", "EV1", "1")
	got := offers(sally)
	if len(got) != 1 || got[0]["reservationSid"] != "WR1" || got[0]["task"] == nil {
		t.Fatalf("sally's offers: %v", got)
	}
	if got := offers(pat); len(got) != 0 {
		t.Errorf("pat sees sally's offers: %v", got)
	}
	ev("reservation.accepted", "EV2", "2")
	if got := offers(sally); len(got) != 0 {
		t.Errorf("an accepted offer is still listed: %v", got)
	}
}
