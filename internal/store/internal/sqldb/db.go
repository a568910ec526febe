package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

// Dialect is what differs between the backends.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// ForUpdate is appended to a SELECT of a row about to be updated
	// (" FOR UPDATE"; SQLite, whose writer is alone, needs none).
	ForUpdate string
	// Time converts a UTC, microsecond time into the value stored.
	Time func(time.Time) any
	// Retryable reports a transient conflict: the transaction is run again.
	Retryable func(error) bool
	// Migrations holds the numbered NNNN_name.sql files.
	Migrations fs.FS
	// MigrationsTable creates schema_migrations if it does not exist.
	MigrationsTable string
	// MigrationLock, if not empty, runs first in the migration transaction
	// so that concurrent processes migrate one at a time.
	MigrationLock string
	// PrepareStatements keeps the repositories' statements prepared, each
	// once per connection (see stmtCache), for a driver that would
	// otherwise parse and plan a statement at every call.
	PrepareStatements bool
}

// maxAttempts bounds the runs of a transaction that meets transient
// conflicts.
const maxAttempts = 8

// DB is a store over database/sql. It implements store.Store.
type DB struct {
	writer *sql.DB
	reader *sql.DB
	d      Dialect
	// wstmts and rstmts are the statements prepared on writer and on
	// reader (the same cache if the pools are), or nil if the dialect
	// prepares none.
	wstmts, rstmts *stmtCache
	// rq is the querier of reads outside transactions (see txQuerier).
	rq querier
}

var _ store.Store = (*DB)(nil)

// New returns a store writing through writer and reading (outside
// transactions) through reader, which may be the same pool, and applies
// the migrations. It takes ownership of both pools, also on error.
func New(ctx context.Context, writer, reader *sql.DB, d Dialect) (*DB, error) {
	db := &DB{writer: writer, reader: reader, d: d}
	if d.PrepareStatements {
		db.wstmts = newStmtCache(writer, maxStmts)
		db.rstmts = db.wstmts
		if reader != writer {
			db.rstmts = newStmtCache(reader, maxStmts)
		}
	}
	db.rq = textQuerier{newStmtQuerier(db.rstmts, nil, reader)}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) exec() exec { return exec{db: db} }

// txQuerier returns the querier of tx, a write transaction. It and rq are
// the repositories' only queriers: both clean the text they are given
// (textQuerier).
func (db *DB) txQuerier(tx *sql.Tx) querier {
	return textQuerier{newStmtQuerier(db.wstmts, tx, db.writer)}
}

// Calls returns the calls.
func (db *DB) Calls() store.Calls { return calls{db.exec()} }

// Recordings returns the recordings.
func (db *DB) Recordings() store.Recordings { return recordings{db.exec()} }

// Voicemails returns the voicemails.
func (db *DB) Voicemails() store.Voicemails { return voicemails{db.exec()} }

// Conversations returns the conversations.
func (db *DB) Conversations() store.Conversations { return conversations{db.exec()} }

// Messages returns the messages.
func (db *DB) Messages() store.Messages { return messages{db.exec()} }

// Tasks returns the tasks and reservations.
func (db *DB) Tasks() store.Tasks { return tasks{db.exec()} }

// Workers returns the workers.
func (db *DB) Workers() store.Workers { return workers{db.exec()} }

// Activity returns the activity log.
func (db *DB) Activity() store.Activity { return activity{db.exec()} }

// Dedupe returns the webhook dedupe table.
func (db *DB) Dedupe() store.Dedupe { return dedupe{db.exec()} }

// Stats returns the aggregates.
func (db *DB) Stats() store.Stats { return stats{db.exec()} }

// WithTx runs fn in one transaction (see store.Store).
func (db *DB) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	if fn == nil {
		return fmt.Errorf("store: with tx: %w: nil function", store.ErrInvalid)
	}
	var fnErr error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		fnErr = fn(txRecords{exec{db: db, tx: db.txQuerier(tx)}})
		return fnErr
	})
	if err != nil && err != fnErr { // fn's own error is returned as is
		return fmt.Errorf("store: with tx: %w", err)
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.d.Name, err)
	}
	return nil
}

// Close closes the prepared statements, then the pools.
func (db *DB) Close() error {
	var err error
	if db.wstmts != nil {
		err = db.wstmts.close()
	}
	if db.rstmts != nil && db.rstmts != db.wstmts {
		err = errors.Join(err, db.rstmts.close())
	}
	err = errors.Join(err, db.writer.Close())
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close %s: %w", db.d.Name, err)
	}
	return nil
}

// inTx runs fn in a write transaction, again after a transient conflict.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	backoff := 2 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := db.once(ctx, fn)
		if db.wstmts != nil {
			db.wstmts.flush(ctx) // the queries first seen in the transaction
		}
		if err == nil || attempt == maxAttempts || !db.d.Retryable(err) {
			return err
		}
		wait := backoff/2 + rand.N(backoff)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		backoff = min(2*backoff, 250*time.Millisecond)
	}
}

func (db *DB) once(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

// txRecords gives the records inside one transaction.
type txRecords struct{ e exec }

func (t txRecords) Calls() store.Calls                 { return calls{t.e} }
func (t txRecords) Recordings() store.Recordings       { return recordings{t.e} }
func (t txRecords) Voicemails() store.Voicemails       { return voicemails{t.e} }
func (t txRecords) Conversations() store.Conversations { return conversations{t.e} }
func (t txRecords) Messages() store.Messages           { return messages{t.e} }
func (t txRecords) Tasks() store.Tasks                 { return tasks{t.e} }
func (t txRecords) Workers() store.Workers             { return workers{t.e} }
func (t txRecords) Activity() store.Activity           { return activity{t.e} }
func (t txRecords) Dedupe() store.Dedupe               { return dedupe{t.e} }
func (t txRecords) Stats() store.Stats                 { return stats{t.e} }
