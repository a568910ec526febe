package store

import (
	"context"
	"time"
)

// Voicemail statuses.
const (
	VoicemailNew      = "new"
	VoicemailListened = "listened"
	VoicemailArchived = "archived"
)

// IsVoicemailStatus reports whether s is a voicemail status.
func IsVoicemailStatus(s string) bool {
	return s == VoicemailNew || s == VoicemailListened || s == VoicemailArchived
}

// Voicemail is a message a caller left, keyed by a generated ID and unique
// by its RecordingSID.
type Voicemail struct {
	ID           string
	CallSID      string
	RecordingSID string
	// RecordingURL is Twilio's URL: proxy it, never give it to browsers.
	RecordingURL    string
	From            string
	To              string
	CallerName      string
	Department      string
	Status          string // VoicemailNew, VoicemailListened or VoicemailArchived
	AssignedTo      string
	Notes           string
	Transcription   string
	DurationSeconds int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	UpdatedBy       string
}

// VoicemailPatch changes some fields of a voicemail: nil fields are left
// alone; AssignedTo pointing at "" unassigns.
type VoicemailPatch struct {
	Status        *string
	AssignedTo    *string
	Notes         *string
	Transcription *string
	// UpdatedBy names the user making the change (recorded, not checked).
	UpdatedBy string
}

// VoicemailChange reports what an update did.
type VoicemailChange struct {
	Voicemail Voicemail
	Previous  Voicemail
	// Changed names the fields whose value changed ("status",
	// "assignedTo", "notes", "transcription"), in that order; empty when
	// nothing changed (and nothing was written).
	Changed []string
}

// VoicemailFilter selects voicemails to list.
type VoicemailFilter struct {
	Scope Scope
	// Status and AssignedTo filter when not empty.
	Status     string
	AssignedTo string
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Limit is the page size: default 50, at most 200.
	Limit int
}

// Voicemails stores voicemails.
type Voicemails interface {
	// Create stores v unless a voicemail has its RecordingSID; ID,
	// Status (new) and CreatedAt are filled when empty.
	Create(ctx context.Context, v Voicemail) (voicemail Voicemail, created bool, err error)
	// Get returns the voicemail with that ID, or ErrNotFound.
	Get(ctx context.Context, id string) (Voicemail, error)
	// List returns a page of voicemails, newest first.
	List(ctx context.Context, f VoicemailFilter) (Page[Voicemail], error)
	// Update applies p and reports the fields that changed.
	Update(ctx context.Context, id string, p VoicemailPatch) (VoicemailChange, error)
}
