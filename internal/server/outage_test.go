package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// TestClusterRedisOutage stops the cluster's Redis and starts it again:
// meanwhile each node keeps delivering to its own clients and reports not
// ready; afterwards the nodes are ready and deliver to each other again.
func TestClusterRedisOutage(t *testing.T) {
	rs := testenv.StartRedisServer(t)
	nodes := startCluster(t, 2, func(c *config.Config) { c.RedisURL = rs.URL() })
	a, b := nodes[0], nodes[1]
	admin := auth.Principal{UserID: "ada", Role: "admin", Expires: time.Now().Add(time.Hour)}
	tok, _ := a.srv.Verifier().Mint(admin, time.Hour)
	onA, onB := dialRaw(t, a.hs.URL, nil), dialRaw(t, b.hs.URL, nil)
	for _, s := range []*rawSocket{onA, onB} {
		if _, ok := s.connect(map[string]string{"token": tok}); !ok {
			t.Fatal("refused")
		}
	}
	note := func(n clusterNode, msg string) {
		t.Helper()
		e := events.SystemNotification{Level: "info", Message: msg, Target: events.Target{Kind: events.TargetRole, Value: "admin"}}
		if err := n.srv.Broadcaster().BroadcastSystemNotification(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	// expect reads notifications until msg; those in skip may come first
	// (sent while the nodes were cut off: they may arrive late or never).
	expect := func(s *rawSocket, msg string, skip ...string) {
		t.Helper()
		for {
			name, payload, _ := s.event()
			if name != "system_notification" {
				continue
			}
			var p struct{ Message string }
			_ = json.Unmarshal(payload, &p)
			if p.Message == msg {
				return
			}
			late := false
			for _, k := range skip {
				late = late || p.Message == k
			}
			if !late {
				t.Fatalf("got %q, want %q", p.Message, msg)
			}
		}
	}
	note(a, "before")
	expect(onA, "before")
	expect(onB, "before")

	rs.Stop()
	stopped := time.Now()
	waitReady(t, a.hs.URL, http.StatusServiceUnavailable)
	waitReady(t, b.hs.URL, http.StatusServiceUnavailable)
	// Ten seconds without Redis, each node delivering to its own clients
	// all along (the outage; the nodes' reconnect backoff tops out
	// long before).
	var during []string
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for i := 0; time.Since(stopped) < outage; i++ {
		ma, mb := fmt.Sprintf("during-a-%d", i), fmt.Sprintf("during-b-%d", i)
		note(a, ma)
		note(b, mb)
		expect(onA, ma, during...) // local delivery goes on
		expect(onB, mb, during...)
		during = append(during, ma, mb)
		<-tick.C
	}

	rs.Start()
	waitReady(t, a.hs.URL, http.StatusOK)
	waitReady(t, b.hs.URL, http.StatusOK)
	note(a, "after-a")
	note(b, "after-b")
	expect(onB, "after-a", append(during, "after-b")...)
	expect(onA, "after-b", append(during, "after-a")...)
}

// outage is how long TestClusterRedisOutage keeps Redis down.
const outage = 10 * time.Second

// waitReady polls /readyz until it answers want.
func waitReady(t *testing.T, base string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz never answered %d", base, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
