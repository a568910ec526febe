package testenv

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/kin-comms/kinrt/socketio/redisadapter/redistest"
)

// DefaultPostgres is the test PostgreSQL when KIN_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DefaultRedis is the test Redis when REDIS_URL is unset.
const DefaultRedis = redistest.DefaultURL

var (
	pgOnce sync.Once
	pgDB   *sql.DB
	pgErr  error
)

// PostgresDSN is the test server's URL (KIN_TEST_POSTGRES or the default).
func PostgresDSN() string {
	if v := os.Getenv("KIN_TEST_POSTGRES"); v != "" {
		return v
	}
	return DefaultPostgres
}

// Postgres returns a connection to the test PostgreSQL, shared by the
// package's tests (close it in TestMain with ClosePostgres); unreachable,
// the test fails in CI and skips elsewhere.
func Postgres(t testing.TB) *sql.DB {
	t.Helper()
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", PostgresDSN())
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = db.PingContext(ctx)
			cancel()
			if err != nil {
				_ = db.Close()
			}
		}
		pgDB, pgErr = db, err
	})
	if pgErr != nil {
		Missing(t, "PostgreSQL at %s unreachable (set KIN_TEST_POSTGRES; scripts/test starts one): %v", PostgresDSN(), pgErr)
	}
	return pgDB
}

// ClosePostgres closes the connection Postgres opened, if any.
func ClosePostgres() {
	if pgErr == nil && pgDB != nil {
		_ = pgDB.Close()
	}
}

// PostgresSchema creates a schema of the test's own, dropped at its end,
// and returns the URL that uses it.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	db := Postgres(t)
	schema := "kin_test_" + RandomID()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(PostgresDSN())
	if err != nil {
		t.Fatalf("KIN_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// RedisURL returns the test Redis's URL (REDIS_URL or the default) after
// checking that it answers: redistest.URL, the library's test support,
// which this package shares rather than repeats.
func RedisURL(t testing.TB) string {
	t.Helper()
	return redistest.URL(t)
}

// RandomID returns 12 random hex digits, for schema names and key
// prefixes that keep concurrent tests apart (redistest.RandomID).
func RandomID() string { return redistest.RandomID() }

// RedisCluster is a Redis Cluster started by one test (redistest.Cluster).
type RedisCluster = redistest.Cluster

// StartRedisCluster starts a Redis Cluster of masters for the test
// (redistest.StartCluster).
func StartRedisCluster(t testing.TB, masters int) *RedisCluster {
	t.Helper()
	return redistest.StartCluster(t, masters)
}
