package config

import (
	"strings"
	"testing"
)

// TestCluster: KIN_CLUSTER defaults to redis with REDIS_URL and none
// without; postgres needs a PostgreSQL DATABASE_URL and no REDIS_URL.
func TestCluster(t *testing.T) {
	t.Parallel()
	const pg = "postgres://kin@db:5432/kin"
	for _, tt := range []struct {
		name   string
		env    map[string]string
		kind   string
		prefix string
		err    string
	}{
		{"default single", nil, ClusterNone, "socket.io", ""},
		{"default redis", map[string]string{"REDIS_URL": "redis://h:6379"}, ClusterRedis, "socket.io", ""},
		{"explicit redis", map[string]string{"KIN_CLUSTER": "redis", "REDIS_URL": "redis://h:6379"}, ClusterRedis, "socket.io", ""},
		{"postgres", map[string]string{"KIN_CLUSTER": "postgres", "DATABASE_URL": pg}, ClusterPostgres, "socket.io", ""},
		{"postgres, custom prefix", map[string]string{"KIN_CLUSTER": "Postgres", "DATABASE_URL": pg, "KIN_POSTGRES_PREFIX": "kin"}, ClusterPostgres, "kin", ""},
		{"explicit none", map[string]string{"KIN_CLUSTER": "none"}, ClusterNone, "socket.io", ""},
		{"postgres on sqlite", map[string]string{"KIN_CLUSTER": "postgres", "DATABASE_URL": "sqlite:./kin.db"}, "", "", "needs a postgres:// DATABASE_URL"},
		{"postgres on the default database", map[string]string{"KIN_CLUSTER": "postgres"}, "", "", "needs a postgres:// DATABASE_URL"},
		{"postgres and redis", map[string]string{"KIN_CLUSTER": "postgres", "DATABASE_URL": pg, "REDIS_URL": "redis://h:6379"}, "", "", "KIN_CLUSTER=postgres and REDIS_URL both set"},
		{"redis without URL", map[string]string{"KIN_CLUSTER": "redis"}, "", "", "KIN_CLUSTER=redis needs REDIS_URL"},
		{"none with REDIS_URL", map[string]string{"KIN_CLUSTER": "none", "REDIS_URL": "redis://h:6379"}, "", "", "KIN_CLUSTER=none but REDIS_URL is set"},
		{"unknown", map[string]string{"KIN_CLUSTER": "etcd"}, "", "", `KIN_CLUSTER: "etcd" is not none, redis or postgres`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{"NEXTAUTH_SECRET": "s"}
			for k, v := range tt.env {
				e[k] = v
			}
			c, err := Load(nil, env(e))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one about %s", err, tt.err)
				}
				return
			}
			if err != nil || c.ClusterKind() != tt.kind || c.PostgresPrefix != tt.prefix {
				t.Fatalf("kind %q prefix %q, %v; want %q %q", c.ClusterKind(), c.PostgresPrefix, err, tt.kind, tt.prefix)
			}
		})
	}
}
