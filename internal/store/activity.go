package store

import (
	"context"
	"encoding/json"
	"time"
)

// ActivityEntry is one emitted event, as the activity feed shows it.
type ActivityEntry struct {
	// ID is the event's id (events.Meta.ID): unique.
	ID string
	// Type is the event's name, such as "voicemail_created".
	Type string
	// Rooms are the rooms that may see it.
	Rooms []string
	// Payload is the event as JSON.
	Payload    json.RawMessage
	OccurredAt time.Time
}

// ActivityQuery selects entries of the activity log.
type ActivityQuery struct {
	// Rooms are the rooms of the reader: an entry is shown if it names
	// one of them. No rooms, no entries.
	Rooms []string
	// Since, if not zero, keeps entries that occurred after it.
	Since time.Time
	// AfterID, if not empty, keeps entries after that entry (by time,
	// then id). An id not in the log is ignored.
	AfterID string
	// Limit is the most entries returned: default 50, at most 200.
	Limit int
}

// Activity is the log of emitted events.
type Activity interface {
	// Append adds e unless an entry has its ID (created=false).
	Append(ctx context.Context, e ActivityEntry) (created bool, err error)
	// List returns the entries q selects, newest first.
	List(ctx context.Context, q ActivityQuery) ([]ActivityEntry, error)
	// Prune deletes the entries that occurred before t.
	Prune(ctx context.Context, before time.Time) (deleted int64, err error)
}
