package store

import (
	"crypto/rand"
	"time"
)

// crockford is Crockford's base32 alphabet: it sorts in ASCII order.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns a new record id: 26 characters, sortable by the time t
// (in milliseconds), then random. Use it for records Twilio gives no sid.
func NewID(t time.Time) string {
	var out [26]byte
	ms := uint64(t.UnixMilli())
	for i := 9; i >= 0; i-- {
		out[i] = crockford[ms&31]
		ms >>= 5
	}
	var r [16]byte
	_, _ = rand.Read(r[:])
	for i := 10; i < 26; i++ {
		out[i] = crockford[r[i-10]&31]
	}
	return string(out[:])
}

// Now returns the current time as the store keeps it: UTC, microseconds.
func Now() time.Time { return Truncate(time.Now()) }

// Truncate returns t as the store keeps it: UTC, truncated to
// microseconds (what both backends store exactly).
func Truncate(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
