package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// A reconnecting client recovers its session (rooms and missed events);
// another user who learnt its private id does not.
func TestRecoveryBelongsToItsUser(t *testing.T) {
	srv, hs := startServer(t, nil)
	ann := auth.Principal{UserID: "ann", Role: "agent", Department: "sales"}
	bob := auth.Principal{UserID: "bob", Role: "agent", Department: "support"}
	annTok, _ := srv.Verifier().Mint(ann, time.Hour)
	bobTok, _ := srv.Verifier().Mint(bob, time.Hour)
	ctx := context.Background()
	note := func(msg string) {
		t.Helper()
		e := events.SystemNotification{Level: "info", Message: msg, Target: events.Target{Kind: events.TargetUser, Value: "ann"}}
		if err := srv.Broadcaster().BroadcastSystemNotification(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(rs *rawSocket, msg string) string {
		t.Helper()
		for {
			name, payload, offset := rs.event()
			var p struct{ Message string }
			_ = json.Unmarshal(payload, &p)
			if name == "system_notification" && p.Message == msg {
				return offset
			}
		}
	}

	first := dialRaw(t, hs.URL, nil)
	reply, ok := first.connect(map[string]string{"token": annTok})
	pid, _ := reply["pid"].(string)
	if !ok || pid == "" {
		t.Fatalf("connect: %v", reply)
	}
	note("one")
	offset := waitFor(first, "one")
	if offset == "" {
		t.Fatal("no recovery offset on the event")
	}
	first.close()
	// Wait until the server has seen the close: its socket is gone.
	deadline := time.Now().Add(5 * time.Second)
	for srv.Realtime().Of("/").Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the server kept the closed socket")
		}
		time.Sleep(5 * time.Millisecond)
	}
	note("missed")

	thief := dialRaw(t, hs.URL, nil)
	if reply, ok := thief.connect(map[string]string{"token": bobTok, "pid": pid, "offset": offset}); ok || reply["message"] != "unauthorized" {
		t.Fatalf("another user recovered ann's session: %v", reply)
	}

	again := dialRaw(t, hs.URL, nil)
	reply, ok = again.connect(map[string]string{"token": annTok, "pid": pid, "offset": offset})
	if !ok || reply["sid"] == nil {
		t.Fatalf("ann's recovery: %v", reply)
	}
	waitFor(again, "missed")
}
