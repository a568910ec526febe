// Package sqlite is the store on SQLite (modernc.org/sqlite, pure Go): the
// embedded default, so that the service runs on a fresh machine with
// nothing installed. Importing it registers the "sqlite" scheme with
// store.Open: "sqlite:PATH" for a file, "sqlite::memory:" for a private
// in-memory database (tests).
//
// A file database runs in WAL mode with foreign keys on and a busy
// timeout. Writes go through a pool of exactly one connection, whose
// transactions begin IMMEDIATE, so writers of this process queue in Go
// instead of meeting SQLITE_BUSY; reads outside transactions use a
// separate pool of read-only connections, which WAL lets run beside the
// writer. A SQLITE_BUSY from another process (past the busy timeout) makes
// the transaction run again. An in-memory database has one connection for
// everything.
//
// The Store is safe for concurrent use; see package store for WithTx.
package sqlite
