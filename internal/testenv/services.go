package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/redis/go-redis/v9"
)

// DefaultPostgres is the test PostgreSQL when KIN_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DefaultRedis is the test Redis when REDIS_URL is unset.
const DefaultRedis = "redis://127.0.0.1:6379/0"

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
// checking that it answers; unreachable, the test fails in CI and skips
// elsewhere. Tests share it: give each its own key prefix (RandomID).
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		u = DefaultRedis
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

// RandomID returns 12 random hex digits, for schema names and key
// prefixes that keep concurrent tests apart.
func RandomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
