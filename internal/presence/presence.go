// Package presence tracks who is online: connections counted per user
// across tabs, a status the user chooses (online, away, busy), offline
// derived when the last connection has been gone for a grace period, and
// a user_presence_updated event for every change others should see.
package presence

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// Entry is one user's presence.
type Entry struct {
	UserID     string    `json:"userId"`
	Name       string    `json:"name,omitempty"`
	Role       string    `json:"role"`
	Department string    `json:"department"`
	Status     string    `json:"status" enum:"online,away,busy,offline"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	// Version grows with every change of Status (see
	// events.UserPresenceUpdated.Version). The single-node Tracker keeps
	// it in memory, so it is at least the change's Unix time in
	// milliseconds: a restarted node's versions are higher than those it
	// published before (which clients may still hold).
	Version int64 `json:"version"`
}

// Publisher sends presence events (events.Broadcaster fits).
type Publisher interface {
	BroadcastUserPresenceUpdated(ctx context.Context, e events.UserPresenceUpdated) error
}

// ErrStatus is returned by SetStatus for a status users cannot choose.
var ErrStatus = errors.New(`presence: status must be "online", "away" or "busy"`)

type user struct {
	entry   Entry
	chosen  string // the status the user chose; online by default
	conns   int
	offline *time.Timer // pending offline after the grace period
}

// Tracker is the presence of one node's users. Its methods are safe for
// concurrent use.
type Tracker struct {
	grace time.Duration
	pub   Publisher
	now   func() time.Time

	mu    sync.Mutex
	users map[string]*user
}

// NewTracker returns a Tracker that publishes through pub; a user whose
// last connection closed is offline after grace (a reload does not flicker).
func NewTracker(pub Publisher, grace time.Duration) *Tracker {
	return &Tracker{grace: grace, pub: pub, now: time.Now, users: make(map[string]*user)}
}

// Connect counts a new connection of p's user.
func (t *Tracker) Connect(p auth.Principal) {
	t.mu.Lock()
	u := t.users[p.UserID]
	if u == nil {
		u = &user{chosen: events.PresenceOnline}
		t.users[p.UserID] = u
	}
	u.entry.UserID, u.entry.Name, u.entry.Role, u.entry.Department = p.UserID, p.Name, p.Role, p.Department
	u.conns++
	u.entry.LastSeenAt = t.now().UTC()
	if u.offline != nil {
		u.offline.Stop()
		u.offline = nil
	}
	changed := u.entry.Status != u.chosen
	u.entry.Status = u.chosen
	if changed {
		t.bump(u)
	}
	e := u.entry
	t.mu.Unlock()
	if changed {
		t.publish(e)
	}
}

// bump gives u's entry the version of a new change; the caller holds t.mu.
func (t *Tracker) bump(u *user) {
	u.entry.Version = max(u.entry.Version+1, t.now().UnixMilli())
}

// Disconnect counts a closed connection of the user; the last one starts
// the grace period.
func (t *Tracker) Disconnect(userID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.users[userID]
	if u == nil || u.conns == 0 {
		return
	}
	u.conns--
	u.entry.LastSeenAt = t.now().UTC()
	if u.conns > 0 {
		return
	}
	u.offline = time.AfterFunc(t.grace, func() { t.goOffline(userID, u) })
}

func (t *Tracker) goOffline(userID string, u *user) {
	t.mu.Lock()
	if t.users[userID] != u || u.conns > 0 || u.offline == nil {
		t.mu.Unlock()
		return
	}
	u.offline = nil
	u.entry.Status = events.PresenceOffline
	t.bump(u)
	e := u.entry
	t.mu.Unlock()
	t.publish(e)
}

// SetStatus sets the status a user chose; others see it while the user is
// connected.
func (t *Tracker) SetStatus(p auth.Principal, status string) (Entry, error) {
	switch status {
	case events.PresenceOnline, events.PresenceAway, events.PresenceBusy:
	default:
		return Entry{}, ErrStatus
	}
	t.mu.Lock()
	u := t.users[p.UserID]
	if u == nil {
		u = &user{entry: Entry{UserID: p.UserID, Name: p.Name, Role: p.Role, Department: p.Department, Status: events.PresenceOffline}}
		t.users[p.UserID] = u
	}
	u.chosen = status
	changed := u.conns > 0 && u.entry.Status != status
	if changed {
		u.entry.Status = status
		t.bump(u)
	}
	e := u.entry
	t.mu.Unlock()
	if changed {
		t.publish(e)
	}
	return e, nil
}

// List returns the users for which keep is true, by name then id.
func (t *Tracker) List(keep func(Entry) bool) []Entry {
	t.mu.Lock()
	out := make([]Entry, 0, len(t.users))
	for _, u := range t.users {
		if keep == nil || keep(u.entry) {
			out = append(out, u.entry)
		}
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].UserID < out[j].UserID
	})
	return out
}

// Lookup returns the entries of the users of ids it knows, in the order
// of ids.
func (t *Tracker) Lookup(ids []string) []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Entry, 0, len(ids))
	for _, id := range ids {
		if u := t.users[id]; u != nil {
			out = append(out, u.entry)
		}
	}
	return out
}

// Close stops the pending grace timers.
func (t *Tracker) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, u := range t.users {
		if u.offline != nil {
			u.offline.Stop()
			u.offline = nil
		}
	}
}

func (t *Tracker) publish(e Entry) {
	_ = t.pub.BroadcastUserPresenceUpdated(context.Background(), events.UserPresenceUpdated{
		UserID: e.UserID, Name: e.Name, Role: e.Role, Department: e.Department, Status: e.Status, LastSeenAt: e.LastSeenAt,
		Version: e.Version,
	})
}
