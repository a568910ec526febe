package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Records gives the record kinds, each behind its own small interface.
type Records interface {
	// Calls returns the calls and their status history.
	Calls() Calls
	// Recordings returns the recordings of calls and voicemails.
	Recordings() Recordings
	// Voicemails returns the voicemails.
	Voicemails() Voicemails
	// Conversations returns the SMS conversations.
	Conversations() Conversations
	// Messages returns the SMS and MMS messages.
	Messages() Messages
	// Tasks returns TaskRouter tasks and reservations.
	Tasks() Tasks
	// Workers returns TaskRouter workers.
	Workers() Workers
	// Activity returns the log of emitted events.
	Activity() Activity
	// Dedupe returns the webhook dedupe table.
	Dedupe() Dedupe
	// Stats returns the aggregates of the supervisor's view.
	Stats() Stats
}

// Tx is a transaction: the records it gives read and write inside it.
type Tx interface {
	Records
}

// Store is a database of records. Each method of the records it gives
// directly runs in a transaction of its own; use WithTx to make several
// writes commit together.
type Store interface {
	Records
	// WithTx runs fn in one transaction and commits it if fn returns nil;
	// otherwise it rolls back and returns fn's error. When the database
	// reports a transient conflict (SQLITE_BUSY, a PostgreSQL deadlock or
	// serialization failure) fn is run again in a new transaction, so fn
	// must have no effect outside the Tx (emit events after WithTx
	// returns).
	WithTx(ctx context.Context, fn func(tx Tx) error) error
	// Migrate applies the embedded migrations not applied yet. Open has
	// already called it; it is idempotent.
	Migrate(ctx context.Context) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database. Calls after Close fail.
	Close() error
}

// OpenFunc opens a store from a database URL of the scheme it was
// registered for, and migrates it.
type OpenFunc func(ctx context.Context, databaseURL string) (Store, error)

var (
	backendsMu sync.RWMutex
	backends   = map[string]OpenFunc{}
)

// Register makes a backend available to Open for URLs that start with
// scheme followed by a colon ("sqlite", "postgres"). Backends call it from
// init; registering a scheme twice panics, as it is a programming error.
func Register(scheme string, open OpenFunc) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if _, dup := backends[scheme]; dup {
		panic("store: Register called twice for " + scheme)
	}
	backends[scheme] = open
}

// Open opens and migrates the store that databaseURL names:
// "sqlite:PATH", "sqlite::memory:", "postgres://…" or "postgresql://…".
// The backend's package must be imported (for its registration).
func Open(ctx context.Context, databaseURL string) (Store, error) {
	scheme, _, ok := strings.Cut(databaseURL, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("store: open: %w: database URL must start with sqlite: or postgres://", ErrInvalid)
	}
	backendsMu.RLock()
	open := backends[strings.ToLower(scheme)]
	backendsMu.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("store: open: no backend for %q (registered: %s; import internal/store/sqlite or internal/store/postgres)",
			scheme, strings.Join(registered(), ", "))
	}
	return open(ctx, databaseURL)
}

func registered() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return []string{"none"}
	}
	return names
}
