package sqldb

import (
	"context"
	"database/sql"
	"testing"

	_ "modernc.org/sqlite"
)

// openMemory returns a one-connection in-memory SQLite pool with a table t.
func openMemory(t *testing.T) *sql.DB {
	t.Helper()
	pool, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = pool.Close() })
	if _, err := pool.Exec(`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	return pool
}

// The cache prepares reads on first use, notes the queries of a
// transaction for after it (the one connection is the transaction's), holds
// no more than its bound, and falls back to plain calls.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	pool := openMemory(t)
	c := newStmtCache(pool, 3)
	r := newStmtQuerier(c, nil, pool)

	var n int
	if err := r.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("count: %d, %v", n, err)
	}
	if c.stmts[`SELECT count(*) FROM t`] == nil {
		t.Fatal("a read outside a transaction was not prepared")
	}

	insert := `INSERT INTO t (k, v) VALUES ($1, $2)`
	for i := range 3 {
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		w := newStmtQuerier(c, tx, pool)
		if _, err := w.ExecContext(ctx, insert, i, "x"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, ok := c.pending[insert]; !ok || c.stmts[insert] != nil {
				t.Fatal("a query of a transaction was not noted for later")
			}
		}
		c.flush(ctx)
		if c.stmts[insert] == nil || len(c.pending) != 0 {
			t.Fatalf("after a transaction: stmts %v, pending %v", c.stmts, c.pending)
		}
	}

	// A bad query is reported by the plain call, and not kept.
	if _, err := r.ExecContext(ctx, `INSERT INTO nowhere VALUES (1)`); err == nil {
		t.Fatal("a bad query ran")
	}
	if _, ok := c.stmts[`INSERT INTO nowhere VALUES (1)`]; ok {
		t.Fatal("a bad query was kept")
	}

	// Full: new queries run unprepared.
	for _, q := range []string{`SELECT v FROM t WHERE k = $1`, `SELECT k FROM t WHERE v = $1`} {
		var v any
		if err := r.QueryRowContext(ctx, q, 1).Scan(&v); err != nil && err != sql.ErrNoRows {
			t.Fatal(err)
		}
	}
	if len(c.stmts) != 3 {
		t.Fatalf("%d statements kept, want the bound, 3", len(c.stmts))
	}
	rows, err := r.QueryContext(ctx, `SELECT k FROM t ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	var ks []int
	for rows.Next() {
		var k int
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	if err := rows.Close(); err != nil || len(ks) != 3 {
		t.Fatalf("rows %v, %v", ks, err)
	}

	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if len(c.stmts) != 0 {
		t.Fatal("close kept statements")
	}
	// After close, plain calls.
	if err := r.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("count after close: %d, %v", n, err)
	}
	if len(c.stmts) != 0 {
		t.Fatal("a closed cache prepared")
	}
}
