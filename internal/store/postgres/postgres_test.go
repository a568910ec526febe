package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the harness
	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/internal/store/postgres"
	"github.com/kin-comms/kinrt/internal/store/storetest"
)

// defaultDSN is the test server when KIN_TEST_POSTGRES is not set.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func TestMain(m *testing.M) {
	code := m.Run()
	if admin != nil {
		_ = admin.Close()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			println("goleak:", err.Error())
			code = 1
		}
	}
	os.Exit(code)
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

func dsn() string {
	if v := os.Getenv("KIN_TEST_POSTGRES"); v != "" {
		return v
	}
	return defaultDSN
}

// server returns a connection to the test server, or fails the test when
// CI is set and skips it otherwise if the server cannot be reached.
func server(t testing.TB) *sql.DB {
	t.Helper()
	adminOnce.Do(func() {
		db, err := sql.Open("pgx", dsn())
		if err != nil {
			adminErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			adminErr = err
			return
		}
		admin = db
	})
	if adminErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at KIN_TEST_POSTGRES (or %s) unreachable, and CI is set: %v", defaultDSN, adminErr)
		}
		t.Skipf("PostgreSQL unreachable (set KIN_TEST_POSTGRES; CI fails instead of skipping): %v", adminErr)
	}
	return admin
}

// newSchema creates a schema of its own for the test, dropped at its end,
// and returns the URL that uses it.
func newSchema(t testing.TB) string {
	t.Helper()
	db := server(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "kin_test_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn())
	if err != nil {
		t.Fatalf("KIN_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestSuite(t *testing.T) {
	server(t)
	storetest.Run(t, func(t *testing.T) string { return newSchema(t) })
}

func TestOpenSchemes(t *testing.T) {
	u := newSchema(t)
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		st, err := store.Open(t.Context(), scheme+strings.TrimPrefix(u, "postgres://"))
		if err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
		if err := st.Ping(t.Context()); err != nil {
			t.Error(err)
		}
		st.Close()
	}
}

// Several processes starting at once migrate the database once.
func TestConcurrentMigrations(t *testing.T) {
	u := newSchema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			st, err := store.Open(t.Context(), u)
			if err == nil {
				err = st.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var n int
	if err := server(t).QueryRow("SELECT count(*) FROM " + schemaOf(u) + ".schema_migrations").Scan(&n); err != nil || n != 1 {
		t.Errorf("schema_migrations: %d rows, %v", n, err)
	}
}

func schemaOf(u string) string {
	p, _ := url.Parse(u)
	return p.Query().Get("search_path")
}

func TestOpenErrors(t *testing.T) {
	server(t)
	ctx := t.Context()
	if _, err := postgres.Open(ctx, "sqlite:x", nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("sqlite URL: %v", err)
	}
	if _, err := postgres.Open(ctx, "postgres://u:secret@[::1:5432/db", nil); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("unparsable URL: %v (must not show the password)", err)
	}
	_, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", &postgres.Options{ConnectTimeout: 2 * time.Second})
	if err == nil {
		t.Error("opened a closed port")
	}
}

func BenchmarkCallStatusWebhook(b *testing.B) {
	st, err := store.Open(context.Background(), newSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storetest.BenchmarkCallStatus(b, st)
}
