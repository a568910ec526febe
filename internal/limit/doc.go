// Package limit holds the service's rate limiters: token buckets
// (golang.org/x/time/rate) for one key or for many keys with idle
// eviction, a per-key counter of concurrent slots, the parsing of a rate
// written "10/s:50", and the client address of a request behind trusted
// proxies.
//
// Every type is safe for concurrent use. A Keyed limiter keeps memory
// bounded however many keys it sees: a bucket that has refilled is
// dropped (a fresh one would behave the same), and a shard that is full
// drops one of its buckets to make room.
package limit
