package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/testenv"
)

const internalKey = "internal-key-for-tests-0123456789"

// publishInternal publishes an event through a node's internal API.
func publishInternal(t *testing.T, base, typ string, data any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": typ, "data": data})
	req, _ := http.NewRequest("POST", base+"/api/internal/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+internalKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("publish %s on %s: %d", typ, base, resp.StatusCode)
	}
}

// TestClusterNodeKilled runs three kinrt processes on one link (Redis, or
// PostgreSQL alone) and one PostgreSQL, and SIGKILLs the node of a client:
// the client reconnects through the load balancer to another node and
// recovers every event it missed, once each and in order (on a link
// without recovery across nodes, recovers false, it would start a new
// session there and get the events published once it is back). A user whose only connection
// was on the dead node goes offline after the presence TTL, once; the user
// who reconnected never does.
func TestClusterNodeKilled(t *testing.T) {
	requireNode(t)
	eachClusterBackend(t, func(t *testing.T, b clusterBackend) {
		_, env, sessions := b.join(t)
		nodeKilled(t, env, sessions, b.recoversAcrossNodes)
	})
}

// nodeKilled is TestClusterNodeKilled on the link of linkEnv; sessions
// lists the sessions the link keeps (nil: it keeps none, and recovers is
// false).
func nodeKilled(t *testing.T, linkEnv []string, sessions func() ([]string, error), recovers bool) {
	env := append([]string{
		"NEXTAUTH_SECRET=" + testSecret,
		"DATABASE_URL=" + testenv.PostgresSchema(t),
		"KIN_INTERNAL_API_KEY=" + internalKey,
		"KIN_PRESENCE_TTL=4s",
		"SOCKET_IO_CORS_ORIGIN=https://app.example",
	}, linkEnv...)
	a, b, c := startKinrt(t, env), startKinrt(t, env), startKinrt(t, env)
	lb := startProxy(t, a.URL)

	v := mustVerifier(t)
	exp := time.Now().Add(time.Hour)
	ann := auth.Principal{UserID: "ann", Name: "Ann", Role: "agent", Department: "sales", Expires: exp}
	carl := auth.Principal{UserID: "carl", Name: "Carl", Role: "agent", Department: "sales", Expires: exp}
	ada := auth.Principal{UserID: "ada", Name: "Ada", Role: "admin", Expires: exp}
	tok := func(p auth.Principal) map[string]string {
		s, err := v.Mint(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"token": s}
	}
	specs := []clientSpec{
		// Ann reaches node A through the load balancer and reconnects.
		{Name: "ann", Auth: tok(ann), URL: lb.URL(), Transports: []string{"websocket"}, Reconnect: true},
		// Carl is on node A only.
		{Name: "carl", Auth: tok(carl), URL: a.URL, Transports: []string{"websocket"}},
		// Ada watches from node C.
		{Name: "ada", Auth: tok(ada), URL: c.URL, Transports: []string{"websocket"}},
	}
	nc, results := startClients(t, c.URL, specs)
	for name, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s did not connect: %s", name, r)
		}
	}
	note := func(node *kinrtProcess, i int) {
		publishInternal(t, node.URL, "system_notification", map[string]any{
			"level": "info", "message": fmt.Sprintf("n%d", i), "target": map[string]string{"kind": "user", "value": "ann"},
		})
	}
	for i := 0; i < 5; i++ {
		note(b, i)
	}
	// The three sessions are in Redis (a node keeps a socket's session
	// there once its connection handlers have run): a crash before that
	// is one no node can recover from.
	deadline := time.Now().Add(10 * time.Second)
	for sessions != nil {
		keys, err := sessions()
		if err == nil && len(keys) == len(specs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions in Redis: %v %v", keys, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.kill()
	lb.setTarget(b.URL)
	for i := 5; i < 10; i++ {
		note(b, i) // while Ann is away or back: missed or live
	}
	// Carl's node is gone: offline once the TTL has run out.
	deadline = time.Now().Add(20 * time.Second)
	for {
		status := ""
		for _, e := range presenceList(t, c.URL, tok(ada)["token"]) {
			if e.UserID == "carl" {
				status = e.Status
			}
		}
		if status == "offline" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("carl is still %q", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Ann has long been back (she reconnects within 250 ms; Carl's TTL is
	// 4 s): these reach her on every link.
	for i := 10; i < 15; i++ {
		note(b, i)
	}
	// The end marker from b too: a node's broadcasts keep their order, but
	// one published on c after b's answered may be logged before them (on
	// PostgreSQL, b's publish is answered once queued, and the offsets are
	// drawn at commit), and the clients stop reading at the marker.
	publishInternal(t, b.URL, "system_notification", map[string]any{
		"level": "info", "message": endMarker, "target": map[string]string{"kind": "all"},
	})
	got := nc.received()

	var annGot []string
	for _, ev := range got["ann"] {
		var p struct{ Message string }
		_ = json.Unmarshal(ev[1], &p)
		if p.Message != "" {
			annGot = append(annGot, p.Message)
		}
	}
	var want []string
	for i := 0; i < 15; i++ {
		want = append(want, fmt.Sprintf("n%d", i))
	}
	if recovers {
		if fmt.Sprint(annGot) != fmt.Sprint(want) {
			t.Errorf("ann received %v, want %v", annGot, want)
		}
		if r := nc.reconnects["ann"]; r.Recovered != 1 || r.Fresh != 0 {
			t.Errorf("ann's reconnects: %+v, want one recovered", r)
		}
	} else {
		// A new session: what she received before is what reached her
		// node before it died (those published just before the kill may
		// not have), then what was published once she was back: some of
		// n0…n9 in order, then n10…n14, once each.
		if r := nc.reconnects["ann"]; r.Recovered != 0 || r.Fresh != 1 {
			t.Errorf("ann's reconnects: %+v, want one fresh (no recovery across nodes)", r)
		}
		ok := len(annGot) >= 5 && fmt.Sprint(annGot[len(annGot)-5:]) == fmt.Sprint(want[10:])
		last := -1
		for _, m := range annGot[:max(len(annGot)-5, 0)] {
			var n int
			_, err := fmt.Sscanf(m, "n%d", &n)
			ok = ok && err == nil && n > last && n < 10
			last = n
		}
		if !ok {
			t.Errorf("ann received %v, want some of n0…n9 in order, then n10…n14", annGot)
		}
	}
	offline := map[string]int{}
	for _, ev := range got["ada"] {
		if string(ev[0]) != `"user_presence_updated"` {
			continue
		}
		var p events.UserPresenceUpdated
		_ = json.Unmarshal(ev[1], &p)
		for _, c := range p.Changes() { // batched or not
			if c.Status == "offline" {
				offline[c.UserID]++
			}
		}
	}
	if offline["carl"] != 1 || offline["ann"] != 0 {
		t.Errorf("offline events seen by ada: %v, want carl once and ann never", offline)
	}
}

func mustVerifier(t *testing.T) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(auth.Options{Secrets: []string{testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
