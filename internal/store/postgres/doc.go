// Package postgres is the store on PostgreSQL, through pgx v5. Importing it
// registers the "postgres" and "postgresql" schemes with store.Open; the
// URL is a libpq/pgx connection string ("postgres://user@host:5432/db?
// sslmode=disable&search_path=kin").
//
// It uses pgx as a database/sql driver (pgx/v5/stdlib) rather than the
// native pgxpool API, so that both backends share one implementation of
// every query and transaction (internal/store/internal/sqldb) and the
// shared test suite checks one code path twice. The store's statements are
// small and few per webhook; what native pgx would add (binary COPY,
// batching, its own pool) is not what this workload needs.
//
// Rows about to change are locked with SELECT … FOR UPDATE inside the
// transaction (READ COMMITTED), so concurrent webhooks for one record
// apply one after the other; a deadlock or serialization failure makes
// the transaction run again. Migrations take a transaction-scoped advisory
// lock, so several processes starting together migrate once.
//
// The Store is safe for concurrent use; see package store for WithTx.
package postgres
