package events

import "time"

// Presence statuses. Offline is derived: a user with no connection.
const (
	PresenceOnline  = "online"
	PresenceAway    = "away"
	PresenceBusy    = "busy"
	PresenceOffline = "offline"
)

// UserPresenceUpdated: a user came online, went offline or changed status.
type UserPresenceUpdated struct {
	Meta
	UserID     string    `json:"userId"`
	Name       string    `json:"name,omitempty"`
	Role       string    `json:"role,omitempty"`
	Department string    `json:"department"`
	Status     string    `json:"status" ts:"'online' | 'away' | 'busy' | 'offline'"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	// Version orders a user's presence changes: each change has a higher
	// one than the last. Nodes of a cluster publish concurrently, so their
	// events may arrive out of order; a client keeps the highest version.
	Version int64 `json:"version,omitempty"`
}

// EventName returns "user_presence_updated".
func (*UserPresenceUpdated) EventName() string { return "user_presence_updated" }

// Rooms: the user's department and admins.
func (e *UserPresenceUpdated) Rooms() []string {
	return []string{DepartmentRoom(orDefault(e.Department)), RoleRoom(RoleAdmin)}
}

// Validate checks the required fields.
func (e *UserPresenceUpdated) Validate() error {
	return firstError(required("userId", e.UserID),
		oneOf("status", e.Status, PresenceOnline, PresenceAway, PresenceBusy, PresenceOffline))
}
