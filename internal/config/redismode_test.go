package config

import (
	"strings"
	"testing"
)

// TestRedisMode: KIN_REDIS_MODE is single by default, cluster needs
// REDIS_URL, and the subscription mode is one of Node's three.
func TestRedisMode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		env       map[string]string
		mode, sub string
		err       string
	}{
		{"default", nil, RedisSingle, "dynamic", ""},
		{"cluster", map[string]string{"KIN_REDIS_MODE": "cluster", "REDIS_URL": "redis://127.0.0.1:7000?addr=127.0.0.1:7001"}, RedisCluster, "dynamic", ""},
		{"static", map[string]string{"KIN_REDIS_MODE": "cluster", "REDIS_URL": "redis://h:1", "KIN_REDIS_SUBSCRIPTION_MODE": "static"}, RedisCluster, "static", ""},
		{"cluster without URL", map[string]string{"KIN_REDIS_MODE": "cluster"}, "", "", "needs REDIS_URL"},
		{"unknown mode", map[string]string{"KIN_REDIS_MODE": "sentinel", "REDIS_URL": "redis://h:1"}, "", "", "KIN_REDIS_MODE"},
		{"unknown subscription mode", map[string]string{"KIN_REDIS_SUBSCRIPTION_MODE": "all"}, "", "", "KIN_REDIS_SUBSCRIPTION_MODE"},
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
			if err != nil || c.RedisMode != tt.mode || c.RedisSubscriptionMode != tt.sub {
				t.Fatalf("%+v, %v", c, err)
			}
		})
	}
}
