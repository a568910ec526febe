// Package sqldb implements the store's interfaces once, over database/sql,
// for the SQLite and PostgreSQL backends. The two differ only in what a
// Dialect says: how a time is stored, how a row is locked for update, which
// errors are transient, and the migrations.
//
// Queries use $N placeholders, which both drivers accept. Every write runs
// in a transaction: the caller's (inside WithTx) or its own.
package sqldb
