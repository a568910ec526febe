package store

import (
	"context"
	"time"
)

// Dedupe remembers which webhooks were seen, by route and dedupe key
// (DOMAIN.md §2: CallSid+SequenceNumber for /status, MessageSid for /sms,
// the event Sid for TaskRouter, …).
type Dedupe interface {
	// Claim records the key and reports first=true the first time; later
	// it returns first=false and when the key was first seen. Inside
	// WithTx the claim commits or rolls back with the webhook's writes.
	Claim(ctx context.Context, route, key string) (firstSeen time.Time, first bool, err error)
	// Prune forgets keys first seen before t.
	Prune(ctx context.Context, before time.Time) (deleted int64, err error)
}
