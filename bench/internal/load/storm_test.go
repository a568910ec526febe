package load

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
)

// TestStorm runs the storm scenario for a tiny point against the service
// in process, restart included, and checks that it settles with every
// user online for every observer, nothing leaked, and deliveries counted
// (not how fast).
func TestStorm(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	admin, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"NEXTAUTH_SECRET":       "bench-test-secret-0123456789abcdef",
		"DATABASE_URL":          "sqlite:" + filepath.Join(t.TempDir(), "kin.db"),
		"KIN_PRESENCE_INTERVAL": "50ms",
	}
	cfg, err := config.Load([]string{"-addr", addr}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	type running struct {
		srv        *server.Server
		hs, admins *http.Server
	}
	start := func(ln net.Listener) running {
		srv, err := server.New(cfg, quiet)
		if err != nil {
			t.Fatal(err)
		}
		r := running{srv: srv, hs: &http.Server{Handler: srv.Handler()}, admins: &http.Server{Handler: srv.AdminHandler()}}
		go func() { _ = r.hs.Serve(ln) }()
		go func() { _ = r.admins.Serve(admin) }()
		return r
	}
	stop := func(r running) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.hs.Close() // a crash, as far as the clients can tell
		_ = r.admins.Close()
		_ = r.srv.Shutdown(ctx)
	}
	cur := start(ln)
	defer func() { stop(cur) }()

	res, err := Storm(context.Background(), Target{Addr: addr}, StormConfig{
		Clients: 12, Departments: 3, Secret: env["NEXTAUTH_SECRET"], AdminAddr: admin.Addr().String(),
		Target: time.Hour, Quiet: 200 * time.Millisecond,
		Restart: func(context.Context) (int, error) {
			stop(cur)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return 0, err
			}
			if admin, err = net.Listen("tcp", admin.Addr().String()); err != nil {
				return 0, err
			}
			cur = start(ln)
			return 0, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("storm %+v", res.Storm)
	if res.Restart != nil {
		t.Logf("restart %+v", *res.Restart)
	}
	for name, ph := range map[string]*StormPhase{"storm": &res.Storm, "restart": res.Restart} {
		if ph == nil {
			t.Fatalf("%s: no result", name)
		}
		// Every user's presence reached the others of its department and
		// the admin observer: at least one event each, fewer deliveries
		// than one event per user to each of them.
		if !ph.WithinTarget || ph.Leaked != 0 || ph.PresenceEvents == 0 || ph.Deliveries <= 0 || ph.SettledSecs < ph.ConnectSecs {
			t.Errorf("%s: %+v", name, *ph)
		}
	}
	if res.Lost != 0 {
		t.Errorf("lost %d", res.Lost)
	}
}
