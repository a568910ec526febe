package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/internal/store/internal/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune a PostgreSQL store. The zero value is the default.
type Options struct {
	// MaxConns is the most open connections. Default 10.
	MaxConns int
	// ConnectTimeout bounds the first connection at Open. Default 10 s.
	ConnectTimeout time.Duration
}

func init() {
	open := func(ctx context.Context, url string) (store.Store, error) { return Open(ctx, url, nil) }
	store.Register("postgres", open)
	store.Register("postgresql", open)
}

// migrationLockID is the advisory lock key held while migrating.
const migrationLockID = 0x4b494e5254 // "KINRT"

// Open connects to and migrates the database of a postgres:// or
// postgresql:// URL. opts may be nil.
func Open(ctx context.Context, url string, opts *Options) (store.Store, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, fmt.Errorf("store: open postgres: %w: want postgres://…", store.ErrInvalid)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: keep it out.
		return nil, fmt.Errorf("store: open postgres: %w: the URL does not parse", store.ErrInvalid)
	}
	o := withDefaults(opts)
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(o.MaxConns)
	db.SetMaxIdleConns(o.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open postgres %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	return sqldb.New(ctx, db, db, dialect())
}

func withDefaults(opts *Options) Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 10
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	return o
}

func dialect() sqldb.Dialect {
	migrations, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists: a build problem
	}
	return sqldb.Dialect{
		Name:       "postgres",
		ForUpdate:  " FOR UPDATE",
		Time:       func(t time.Time) any { return t },
		Retryable:  retryable,
		Migrations: migrations,
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
		MigrationLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockID),
	}
}

// retryable reports a serialization failure or a deadlock.
func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
}
