package events

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Event is one event of the catalog.
type Event interface {
	// EventName returns the name clients listen to, such as
	// "voicemail_created".
	EventName() string
	// Rooms returns the rooms allowed to see the event.
	Rooms() []string
	// Validate reports the first missing or invalid field.
	Validate() error
	// EventID returns the event's id (empty until published).
	EventID() string
	// EventTime returns when the event happened (zero until published).
	EventTime() time.Time
	meta() *Meta
}

// Meta is carried by every event.
type Meta struct {
	// ID identifies the event (not the record): clients use it to drop
	// duplicates, for instance across a reconnect.
	ID string `json:"id"`
	// OccurredAt is when the event happened.
	OccurredAt time.Time `json:"occurredAt"`
	// journaled is set once the event's activity entry was written in
	// the transaction that made it (see MarkJournaled); never sent.
	journaled bool
}

func (m *Meta) meta() *Meta { return m }

// MarkJournaled records that e's activity entry was already written, in
// the same transaction as the records the event reports, so that the
// activity log's observer does not write it again.
func MarkJournaled(e Event) { e.meta().journaled = true }

// Journaled reports whether MarkJournaled was called on e.
func Journaled(e Event) bool { return e.meta().journaled }

// Unlogged reports whether v is an event that stays out of the recovery
// log and the activity log (a watched presence change: see
// UserPresenceUpdated.Unlogged).
func Unlogged(v any) bool {
	u, ok := v.(interface{ Unlogged() bool })
	return ok && u.Unlogged()
}

// Stamp validates e and sets its id and time when they are empty, as
// Publish does; Publish keeps what Stamp set. Call it to know an event's
// id before publishing it (to write its activity entry in a transaction).
func Stamp(e Event) error { return stamp(e, time.Now) }

func stamp(e Event, now func() time.Time) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("events: %s: %w", e.EventName(), err)
	}
	m := e.meta()
	if m.OccurredAt.IsZero() {
		m.OccurredAt = now().UTC()
	}
	if m.ID == "" {
		m.ID = NewID(m.OccurredAt)
	}
	return nil
}

// EventID returns the event's id.
func (m *Meta) EventID() string { return m.ID }

// EventTime returns when the event happened.
func (m *Meta) EventTime() time.Time { return m.OccurredAt }

// NewID returns a new event id: sortable by time, then random.
func NewID(t time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(t.UnixMilli(), 36) + "-" + hex.EncodeToString(b[:])
}

// FieldError names a missing or invalid field of an event.
type FieldError struct {
	Field   string
	Problem string
}

// Error returns "field: problem".
func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func required(field, value string) error {
	if value == "" {
		return &FieldError{Field: field, Problem: "is required"}
	}
	return nil
}

func oneOf(field, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return &FieldError{Field: field, Problem: "must be one of " + joinQuoted(allowed)}
}

func joinQuoted(list []string) string {
	s := ""
	for i, x := range list {
		if i > 0 {
			s += ", "
		}
		s += strconv.Quote(x)
	}
	return s
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
