// Package redistest gives tests the Redis they need: the shared test server
// (URL, with RandomID key prefixes that keep concurrent tests apart) and a
// Redis Cluster of their own (StartCluster). It is the test support of
// redisadapter and emitter, published so that an application's tests (and
// this repository's service) reuse it. With CI set in the environment a
// missing Redis fails the test; elsewhere it skips it, saying what fixes it.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultURL is the test Redis when REDIS_URL is unset.
const DefaultURL = "redis://127.0.0.1:6379/0"

// Missing fails the test when CI is set and skips it elsewhere.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// URL returns the test Redis's URL (REDIS_URL or DefaultURL) after
// checking that it answers; unreachable, the test fails in CI and skips
// elsewhere. Tests share it: give each its own key prefix (RandomID).
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		u = DefaultURL
	}
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		Missing(t, "Redis at %s unreachable (set REDIS_URL; scripts/test starts one): %v", u, err)
	}
	return u
}

// RandomID returns 12 random hex digits, for key prefixes (and schema
// names) that keep concurrent tests apart.
func RandomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
