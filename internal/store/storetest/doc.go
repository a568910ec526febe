// Package storetest is the test suite that every store backend must pass:
// the sqlite and postgres packages run it from their tests with Run, and
// their benchmarks with BenchmarkCallStatus.
//
// The suite opens stores with store.Open, so the backend under test must
// be imported (registered) by the calling test package.
package storetest
