package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
)

func TestRunRefusesBadConfiguration(t *testing.T) {
	t.Setenv("NEXTAUTH_SECRET", "")
	t.Setenv("AUTH_SECRET", "")
	t.Setenv("DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "kin.db")) // the demo's files go there
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"serve"}, "NEXTAUTH_SECRET"},
		{[]string{"serve", "--demo", "--addr", "nohost"}, "--addr"},
		{[]string{"serve", "--demo", "--database-url", "mysql://x"}, "DATABASE_URL"},
		{[]string{"serve", "--demo", "--redis-url", "http://127.0.0.1:6379"}, "REDIS_URL"},
		{[]string{"serve", "--demo", "--redis-url", "redis://127.0.0.1:1"}, "cannot reach Redis"},
		{[]string{"serve", "--demo", "--pprof-addr", "6060"}, "KIN_PPROF_ADDR"},
		{[]string{"serve", "--demo", "--admin-addr", "9464"}, "KIN_ADMIN_ADDR"},
		{[]string{"serve", "--demo", "--log-format", "xml"}, "KIN_LOG_FORMAT"},
		{[]string{"serve", "--demo", "--log-level", "trace"}, "KIN_LOG_LEVEL"},
		{[]string{"token", "--user", "u1"}, "--role"},
		{[]string{"token", "--user", "u1", "--role", "agent"}, "NEXTAUTH_SECRET"},
	}
	for _, tt := range tests {
		err := run(tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) = %v, want an error about %s", tt.args, err, tt.want)
		}
	}
}

func TestMigrate(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/kin.db"
	for i := 0; i < 2; i++ { // idempotent
		if err := run([]string{"migrate", "--database-url", db}); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	if err := run([]string{"migrate", "--database-url", "mysql://nope"}); err == nil {
		t.Error("migrate accepted a bad database URL")
	}
}

// TestPprofHandler: the profiles are served on their own handler (for
// --pprof-addr), the public one has none of them.
func TestPprofHandler(t *testing.T) {
	ts := httptest.NewServer(pprofHandler())
	defer ts.Close()
	for path, want := range map[string]string{"/debug/pprof/": "goroutine", "/debug/pprof/goroutine?debug=1": "goroutine profile:"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body without %q", path, resp.StatusCode, want)
		}
	}
}

// TestAdminAddrTaken: a node whose admin address is taken (another node's
// on the same machine) does not start, and says which setting to change.
func TestAdminAddrTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = run([]string{"serve", "--demo", "--simulate=false", "--addr", "127.0.0.1:0",
		"--database-url", "sqlite:" + filepath.Join(t.TempDir(), "kin.db"), "--admin-addr", taken.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "KIN_ADMIN_ADDR") {
		t.Fatalf("run with a taken admin address: %v, want a KIN_ADMIN_ADDR error", err)
	}
}

// TestAdminHandler: the admin listener serves the metrics, and the
// profiles only when KIN_PPROF_ADDR folds into it.
func TestAdminHandler(t *testing.T) {
	cfg, err := config.Load([]string{"--demo", "--database-url", "sqlite:" + filepath.Join(t.TempDir(), "kin.db")}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, profiles := range []bool{false, true} {
		ts := httptest.NewServer(adminHandler(srv, profiles))
		pprofStatus := http.StatusNotFound
		if profiles {
			pprofStatus = http.StatusOK
		}
		for path, want := range map[string]struct {
			status int
			body   string
		}{
			"/metrics":      {http.StatusOK, "kinrt_connections 0"},
			"/debug/pprof/": {pprofStatus, ""},
			"/nothing":      {http.StatusNotFound, `"error"`},
		} {
			resp, err := http.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want.status || !strings.Contains(string(body), want.body) {
				t.Errorf("profiles %v: GET %s: %d, want %d and %q in %.200s", profiles, path, resp.StatusCode, want.status, want.body, body)
			}
		}
		ts.Close()
	}
}
