package store

import (
	"context"
	"time"
)

// Message directions.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// PreviewLength is the most runes of a body kept as a conversation's last
// message preview.
const PreviewLength = 120

// Message is an SMS or MMS, keyed by Twilio's MessageSid.
type Message struct {
	SID            string
	ConversationID string
	Direction      string // Inbound or Outbound
	From           string
	To             string
	Body           string
	NumMedia       int
	// MediaURLs are Twilio's URLs: proxy them, never give them to browsers.
	MediaURLs []string
	Status    string
	ErrorCode string
	// SentBy is the user who sent an outbound message.
	SentBy    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MessageResult reports what Messages.Create did.
type MessageResult struct {
	Message Message
	// Conversation is the message's conversation, after the message was
	// counted (if Created).
	Conversation Conversation
	// Created is false for a message already stored: nothing changed.
	Created bool
}

// MessageStatusUpdate is one message status callback.
type MessageStatusUpdate struct {
	SID    string
	Status string
	// ErrorCode is written when the update is applied and not empty.
	ErrorCode string
	// At is when it happened (zero: now).
	At time.Time
}

// MessageFilter selects the messages of a conversation.
type MessageFilter struct {
	ConversationID string
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Limit is the page size: default 50, at most 200.
	Limit int
}

// Messages stores messages and their status history.
type Messages interface {
	// Create stores m unless a message has its SID. A new message updates
	// its conversation in the same transaction: the last message preview
	// and time (if it is the newest), and the unread count (if inbound).
	// Status defaults to received (inbound) or queued (outbound).
	Create(ctx context.Context, m Message) (MessageResult, error)
	// Get returns the message with that SID, or ErrNotFound.
	Get(ctx context.Context, sid string) (Message, error)
	// UpdateStatus applies a status callback (see MessageStatusRank); the
	// message must exist (ErrNotFound). Status callbacks are for outbound
	// messages: for an inbound one it writes nothing, not even to the
	// history, and returns the message as stored with Transition.Ignored.
	UpdateStatus(ctx context.Context, u MessageStatusUpdate) (Message, Transition, error)
	// List returns a page of a conversation's messages, newest first.
	List(ctx context.Context, f MessageFilter) (Page[Message], error)
	// History returns every status update received for the message.
	History(ctx context.Context, sid string) ([]StatusChange, error)
}
