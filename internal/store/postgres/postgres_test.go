package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/internal/store/postgres"
	"github.com/kin-comms/kinrt/internal/store/storetest"
	"github.com/kin-comms/kinrt/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.ClosePostgres()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			println("goleak:", err.Error())
			code = 1
		}
	}
	os.Exit(code)
}

// server is the test PostgreSQL (KIN_TEST_POSTGRES, or the local one).
func server(t testing.TB) *sql.DB { return testenv.Postgres(t) }

// newSchema creates a schema of the test's own and returns its URL.
func newSchema(t testing.TB) string { return testenv.PostgresSchema(t) }

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
	if err := server(t).QueryRow("SELECT count(*) FROM " + schemaOf(u) + ".schema_migrations").Scan(&n); err != nil || n != 2 { // 0001_init, 0002_stats_indexes
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

func BenchmarkSMSWebhook(b *testing.B) {
	st, err := store.Open(context.Background(), newSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storetest.BenchmarkSMSWebhook(b, st)
}
