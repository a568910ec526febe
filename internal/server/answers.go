package server

import (
	"encoding/json"
	"time"

	"github.com/kin-comms/kinrt/internal/presence"
)

// The named types of the answers and request bodies that package server
// writes and reads itself: the API document (openapi.go) is reflected
// from them, so what is sent and what is documented cannot drift apart.

// Health is the answer of GET /healthz and GET /readyz.
type Health struct {
	// Status is ok (healthz), ready, or not ready (readyz, with 503).
	Status string `json:"status" enum:"ok,ready,not ready"`
}

// Me is the answer of GET /api/me: the caller's session.
type Me struct {
	UserID     string `json:"userId"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Role       string `json:"role"`
	Department string `json:"department"`
	// PresenceScope is whose presence changes the caller's sockets get:
	// their department's (department), or only their own and those of
	// the users they watch with presence:watch (watched;
	// KIN_PRESENCE_SCOPE, docs/presence.md).
	PresenceScope string `json:"presenceScope" enum:"department,watched"`
}

// WatchRequest is the payload of the presence:watch socket event: the
// users of one department whose presence changes the socket gets from
// now on, in place of those it watched in that department before (none:
// it watches no one there). Department defaults to the caller's own; a
// caller may watch only departments it may see (its own; an admin's,
// any).
type WatchRequest struct {
	Department string   `json:"department,omitempty"`
	UserIDs    []string `json:"userIds"`
}

// WatchAnswer is presence:watch's acknowledgement: the current presence
// of the watched users the service knows (a user never seen is left
// out), or why the request was refused (nothing changed then).
type WatchAnswer struct {
	Users []presence.Entry `json:"users,omitempty"`
	Error string           `json:"error,omitempty"`
}

// Accepted is the answer of a publish (POST /api/notifications, POST
// /api/internal/events): the id of the event sent.
type Accepted struct {
	ID string `json:"id"`
}

// PresenceUpdate is the body of PUT /api/presence/me.
type PresenceUpdate struct {
	Status string `json:"status" required:"true" enum:"online,away,busy"`
}

// ActivityItem is one entry of GET /api/activity: an event as the socket
// delivered it (its payload), with its name and time.
type ActivityItem struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Payload    json.RawMessage `json:"payload"`
	OccurredAt time.Time       `json:"occurredAt"`
}

// EventEnvelope is the body of POST /api/internal/events: an event of the
// catalog by name, its data, and optionally the one room of its routing
// policy's rooms to narrow the delivery to.
type EventEnvelope struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
	// Room narrows the delivery to one of the rooms the event's routing
	// policy gives (events.Narrow); anything else is a 400.
	Room string `json:"room,omitempty"`
}
