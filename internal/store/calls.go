package store

import (
	"context"
	"time"
)

// Call is one call leg, keyed by Twilio's CallSid.
type Call struct {
	SID        string
	ParentSID  string
	Direction  string // inbound, outbound-api, outbound-dial
	From       string
	To         string
	CallerName string
	Department string
	AssignedTo string
	// Status is the highest-ranked status received (see CallStatusRank).
	Status string
	// Sequence is the SequenceNumber of the applied status, or NoSequence.
	Sequence        int64
	DurationSeconds int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// EndedAt is when the call reached a terminal status (zero before).
	EndedAt time.Time
}

// CallStatusUpdate is one status callback of a call.
type CallStatusUpdate struct {
	SID    string
	Status string
	// Sequence is Twilio's SequenceNumber, or NoSequence.
	Sequence int64
	// DurationSeconds is CallDuration (terminal callbacks only).
	DurationSeconds int
	// At is Twilio's Timestamp (zero: now).
	At time.Time
	// Call gives the fields of the call if the update creates it (a status
	// callback for a call the store has not seen); its SID and Status are
	// ignored.
	Call Call
}

// Calls stores calls and their status history.
type Calls interface {
	// Create stores c if no call has its SID and reports created=true;
	// otherwise it returns the stored call unchanged and created=false.
	// Status defaults to ringing and is also put in the history; Sequence
	// is ignored (the /voice webhook carries none).
	Create(ctx context.Context, c Call) (call Call, created bool, err error)
	// Get returns the call with that SID, or ErrNotFound.
	Get(ctx context.Context, sid string) (Call, error)
	// UpdateStatus applies a status callback: it is appended to the
	// history, and the call's status moves only if the update ranks
	// higher (or, among terminal statuses, has a higher sequence). A call
	// not stored yet is created from u.Call.
	UpdateStatus(ctx context.Context, u CallStatusUpdate) (Call, Transition, error)
	// History returns every status update received for the call, in the
	// order received.
	History(ctx context.Context, sid string) ([]StatusChange, error)
}
