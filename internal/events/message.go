package events

import "time"

// MessageReceived: an SMS or MMS came in.
type MessageReceived struct {
	Meta
	MessageSID     string `json:"messageSid"`
	ConversationID string `json:"conversationId"`
	From           string `json:"from"`
	To             string `json:"to"`
	Body           string `json:"body"`
	NumMedia       int    `json:"numMedia"`
	Department     string `json:"department"`
	AssignedTo     string `json:"assignedTo,omitempty"`
}

// EventName returns "message_received".
func (*MessageReceived) EventName() string { return "message_received" }

// Rooms: the department, the assignee, admins.
func (e *MessageReceived) Rooms() []string { return recordRooms(e.Department, e.AssignedTo) }

// Validate checks the required fields.
func (e *MessageReceived) Validate() error {
	return firstError(required("messageSid", e.MessageSID), required("conversationId", e.ConversationID),
		required("from", e.From), required("to", e.To))
}

// MessageStatusChanged: an outbound message moved to a later status.
type MessageStatusChanged struct {
	Meta
	MessageSID     string `json:"messageSid"`
	ConversationID string `json:"conversationId"`
	Status         string `json:"status" ts:"'accepted' | 'scheduled' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read' | 'canceled' | 'partially_delivered'"`
	PreviousStatus string `json:"previousStatus,omitempty"`
	ErrorCode      string `json:"errorCode,omitempty"`
	Department     string `json:"department"`
	AssignedTo     string `json:"assignedTo,omitempty"`
}

// EventName returns "message_status_changed".
func (*MessageStatusChanged) EventName() string { return "message_status_changed" }

// Rooms: the department, the assignee, admins.
func (e *MessageStatusChanged) Rooms() []string { return recordRooms(e.Department, e.AssignedTo) }

// Validate checks the required fields.
func (e *MessageStatusChanged) Validate() error {
	return firstError(required("messageSid", e.MessageSID), required("status", e.Status))
}

// ConversationUpdated: a conversation's unread count or last message
// changed.
type ConversationUpdated struct {
	Meta
	ConversationID     string    `json:"conversationId"`
	OurNumber          string    `json:"ourNumber"`
	CustomerNumber     string    `json:"customerNumber"`
	UnreadCount        int       `json:"unreadCount"`
	LastMessagePreview string    `json:"lastMessagePreview"`
	LastMessageAt      time.Time `json:"lastMessageAt"`
	Department         string    `json:"department"`
	AssignedTo         string    `json:"assignedTo,omitempty"`
}

// EventName returns "conversation_updated".
func (*ConversationUpdated) EventName() string { return "conversation_updated" }

// Rooms: the department, the assignee, admins.
func (e *ConversationUpdated) Rooms() []string { return recordRooms(e.Department, e.AssignedTo) }

// Validate checks the required fields.
func (e *ConversationUpdated) Validate() error {
	return firstError(required("conversationId", e.ConversationID))
}
