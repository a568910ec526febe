// Package store holds KIN Realtime's records behind small interfaces, one
// per record kind: calls (with their status history), recordings,
// voicemails, conversations, messages, TaskRouter tasks, reservations and
// workers, the activity log that the activity feed reads, and the webhook
// dedupe table; [Stats] reads aggregates of them for the supervisor's view
// (GET /api/stats).
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
// # Text
//
// Both stores keep text alike, whatever a webhook carries: every text
// value written (each field of each record, IDs and SIDs included, the
// activity log's entries and the dedupe keys) is stored as [CleanText]
// gives it, with each NUL byte, and each run of bytes that is not valid
// UTF-8, replaced by U+FFFD ([Replacement]). PostgreSQL refuses both in
// text (SQLSTATE 22021), and a webhook it refused would be retried
// forever; SQLite would store them as they came. JSON values (the
// activity payload, TaskRouter attributes) are cleaned too, and their
// \u0000 escapes and lone surrogate escapes (\ud800), which PostgreSQL's
// jsonb refuses, become \ufffd. Keys are cleaned when read as when
// written, so a record is found by the key it was written with; two keys
// that differ only where the cleaning replaced something are one.
//
// The creates that read their record back (Calls.Create,
// Messages.Create, Voicemails.Create, Conversations.Ensure) return the
// text as stored; the other writes return the record built from the
// stored one and the update, whose text may be as given: read the record
// again for the stored text.
//
// # Concurrency
//
// A Store is safe for concurrent use. Every method called on the Store
// itself runs in its own transaction. Inside WithTx, use only the [Tx]
// passed to the function: on SQLite the transaction holds the only writer
// connection, so a write through the Store would wait for it.
package store
