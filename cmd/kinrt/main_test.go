package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRunRefusesBadConfiguration(t *testing.T) {
	t.Setenv("NEXTAUTH_SECRET", "")
	t.Setenv("AUTH_SECRET", "")
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
