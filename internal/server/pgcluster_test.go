package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// TestPostgresClusterRefused: a cluster on PostgreSQL is refused on SQLite
// and beside REDIS_URL, with the reason.
func TestPostgresClusterRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		mutate func(*config.Config)
		err    string
	}{
		{"sqlite", func(c *config.Config) {
			c.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
		}, "KIN_CLUSTER=postgres needs a postgres:// DATABASE_URL"},
		{"and redis", func(c *config.Config) {
			c.DatabaseURL = testenv.PostgresDSN()
			c.RedisURL = "redis://127.0.0.1:6379/0"
		}, "KIN_CLUSTER=postgres and REDIS_URL both set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(nil, func(k string) string {
				return map[string]string{"NEXTAUTH_SECRET": testSecret}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			cfg.Cluster = config.ClusterPostgres
			tt.mutate(&cfg)
			srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil {
				_ = srv.Close()
				t.Fatal("server.New accepted it")
			}
			if !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err %q, want one about %q", err, tt.err)
			}
		})
	}
}

// TestPostgresClusterLink: with KIN_CLUSTER=postgres a node exports its
// adapter's link (kinrt_cluster_adapter_healthy, kinrt_cluster_*) and no
// kinrt_redis_up.
// When the nodes lose PostgreSQL (a proxy in front of it refuses and cuts
// every connection) /readyz answers 503 and the adapter is not healthy;
// once it is back both recover and broadcasts cross nodes again.
func TestPostgresClusterLink(t *testing.T) {
	u, err := url.Parse(testenv.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	pg := "http://" + u.Host
	proxy := startProxy(t, pg)
	u.Host = strings.TrimPrefix(proxy.URL(), "http://")
	nodes := startClusterOn(t, postgresBackend, 2, func(c *config.Config) { c.DatabaseURL = u.String() })
	a, b := nodes[0], nodes[1]
	metric := func(srv *server.Server, want float64) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			mf := families(t, srv)
			healthy, _ := series(t, mf, "kinrt_cluster_adapter_healthy", nil)
			ready, _ := series(t, mf, "kinrt_ready", nil)
			if _, ok := mf["kinrt_redis_up"]; ok {
				t.Fatal("kinrt_redis_up on a cluster without Redis")
			}
			if healthy == want && ready == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("kinrt_cluster_adapter_healthy %v, kinrt_ready %v; want both %v", healthy, ready, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	metric(a.srv, 1)

	admin := auth.Principal{UserID: "ada", Role: "admin", Expires: time.Now().Add(time.Hour)}
	tok, _ := a.srv.Verifier().Mint(admin, time.Hour)
	onB := dialRaw(t, b.hs.URL, nil)
	if _, ok := onB.connect(map[string]string{"token": tok}); !ok {
		t.Fatal("refused")
	}
	note := func(msg string) {
		t.Helper()
		e := events.SystemNotification{Level: "info", Message: msg, Target: events.Target{Kind: events.TargetRole, Value: "admin"}}
		if err := a.srv.Broadcaster().BroadcastSystemNotification(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	// expect reads notifications on b until msg; those in skip may come
	// first.
	expect := func(msg string, skip ...string) {
		t.Helper()
		for {
			name, payload, _ := onB.event()
			if name != "system_notification" {
				continue
			}
			var p struct{ Message string }
			_ = json.Unmarshal(payload, &p)
			if p.Message == msg {
				return
			}
			if !slices.Contains(skip, p.Message) {
				t.Fatalf("got %q, want %q", p.Message, msg)
			}
		}
	}
	note("before")
	expect("before")

	proxy.setTarget("http://127.0.0.1:1") // refused
	proxy.drop()
	waitReady(t, a.hs.URL, http.StatusServiceUnavailable)
	waitReady(t, b.hs.URL, http.StatusServiceUnavailable)
	metric(a.srv, 0)
	note("during") // may reach b late, or never

	proxy.setTarget(pg)
	waitReady(t, a.hs.URL, http.StatusOK)
	waitReady(t, b.hs.URL, http.StatusOK)
	metric(a.srv, 1)
	metric(b.srv, 1)
	note("after")
	expect("after", "during")
	// The cut is counted: each node listened again (and "during", sent
	// while PostgreSQL was away, failed or is still queued).
	for _, n := range nodes {
		mf := families(t, n.srv)
		if got, _ := series(t, mf, "kinrt_cluster_subscriber_reconnects_total", nil); got < 1 {
			t.Errorf("kinrt_cluster_subscriber_reconnects_total %v after the cut, want at least 1", got)
		}
	}
	if failed, _ := series(t, families(t, a.srv), "kinrt_cluster_publish_failed_total", nil); failed < 1 {
		t.Errorf("kinrt_cluster_publish_failed_total %v on the node that published while PostgreSQL was away, want at least 1", failed)
	}
}
