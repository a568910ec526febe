package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/internal/store/sqlite"
	"github.com/kin-comms/kinrt/internal/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func fileURL(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "kin.db") }

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) string { return fileURL(t) })
}

func TestMemoryDatabasesAreSeparate(t *testing.T) {
	ctx := t.Context()
	a, err := store.Open(ctx, sqlite.MemoryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, sqlite.MemoryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, _, err := a.Calls().Create(ctx, store.Call{SID: "CA1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Calls().Get(ctx, "CA1"); err != nil {
		t.Errorf("a: %v", err)
	}
	if _, err := b.Calls().Get(ctx, "CA1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("b sees a's call: %v", err)
	}
}

func TestOpenCreatesDirectoryInWALMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "kin.db")
	st, err := store.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %s, want wal", mode)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != 2 { // 0001_init, 0002_stats_indexes
		t.Errorf("schema_migrations: %d rows, %v", n, err)
	}
}

func TestOpenRefusesBadURLs(t *testing.T) {
	for _, url := range []string{"sqlite:", "sqlite:kin.db?mode=ro", "sqlite:a#b", "sqlit:x", "nothing"} {
		if _, err := store.Open(t.Context(), url); err == nil {
			t.Errorf("%q: opened", url)
		}
	}
	if _, err := sqlite.Open(t.Context(), "postgres://x", nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("postgres URL: %v", err)
	}
}

func TestOpenFailsOnAFileThatIsNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kin.db")
	if err := os.WriteFile(path, []byte("this is not a database, just text, long enough to be read as a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := store.Open(t.Context(), "sqlite:"+path); err == nil {
		st.Close()
		t.Fatal("opened a text file")
	}
}

// Another process holding the write lock past the busy timeout: the
// store's transaction is retried, and no SQLITE_BUSY reaches the caller.
func TestBusyFromAnotherConnectionIsRetried(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kin.db")
	ctx := t.Context()
	st, err := sqlite.Open(ctx, "sqlite:"+path, &sqlite.Options{BusyTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(20)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	release := time.AfterFunc(150*time.Millisecond, func() { _, _ = conn.ExecContext(context.Background(), "COMMIT") })
	defer release.Stop()
	start := time.Now()
	if _, _, err := st.Calls().Create(ctx, store.Call{SID: "CA1"}); err != nil {
		t.Fatalf("create while another connection writes: %v", err)
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Errorf("the write did not wait for the lock (%v)", time.Since(start))
	}
}

func BenchmarkCallStatusWebhook(b *testing.B) {
	st, err := store.Open(context.Background(), fileURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storetest.BenchmarkCallStatus(b, st)
}

func BenchmarkSMSWebhook(b *testing.B) {
	st, err := store.Open(context.Background(), fileURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storetest.BenchmarkSMSWebhook(b, st)
}

// A database migrated by a newer program is refused, not written to.
func TestOpenRefusesANewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kin.db")
	st, err := store.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', '2099-01-01T00:00:00.000000Z')")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := store.Open(t.Context(), "sqlite:"+path); err == nil {
		st.Close()
		t.Fatal("opened a database of a newer schema")
	}
}
