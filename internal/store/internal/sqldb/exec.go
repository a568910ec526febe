package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

// querier is what a transaction and a pool have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a row or rows.
type scanner interface{ Scan(dest ...any) error }

// exec runs the statements of one repository method: in the caller's
// transaction if there is one, else in a transaction (writes) or on the
// reader pool (reads) of its own.
type exec struct {
	db *DB
	// tx is the querier of the caller's transaction (nil if none).
	tx querier
}

func (e exec) write(ctx context.Context, fn func(q querier) error) error {
	if e.tx != nil {
		return fn(e.tx)
	}
	return e.db.inTx(ctx, func(tx *sql.Tx) error { return fn(e.db.txQuerier(tx)) })
}

func (e exec) read(ctx context.Context, fn func(q querier) error) error {
	if e.tx != nil {
		return fn(e.tx)
	}
	return fn(e.db.rq)
}

// t returns the stored value of a time.
func (e exec) t(t time.Time) any { return e.db.d.Time(store.Truncate(t)) }

// tn is t, with NULL for the zero time.
func (e exec) tn(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return e.t(t)
}

func (e exec) forUpdate() string { return e.db.d.ForUpdate }

// ts scans a stored time (a time.Time, or text in RFC 3339) into *t; NULL
// gives the zero time.
type ts struct{ t *time.Time }

func (s ts) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = store.Truncate(x)
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("scan time: unsupported %T", v)
	}
	return nil
}

func (s ts) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time %q: %w", v, err)
	}
	*s.t = store.Truncate(t)
	return nil
}

// SQLiteTime is how the SQLite backend stores times: fixed-width UTC text
// with microseconds, so that text order is time order.
func SQLiteTime(t time.Time) any { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// where builds a WHERE clause with $N arguments.
type where struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// in adds the arguments of an IN list and returns "(…)".
func (w *where) in(values []string) string {
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = w.arg(v)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// scope adds the department condition of s; ok is false when s shows
// nothing.
func (w *where) scope(s store.Scope, column string) (ok bool) {
	if s.All {
		return true
	}
	if len(s.Departments) == 0 {
		return false
	}
	w.add(column + " IN " + w.in(s.Departments))
	return true
}

// after adds the keyset condition of a newest-first cursor.
func (e exec) after(w *where, kind, cursor, timeCol, idCol string) error {
	if cursor == "" {
		return nil
	}
	c, err := store.DecodeCursor(kind, cursor)
	if err != nil {
		return err
	}
	w.add("(" + timeCol + ", " + idCol + ") < (" + w.arg(e.t(c.At)) + ", " + w.arg(c.ID) + ")")
	return nil
}

// page cuts items (fetched with limit+1) to a page and its next cursor.
func page[T any](items []T, limit int, kind string, key func(T) (time.Time, string)) store.Page[T] {
	if len(items) <= limit {
		return store.Page[T]{Items: items}
	}
	items = items[:limit]
	at, id := key(items[limit-1])
	return store.Page[T]{Items: items, NextCursor: store.Cursor{Kind: kind, At: at, ID: id}.String()}
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// notFound turns sql.ErrNoRows into store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// invalid returns an error wrapping store.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrInvalid, fmt.Sprintf(format, args...))
}

// orNow returns t as stored, or now if t is zero.
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return store.Truncate(t)
}

// keep returns v, or old if v is empty.
func keep(v, old string) string {
	if v == "" {
		return old
	}
	return v
}
