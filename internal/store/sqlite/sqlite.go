package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/internal/store/internal/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune a SQLite store. The zero value is the default.
type Options struct {
	// BusyTimeout is how long a connection waits for a lock held by
	// another process before SQLITE_BUSY. Default 10 s.
	BusyTimeout time.Duration
	// Readers is the size of the read pool of a file database. Default 4.
	Readers int
}

func init() {
	store.Register("sqlite", func(ctx context.Context, url string) (store.Store, error) {
		return Open(ctx, url, nil)
	})
}

// MemoryURL is the URL of a private in-memory database.
const MemoryURL = "sqlite::memory:"

// Open opens (creating it and its directory if needed) and migrates the
// SQLite database of a "sqlite:PATH" or "sqlite::memory:" URL. opts may be
// nil.
func Open(ctx context.Context, url string, opts *Options) (store.Store, error) {
	path, ok := strings.CutPrefix(url, "sqlite:")
	switch {
	case !ok || path == "":
		return nil, fmt.Errorf("store: open sqlite: %w: want sqlite:PATH, got %q", store.ErrInvalid, url)
	case strings.ContainsAny(path, "?#"):
		return nil, fmt.Errorf("store: open sqlite: %w: the path may not contain '?' or '#'", store.ErrInvalid)
	}
	o := withDefaults(opts)
	if path == ":memory:" {
		return openMemory(ctx, o)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
		}
	}
	return openFile(ctx, path, o)
}

func withDefaults(opts *Options) Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.Readers <= 0 {
		o.Readers = 4
	}
	return o
}

func openFile(ctx context.Context, path string, o Options) (store.Store, error) {
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", o.BusyTimeout.Milliseconds())
	writer, err := sql.Open("sqlite", path+"?"+busy+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// The writer's first connection switches the file to WAL before any
	// reader opens it.
	if err := writer.PingContext(ctx); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", path+"?"+busy+"&_query_only=1")
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	reader.SetMaxOpenConns(o.Readers)
	reader.SetMaxIdleConns(o.Readers)
	return sqldb.New(ctx, writer, reader, dialect())
}

func openMemory(ctx context.Context, _ Options) (store.Store, error) {
	db, err := sql.Open("sqlite", ":memory:?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite memory: %w", err)
	}
	// Each connection to :memory: is a database of its own: keep one,
	// forever.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return sqldb.New(ctx, db, db, dialect())
}

func dialect() sqldb.Dialect {
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists: a build problem
	}
	return sqldb.Dialect{
		Name:       "sqlite",
		Time:       sqldb.SQLiteTime,
		Retryable:  retryable,
		Migrations: migrations,
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
		// modernc.org/sqlite parses and plans a statement at every
		// unprepared call.
		PrepareStatements: true,
	}
}

// retryable reports SQLITE_BUSY and SQLITE_LOCKED (and their extended
// codes): another connection held a lock past the busy timeout.
func retryable(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
