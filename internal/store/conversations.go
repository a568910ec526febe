package store

import (
	"context"
	"time"
)

// Conversation is the SMS thread between one of our Twilio numbers and one
// customer number, keyed by a generated ID and unique by the two numbers.
type Conversation struct {
	ID             string
	OurNumber      string
	CustomerNumber string
	Department     string
	AssignedTo     string
	// UnreadCount counts inbound messages since it was last marked read.
	UnreadCount        int
	LastMessagePreview string
	// LastMessageAt is the time of the newest message (zero if none).
	LastMessageAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ConversationFilter selects conversations to list.
type ConversationFilter struct {
	Scope Scope
	// AssignedTo filters when not empty.
	AssignedTo string
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Limit is the page size: default 50, at most 200.
	Limit int
}

// Conversations stores conversations.
type Conversations interface {
	// Ensure returns the conversation of the two numbers, creating it
	// (with that department) if there is none.
	Ensure(ctx context.Context, ourNumber, customerNumber, department string) (conv Conversation, created bool, err error)
	// Get returns the conversation with that ID, or ErrNotFound.
	Get(ctx context.Context, id string) (Conversation, error)
	// List returns a page of conversations, the most recent message first.
	// A conversation that gets a message moves to the front, so paging
	// while messages arrive can show it twice.
	List(ctx context.Context, f ConversationFilter) (Page[Conversation], error)
	// MarkRead sets the unread count to zero; changed is false if it was.
	MarkRead(ctx context.Context, id string) (conv Conversation, changed bool, err error)
	// Assign sets (or with "" clears) the assignee; changed is false if it
	// was already so.
	Assign(ctx context.Context, id, userID string) (conv Conversation, changed bool, err error)
}
