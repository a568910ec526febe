package presence

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// change is a single presence update of user in dept.
func change(user, dept, status string, version int64) events.UserPresenceUpdated {
	return events.UserPresenceUpdated{UserID: user, Name: "N " + user, Role: "agent", Department: dept, Status: status, Version: version}
}

// usersOf lists the changes an event carries: its Users, or itself.
func usersOf(e events.UserPresenceUpdated) []events.PresenceChange {
	if len(e.Users) > 0 {
		return e.Users
	}
	return []events.PresenceChange{{UserID: e.UserID, Name: e.Name, Role: e.Role, Status: e.Status, LastSeenAt: e.LastSeenAt, Version: e.Version}}
}

func TestBatcherCoalescesPerDepartment(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	b := NewBatcher(pub, time.Hour)
	ctx := context.Background()

	// The first change of a department after a quiet interval goes out
	// at once.
	for _, first := range []events.UserPresenceUpdated{change("u1", "sales", "online", 1), change("u0", "support", "online", 1)} {
		_ = b.BroadcastUserPresenceUpdated(ctx, first)
		if e := pub.next(t); e.UserID != first.UserID || e.Users != nil || e.Department != first.Department {
			t.Fatalf("first change: %+v", e)
		}
	}
	// Those that follow within the interval wait, per department.
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u2", "sales", "online", 1))
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u3", "sales", "online", 1))
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u2", "sales", "away", 2))
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u2", "sales", "online", 1)) // late: older than what is queued
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u4", "support", "online", 1))
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u5", "support", "busy", 3))
	pub.none(t)
	b.Flush()
	got := map[string]events.UserPresenceUpdated{}
	for range 2 {
		e := pub.next(t)
		if _, dup := got[e.Department]; dup {
			t.Fatalf("two batches for %s", e.Department)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("batch %+v: %v", e, err)
		}
		got[e.Department] = e
	}
	pub.none(t)
	for _, tc := range []struct {
		dept  string
		users []string
		rooms []string
	}{
		{"sales", []string{"u2:away:2", "u3:online:1"}, []string{events.DepartmentRoom("sales"), events.RoleRoom(events.RoleAdmin)}},
		{"support", []string{"u4:online:1", "u5:busy:3"}, []string{events.DepartmentRoom("support"), events.RoleRoom(events.RoleAdmin)}},
	} {
		e := got[tc.dept]
		var users []string
		for _, c := range usersOf(e) {
			users = append(users, c.UserID+":"+c.Status+":"+itoa(c.Version))
			if c.Name != "N "+c.UserID {
				t.Errorf("%s: name %q", c.UserID, c.Name)
			}
		}
		if !slices.Equal(users, tc.users) {
			t.Errorf("%s batch: %v, want %v", tc.dept, users, tc.users)
		}
		if e.UserID != e.Users[0].UserID || e.Status != e.Users[0].Status {
			t.Errorf("%s: top level %s/%s is not the first entry", tc.dept, e.UserID, e.Status)
		}
		if r := e.Rooms(); !slices.Equal(r, tc.rooms) {
			t.Errorf("%s: rooms %v, want %v", tc.dept, r, tc.rooms)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// Without a Flush the batch goes out at the end of the interval.
func TestBatcherIntervalEnds(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	b := NewBatcher(pub, 20*time.Millisecond)
	ctx := context.Background()
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u1", "sales", "online", 1))
	pub.next(t)
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u2", "sales", "online", 1))
	_ = b.BroadcastUserPresenceUpdated(ctx, change("u3", "sales", "online", 1))
	if e := pub.next(t); len(e.Users) != 2 || e.Users[0].UserID != "u2" || e.Users[1].UserID != "u3" {
		t.Fatalf("batch: %+v", e)
	}
	pub.none(t)
}

func TestBatcherSplitsLargeBatches(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	b := NewBatcher(pub, time.Hour)
	ctx := context.Background()
	_ = b.BroadcastUserPresenceUpdated(ctx, change("first", "sales", "online", 1))
	pub.next(t)
	n := events.MaxPresenceBatch + 3
	for i := range n {
		_ = b.BroadcastUserPresenceUpdated(ctx, change("u"+itoa(int64(i)), "sales", "online", 1))
	}
	b.Close()
	a, c := pub.next(t), pub.next(t)
	if len(a.Users) != events.MaxPresenceBatch || len(c.Users) != 3 || a.Validate() != nil || c.Validate() != nil {
		t.Fatalf("split: %d and %d entries", len(a.Users), len(c.Users))
	}
	// Closed: a change goes out at once.
	_ = b.BroadcastUserPresenceUpdated(ctx, change("late", "sales", "online", 1))
	if e := pub.next(t); e.UserID != "late" {
		t.Fatalf("after Close: %+v", e)
	}
}

func TestBatcherZeroIntervalPassesThrough(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	b := NewBatcher(pub, 0)
	for _, u := range []string{"u1", "u2"} {
		_ = b.BroadcastUserPresenceUpdated(context.Background(), change(u, "sales", "online", 1))
		if e := pub.next(t); e.UserID != u || e.Users != nil {
			t.Fatalf("%s: %+v", u, e)
		}
	}
}

// A user who reloads within the grace period causes no event, batched or
// not; one whose grace ended and who came back within one interval is
// sent once, at the latest version.
func TestBatchedTrackerReload(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	b := NewBatcher(pub, time.Hour)
	tr := NewTracker(b, time.Hour)
	defer tr.Close()
	tr.Connect(ann)
	first := pub.next(t) // leading edge
	tr.Disconnect("u1")
	tr.Connect(ann)
	b.Flush()
	pub.none(t)

	quick := NewTracker(b, time.Nanosecond)
	defer quick.Close()
	bob := auth.Principal{UserID: "u2", Name: "Bob", Role: "agent", Department: "sales"}
	quick.Connect(bob)
	quick.Disconnect("u2")
	waitOffline(t, quick, "u2")
	quick.Connect(bob)
	b.Flush()
	e := pub.next(t)
	if e.UserID != "u2" || e.Status != "online" || e.Users != nil || e.Version <= first.Version {
		t.Fatalf("bob's batch: %+v", e)
	}
	pub.none(t)
}

// waitOffline waits until the tracker has taken user offline.
func waitOffline(t *testing.T, tr *Tracker, user string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l := tr.List(func(e Entry) bool { return e.UserID == user })
		if len(l) == 1 && l[0].Status == events.PresenceOffline {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never went offline", user)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWatchedBatcher: in the watched scope a user's changes within an
// interval still collapse to the latest, but each user's change goes out
// alone, to the user's room and watchers, never to the department.
func TestWatchedBatcher(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		interval time.Duration
	}{{"batched", time.Hour}, {"unbatched", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			pub := make(published, 10)
			b := NewWatchedBatcher(pub, tt.interval)
			ctx := context.Background()
			_ = b.BroadcastUserPresenceUpdated(ctx, change("u1", "sales", "online", 1))
			if e := pub.next(t); e.UserID != "u1" || !e.Watched || e.Users != nil {
				t.Fatalf("first change: %+v", e)
			}
			_ = b.BroadcastUserPresenceUpdated(ctx, change("u2", "sales", "online", 1))
			_ = b.BroadcastUserPresenceUpdated(ctx, events.PresenceBatch("sales", []events.PresenceChange{
				{UserID: "u2", Status: "away", Version: 2}, {UserID: "u3", Status: "busy", Version: 5},
			}))
			b.Flush()
			got := map[string][]string{}
			want := map[string][]string{"u2": {"away"}, "u3": {"busy"}}
			if tt.interval == 0 {
				want["u2"] = []string{"online", "away"} // nothing is coalesced
			}
			n := len(want["u2"]) + len(want["u3"])
			for range n {
				e := pub.next(t)
				if !e.Watched || e.Users != nil || e.Department != "sales" {
					t.Fatalf("not a single watched change: %+v", e)
				}
				if rooms := e.Rooms(); !slices.Equal(rooms, []string{events.UserRoom(e.UserID), events.WatchRoom("sales", e.UserID)}) {
					t.Errorf("%s's change goes to %v", e.UserID, rooms)
				}
				got[e.UserID] = append(got[e.UserID], e.Status)
			}
			pub.none(t)
			for u, w := range want {
				if !slices.Equal(got[u], w) {
					t.Errorf("%s: %v, want %v", u, got[u], w)
				}
			}
		})
	}
}
