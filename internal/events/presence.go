package events

import (
	"strconv"
	"time"
)

// Presence statuses. Offline is derived: a user with no connection.
const (
	PresenceOnline  = "online"
	PresenceAway    = "away"
	PresenceBusy    = "busy"
	PresenceOffline = "offline"
)

// UserPresenceUpdated: a user came online, went offline or changed status;
// or, when Users is set, a batch of such changes of one department.
//
// The batch form (sent by the service when several users of a department
// changed within one presence interval, see KIN_PRESENCE_INTERVAL) is also
// a valid single update: its top-level fields are those of Users[0], so a
// client that does not know Users applies that one change and still reads
// a well-formed event. A client that knows Users applies every entry of
// it (the top-level one included) with the batch's Department, each by
// its version.
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
	// Users, in a batch, are the changes of the batch's users, all of
	// Department, at most one per user (the latest), the first being the
	// top-level one. Absent from a single update.
	Users []PresenceChange `json:"users,omitempty" tsin:"{ userId: string; name?: string; role?: string; status: 'online' | 'away' | 'busy' | 'offline'; lastSeenAt?: string | Date; version?: number }[]"`
	// Watched, set by the service in the watched scope
	// (KIN_PRESENCE_SCOPE=watched) on a single change, sends it to the
	// user's own room and to the sockets that watch the user (WatchRoom)
	// instead of the department and the admins. Never sent nor read.
	Watched bool `json:"-"`
}

// PresenceChange is one user's change in a batched UserPresenceUpdated;
// the user's department is the batch's.
type PresenceChange struct {
	UserID string `json:"userId"`
	Name   string `json:"name,omitempty"`
	Role   string `json:"role,omitempty"`
	Status string `json:"status" ts:"'online' | 'away' | 'busy' | 'offline'"`
	// LastSeenAt is sent for an offline user only (when the user was last
	// seen); for the others it is the batch's occurredAt. A storm's batches
	// are mostly users coming online: this keeps them a third smaller.
	LastSeenAt time.Time `json:"lastSeenAt,omitzero"`
	Version    int64     `json:"version,omitempty"`
}

// Unlogged reports whether the event stays out of the connection state
// recovery log: a watched change (KIN_PRESENCE_SCOPE=watched) does, since
// a client watches again after every reconnection and the answer brings
// the current presence. Keeping a storm's changes out of the log keeps
// each recovery's replay short: a client that receives few events holds
// an old offset, and its recovery reads the log from there.
func (e *UserPresenceUpdated) Unlogged() bool { return e.Watched }

// EventName returns "user_presence_updated".
func (*UserPresenceUpdated) EventName() string { return "user_presence_updated" }

// Rooms: the user's department and admins (a batch's users are all of its
// department); in the watched scope (Watched), the user's own room and
// the room of those who watch the user.
func (e *UserPresenceUpdated) Rooms() []string {
	if e.Watched {
		return []string{UserRoom(e.UserID), WatchRoom(orDefault(e.Department), e.UserID)}
	}
	return []string{DepartmentRoom(orDefault(e.Department)), RoleRoom(RoleAdmin)}
}

// MaxPresenceBatch is the most changes a batch may carry; the service
// splits larger batches.
const MaxPresenceBatch = 5000

// Validate checks the required fields, and in a batch every entry and
// that the first is the top-level change.
func (e *UserPresenceUpdated) Validate() error {
	if err := firstError(required("userId", e.UserID),
		oneOf("status", e.Status, PresenceOnline, PresenceAway, PresenceBusy, PresenceOffline)); err != nil {
		return err
	}
	if len(e.Users) == 0 {
		if e.Users != nil {
			return &FieldError{Field: "users", Problem: "must not be empty when present"}
		}
		return nil
	}
	if len(e.Users) > MaxPresenceBatch {
		return &FieldError{Field: "users", Problem: "must have at most " + strconv.Itoa(MaxPresenceBatch) + " entries"}
	}
	seen := make(map[string]bool, len(e.Users))
	for i, u := range e.Users {
		field := "users[" + strconv.Itoa(i) + "]"
		if err := firstError(required(field+".userId", u.UserID),
			oneOf(field+".status", u.Status, PresenceOnline, PresenceAway, PresenceBusy, PresenceOffline)); err != nil {
			return err
		}
		if seen[u.UserID] {
			return &FieldError{Field: field + ".userId", Problem: "is listed twice"}
		}
		seen[u.UserID] = true
	}
	if f := e.Users[0]; f.UserID != e.UserID || f.Status != e.Status || f.Version != e.Version {
		return &FieldError{Field: "users[0]", Problem: "must be the top-level change (userId, status, version)"}
	}
	return nil
}

// PresenceBatch returns the batched event of changes, all of department
// (at least one; the first becomes the top-level change). With a single
// change it returns the single form, without Users. It clears the
// LastSeenAt of the changes that are not offline (see PresenceChange).
func PresenceBatch(department string, changes []PresenceChange) UserPresenceUpdated {
	f := changes[0]
	e := UserPresenceUpdated{
		UserID: f.UserID, Name: f.Name, Role: f.Role, Department: department, Status: f.Status,
		LastSeenAt: f.LastSeenAt, Version: f.Version,
	}
	if len(changes) > 1 {
		for i := range changes {
			if changes[i].Status != PresenceOffline {
				changes[i].LastSeenAt = time.Time{}
			}
		}
		e.Users = changes
	}
	return e
}

// Changes returns the presence changes e carries: those of Users for a
// batch, else e's own.
func (e *UserPresenceUpdated) Changes() []PresenceChange {
	if len(e.Users) > 0 {
		return e.Users
	}
	return []PresenceChange{{UserID: e.UserID, Name: e.Name, Role: e.Role, Status: e.Status, LastSeenAt: e.LastSeenAt, Version: e.Version}}
}
