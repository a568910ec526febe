package store

import (
	"context"
	"time"
)

// Recording kinds.
const (
	RecordingKindCall      = "call"
	RecordingKindVoicemail = "voicemail"
)

// Recording is a call recording, keyed by RecordingSid and kind.
type Recording struct {
	SID     string
	Kind    string // RecordingKindCall or RecordingKindVoicemail
	CallSID string
	Status  string
	// URL is Twilio's RecordingUrl (without extension): never give it to
	// browsers.
	URL             string
	DurationSeconds int
	Source          string // RecordingSource
	ErrorCode       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// RecordingUpdate is one recording status callback.
type RecordingUpdate struct {
	SID     string
	Kind    string
	CallSID string
	Status  string
	// URL, DurationSeconds, Source and ErrorCode are written when the
	// update is applied (and kept when empty).
	URL             string
	DurationSeconds int
	Source          string
	ErrorCode       string
	// At is when it happened (zero: now).
	At time.Time
}

// Recordings stores recordings and their status history.
type Recordings interface {
	// UpdateStatus applies a recording status callback, creating the
	// recording on its first callback (Transition.Created).
	UpdateStatus(ctx context.Context, u RecordingUpdate) (Recording, Transition, error)
	// Get returns one recording, or ErrNotFound.
	Get(ctx context.Context, sid, kind string) (Recording, error)
	// ListByCall returns a call's recordings, oldest first.
	ListByCall(ctx context.Context, callSID string) ([]Recording, error)
}
