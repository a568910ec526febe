package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/kin-comms/kinrt/internal/store"
)

// migration is one numbered .sql file.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the numbered NNNN_name.sql files of fsys, in order.
func migrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(path.Base(name), ".sql"), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a number", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// Migrate applies, in one transaction, the migrations not applied yet.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations(db.d.Migrations)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", db.d.Name, err)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error { return db.migrate(ctx, tx, ms) })
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", db.d.Name, err)
	}
	return nil
}

func (db *DB) migrate(ctx context.Context, tx *sql.Tx, ms []migration) error {
	if db.d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.MigrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, db.d.MigrationsTable); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	applied, err := queryAll(ctx, tx, func(r scanner) (v int, err error) { return v, r.Scan(&v) },
		`SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	if len(ms) > 0 && len(applied) > 0 && slices.Max(applied) > ms[len(ms)-1].version {
		return fmt.Errorf("the database is at version %d, newer than this program's %d", slices.Max(applied), ms[len(ms)-1].version)
	}
	for _, m := range ms {
		if slices.Contains(applied, m.version) {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, db.d.Time(store.Now())); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}
