package redistest_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio/redisadapter/redistest"
)

func TestClusterURL(t *testing.T) {
	tests := []struct {
		addrs []string
		want  string
	}{
		{[]string{"127.0.0.1:7000"}, "redis://127.0.0.1:7000"},
		{[]string{"127.0.0.1:7000", "127.0.0.1:7001"}, "redis://127.0.0.1:7000?addr=127.0.0.1:7001"},
		{[]string{"a:1", "b:2", "c:3"}, "redis://a:1?addr=b:2&addr=c:3"},
	}
	for _, tt := range tests {
		c := &redistest.Cluster{Addrs: tt.addrs}
		if got := c.URL(); got != tt.want {
			t.Errorf("Cluster%v.URL() = %q, want %q", tt.addrs, got, tt.want)
		}
	}
}

func TestRandomID(t *testing.T) {
	hex12 := regexp.MustCompile(`^[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := redistest.RandomID()
		if !hex12.MatchString(id) {
			t.Fatalf("RandomID() = %q, want 12 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("RandomID() repeated %q", id)
		}
		seen[id] = true
	}
}

// TestURL reaches the shared test Redis through the URL it returns.
func TestURL(t *testing.T) {
	opts, err := redis.ParseURL(redistest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	key := "redistest:" + redistest.RandomID()
	if err := rdb.Set(ctx, key, "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	defer rdb.Del(context.Background(), key)
	if got, err := rdb.Get(ctx, key).Result(); err != nil || got != "v" {
		t.Fatalf("GET %s = %q, %v; want v", key, got, err)
	}
}

// TestStartCluster starts a three-master cluster and writes through it.
func TestStartCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	if len(c.Addrs) != 3 {
		t.Fatalf("%d masters, want 3", len(c.Addrs))
	}
	opts, err := redis.ParseClusterURL(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClusterClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, k := range []string{"a", "b", "c", "d"} {
		if err := rdb.Set(ctx, k, k, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
}
