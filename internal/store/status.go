package store

import "time"

// NoSequence is the Sequence of a status update that carries no
// SequenceNumber.
const NoSequence int64 = -1

// Transition reports what a status update did.
type Transition struct {
	// Previous is the status before the update ("" when Created).
	Previous string
	// Status is the status after the update.
	Status string
	// Changed is true when the status moved forward (or the record was
	// created): the caller emits its status event.
	Changed bool
	// Created is true when the update created the record.
	Created bool
	// Duplicate is true when this exact update (same status, same
	// sequence) had been recorded before: nothing was written.
	Duplicate bool
	// Ignored is true when the update does not apply to the record, such
	// as a status callback naming an inbound message: nothing was written,
	// not even to the history.
	Ignored bool
}

// StatusChange is one entry of a record's status history: every update
// received, whether it was applied or arrived too late.
type StatusChange struct {
	// Status is the status the update carried.
	Status string
	// Sequence is Twilio's SequenceNumber, or NoSequence.
	Sequence int64
	// Applied is false for an update that changed nothing (a late one).
	Applied bool
	// OccurredAt is when Twilio says it happened (its Timestamp), or when
	// it was received if Twilio gave no time.
	OccurredAt time.Time
	// RecordedAt is when the store recorded it.
	RecordedAt time.Time
}

// Call statuses (DOMAIN.md §2).
const (
	CallQueued     = "queued"
	CallInitiated  = "initiated"
	CallRinging    = "ringing"
	CallInProgress = "in-progress"
	CallCompleted  = "completed"
	CallBusy       = "busy"
	CallNoAnswer   = "no-answer"
	CallFailed     = "failed"
	CallCanceled   = "canceled"
)

var callRanks = map[string]int{
	CallQueued: 1, CallInitiated: 2, CallRinging: 3, CallInProgress: 4,
	CallCompleted: 5, CallBusy: 5, CallNoAnswer: 5, CallFailed: 5, CallCanceled: 5,
}

// CallStatusRank returns the rank of a call status: queued < initiated <
// ringing < in-progress < terminal (completed, busy, no-answer, failed,
// canceled, all of one rank, ordered among themselves by SequenceNumber).
// ok is false for an unknown status.
func CallStatusRank(status string) (rank int, ok bool) {
	rank, ok = callRanks[status]
	return rank, ok
}

// IsTerminalCallStatus reports whether a call status is final.
func IsTerminalCallStatus(status string) bool { return callRanks[status] == 5 }

// Message statuses (DOMAIN.md §2).
const (
	MessageAccepted           = "accepted"
	MessageScheduled          = "scheduled"
	MessageQueued             = "queued"
	MessageSending            = "sending"
	MessageSent               = "sent"
	MessageDelivered          = "delivered"
	MessagePartiallyDelivered = "partially_delivered"
	MessageRead               = "read"
	MessageUndelivered        = "undelivered"
	MessageFailed             = "failed"
	MessageCanceled           = "canceled"
	MessageReceiving          = "receiving"
	MessageReceived           = "received"
)

var messageRanks = map[string]int{
	MessageAccepted: 1, MessageScheduled: 1, MessageQueued: 2, MessageSending: 3, MessageReceiving: 3,
	MessageSent: 4, MessageDelivered: 5, MessagePartiallyDelivered: 5, MessageReceived: 5,
	MessageRead: 6, MessageUndelivered: 7, MessageFailed: 7, MessageCanceled: 7,
}

// MessageStatusRank returns the rank of a message status:
// accepted/scheduled < queued < sending < sent < delivered < read, and
// failed, undelivered and canceled terminal (above every other). Inbound
// receiving and received rank with sending and delivered. ok is false for
// an unknown status.
func MessageStatusRank(status string) (rank int, ok bool) {
	rank, ok = messageRanks[status]
	return rank, ok
}

// IsTerminalMessageStatus reports whether a message status is a final
// failure (failed, undelivered, canceled).
func IsTerminalMessageStatus(status string) bool { return messageRanks[status] == 7 }

// Recording statuses (DOMAIN.md §2).
const (
	RecordingInProgress = "in-progress"
	RecordingCompleted  = "completed"
	RecordingAbsent     = "absent"
	RecordingFailed     = "failed"
)

var recordingRanks = map[string]int{
	RecordingInProgress: 1, RecordingCompleted: 2, RecordingAbsent: 2, RecordingFailed: 2,
}

// RecordingStatusRank returns the rank of a recording status: in-progress
// < completed/absent/failed. ok is false for an unknown status.
func RecordingStatusRank(status string) (rank int, ok bool) {
	rank, ok = recordingRanks[status]
	return rank, ok
}
