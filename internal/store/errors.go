package store

import "errors"

// ErrNotFound is returned (wrapped) when a record does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalid is returned (wrapped) for input the store refuses: an unknown
// status, a malformed cursor, a missing key, a payload that is not JSON.
// The wrapping error names the problem.
var ErrInvalid = errors.New("invalid input")
