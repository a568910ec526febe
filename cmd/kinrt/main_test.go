package main

import (
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
