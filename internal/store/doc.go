// Package store holds KIN Realtime's records behind small interfaces, one
// per record kind: calls (with their status history), recordings,
// voicemails, conversations, messages, TaskRouter tasks, reservations and
// workers, the activity log that the activity feed reads, and the webhook
// dedupe table.
//
// Two implementations satisfy the interfaces: internal/store/sqlite (the
// embedded default, pure Go) and internal/store/postgres (pgx). Both are
// driven through one shared test suite, internal/store/storetest. A
// backend registers itself when its package is imported; [Open] picks one
// by the URL's scheme:
//
//	import _ "github.com/kin-comms/kinrt/internal/store/sqlite"
//
//	s, err := store.Open(ctx, "sqlite:./data/kin.db")
//
// # Webhooks: at least once in, exactly once out
//
// The writes that a webhook makes go through [Store.WithTx], so they
// commit together, and every write reports what it changed: an idempotent
// create returns created=false for a record that already existed, a status
// update returns a [Transition] saying whether the status moved forward.
// The caller emits its events after WithTx returns nil, and only for what
// changed; a retried webhook then changes nothing and emits nothing.
//
// Statuses are monotonic: each has a rank (see [CallStatusRank],
// [MessageStatusRank], [RecordingStatusRank]) and a late callback of a
// lower rank is appended to the record's history but changes no state.
//
// # Concurrency
//
// A Store is safe for concurrent use. Every method called on the Store
// itself runs in its own transaction. Inside WithTx, use only the [Tx]
// passed to the function: on SQLite the transaction holds the only writer
// connection, so a write through the Store would wait for it.
package store
