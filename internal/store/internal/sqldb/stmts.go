package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxStmts bounds the statements a stmtCache prepares. The queries of the
// repositories are a few hundred at most; the dynamic ones (a where with
// an IN list of any length) may be many more: once the cache is full, new
// queries run unprepared.
const maxStmts = 512

// stmtCache keeps the statements prepared on one pool, by query text, so
// that each is parsed and planned once per connection rather than once per
// call.
//
// Outside transactions a query is prepared on first use. Inside one it
// cannot be: the pool's connection may be the transaction's (SQLite's
// writer has only one), so a query first seen in a transaction is only
// noted, and prepared by flush once the transaction has ended; the
// transactions after it use the statement through Tx.StmtContext, which
// reuses what the transaction's connection has prepared.
type stmtCache struct {
	pool *sql.DB
	max  int

	mu      sync.RWMutex
	stmts   map[string]*sql.Stmt
	pending map[string]struct{} // seen in a transaction, to prepare
	closed  bool
}

// newStmtCache returns an empty cache of at most max statements prepared
// on pool.
func newStmtCache(pool *sql.DB, max int) *stmtCache {
	return &stmtCache{pool: pool, max: max, stmts: map[string]*sql.Stmt{}, pending: map[string]struct{}{}}
}

// get returns the statement of query, or nil (run it unprepared). Outside
// a transaction (inTx false) it prepares a query not seen before if there
// is room; in one it notes the query for flush.
func (c *stmtCache) get(ctx context.Context, query string, inTx bool) *sql.Stmt {
	c.mu.RLock()
	s, ok := c.stmts[query]
	_, isPending := c.pending[query]
	full := c.closed || len(c.stmts)+len(c.pending) >= c.max
	c.mu.RUnlock()
	switch {
	case ok:
		return s
	case isPending || full:
		return nil
	case inTx:
		c.mu.Lock()
		if !c.closed && len(c.stmts)+len(c.pending) < c.max {
			if _, ok := c.stmts[query]; !ok {
				c.pending[query] = struct{}{}
			}
		}
		c.mu.Unlock()
		return nil
	}
	s, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil // the plain call reports the error
	}
	return c.add(query, s)
}

// add stores s, the statement of query just prepared, and returns the
// statement to use: s, or one stored meanwhile, or nil when there is no
// room (s is then closed).
func (c *stmtCache) add(query string, s *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	old, ok := c.stmts[query]
	_, isPending := c.pending[query]
	room := !c.closed && (isPending || len(c.stmts)+len(c.pending) < c.max)
	if !ok && room {
		delete(c.pending, query)
		c.stmts[query] = s
	}
	c.mu.Unlock()
	switch {
	case ok:
		_ = s.Close()
		return old
	case !room:
		_ = s.Close()
		return nil
	}
	return s
}

// flush prepares the queries noted in transactions. It runs after a
// transaction has ended, when the pool has a connection for it; a query
// that does not prepare is dropped (and noted again when next seen).
func (c *stmtCache) flush(ctx context.Context) {
	c.mu.RLock()
	n := len(c.pending)
	c.mu.RUnlock()
	if n == 0 || ctx.Err() != nil {
		return
	}
	c.mu.Lock()
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	c.mu.Unlock()
	for _, q := range queries {
		s, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			c.mu.Lock()
			delete(c.pending, q)
			c.mu.Unlock()
			continue
		}
		c.add(q, s)
	}
}

// close closes the statements; the cache then prepares no more.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.Close())
		delete(c.stmts, q)
	}
	clear(c.pending)
	return errors.Join(errs...)
}

// stmtQuerier is a querier that runs through the statements of its cache
// the queries prepared there, and the others as plain calls of q.
type stmtQuerier struct {
	c *stmtCache
	// tx, when not nil, is the transaction q is: a cached statement runs
	// in it through Tx.StmtContext.
	tx *sql.Tx
	q  querier
	// inTx holds the statements of the cache already bound to tx, so that
	// a statement run again in the transaction is bound once; mu guards it.
	mu   sync.Mutex
	inTx []txStmt
	buf  [8]txStmt // inTx's first array
}

// txStmt is a cached statement and the same bound to a transaction.
type txStmt struct{ s, ts *sql.Stmt }

// newStmtQuerier returns the querier of tx, or of pool if tx is nil (pool
// is c's), through the statements of c; if c is nil, tx or pool itself.
func newStmtQuerier(c *stmtCache, tx *sql.Tx, pool *sql.DB) querier {
	var q querier = pool
	if tx != nil {
		q = tx
	}
	if c == nil {
		return q
	}
	p := &stmtQuerier{c: c, tx: tx, q: q}
	p.inTx = p.buf[:0]
	return p
}

// stmt returns the cached statement of query, bound to the transaction if
// there is one, or nil.
func (p *stmtQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	s := p.c.get(ctx, query, p.tx != nil)
	if s == nil || p.tx == nil {
		return s
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, x := range p.inTx {
		if x.s == s {
			return x.ts
		}
	}
	ts := p.tx.StmtContext(ctx, s) // closed with the transaction
	p.inTx = append(p.inTx, txStmt{s, ts})
	return ts
}

// ExecContext is sql.DB's and sql.Tx's.
func (p *stmtQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.q.ExecContext(ctx, query, args...)
}

// QueryContext is sql.DB's and sql.Tx's.
func (p *stmtQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.q.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.DB's and sql.Tx's.
func (p *stmtQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.q.QueryRowContext(ctx, query, args...)
}
