package events

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPresenceBatchValidate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	ch := func(id, status string, v int64) PresenceChange {
		return PresenceChange{UserID: id, Status: status, LastSeenAt: at, Version: v}
	}
	batch := func(cs ...PresenceChange) *UserPresenceUpdated {
		e := PresenceBatch("sales", append([]PresenceChange(nil), cs...))
		return &e
	}
	big := make([]PresenceChange, MaxPresenceBatch+1)
	for i := range big {
		big[i] = ch("u"+strconv.Itoa(i), "online", 1)
	}
	tests := []struct {
		name  string
		e     *UserPresenceUpdated
		field string // "" when valid
	}{
		{"single", batch(ch("a", "online", 1)), ""},
		{"batch", batch(ch("a", "online", 1), ch("b", "offline", 2)), ""},
		{"empty users", &UserPresenceUpdated{UserID: "a", Status: "online", Users: []PresenceChange{}}, "users"},
		{"entry without id", batch(ch("a", "online", 1), ch("", "online", 1)), "users[1].userId"},
		{"entry with a bad status", batch(ch("a", "online", 1), ch("b", "asleep", 1)), "users[1].status"},
		{"a user twice", batch(ch("a", "online", 1), ch("a", "offline", 2)), "users[1].userId"},
		{"top level not the first", func() *UserPresenceUpdated {
			e := batch(ch("a", "online", 1), ch("b", "online", 1))
			e.UserID = "b"
			return e
		}(), "users[0]"},
		{"too many", batch(big...), "users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.e.Validate()
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("Validate = %v, want an error on %s", err, tt.field)
			}
		})
	}
}

// A batch's entries carry lastSeenAt for offline users only; the single
// form keeps it at the top level; Decode (the internal API) reads both.
func TestPresenceBatchWire(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	e := PresenceBatch("sales", []PresenceChange{
		{UserID: "a", Name: "Ada", Status: "online", LastSeenAt: at, Version: 3},
		{UserID: "b", Status: "offline", LastSeenAt: at, Version: 4},
	})
	b, err := json.Marshal(&e)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"userId":"a","name":"Ada","department":"sales","status":"online","lastSeenAt":"2026-12-07T12:00:00Z","version":3`,
		`"users":[{"userId":"a","name":"Ada","status":"online","version":3},{"userId":"b","status":"offline","lastSeenAt":"2026-12-07T12:00:00Z","version":4}]`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("%s\nlacks %s", s, want)
		}
	}
	back, err := Decode("user_presence_updated", b)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.(*UserPresenceUpdated); len(got.Users) != 2 || got.Users[1].LastSeenAt != at || got.Rooms()[0] != DepartmentRoom("sales") {
		t.Fatalf("decoded %+v", got)
	}
}

func TestPresenceChanges(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ann := PresenceChange{UserID: "ann", Name: "Ann", Role: RoleAgent, Status: PresenceOffline, LastSeenAt: at, Version: 3}
	bob := PresenceChange{UserID: "bob", Status: PresenceOnline, Version: 5}
	tests := []struct {
		name string
		e    UserPresenceUpdated
		want []string
	}{
		{"one change", PresenceBatch("sales", []PresenceChange{ann}), []string{"ann:offline:3"}},
		{"a batch", PresenceBatch("sales", []PresenceChange{ann, bob}), []string{"ann:offline:3", "bob:online:5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range tt.e.Changes() {
				got = append(got, c.UserID+":"+c.Status+":"+strconv.FormatInt(c.Version, 10))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("Changes() = %v, want %v", got, tt.want)
			}
		})
	}
	one := PresenceBatch("sales", []PresenceChange{ann})
	if c := one.Changes()[0]; c != ann {
		t.Fatalf("a single change loses fields: %+v, want %+v", c, ann)
	}
}

// TestWatchRoom: no two (department, user) pairs share a watch room, and
// every watch room of a department starts with its prefix, and no other
// department's does.
func TestWatchRoom(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{{"a-b", "c"}, {"a", "b-c"}, {"a", "1-a-b"}, {"1-a", "b"}, {"", "x"}, {"sales", "u1"}, {"sales-", "u1"}}
	seen := map[string][2]string{}
	for _, p := range pairs {
		room := WatchRoom(p[0], p[1])
		if q, dup := seen[room]; dup {
			t.Errorf("%v and %v share %q", p, q, room)
		}
		seen[room] = p
		for _, o := range pairs {
			if has := strings.HasPrefix(room, WatchRoomPrefix(o[0])); has != (o[0] == p[0]) {
				t.Errorf("%q has the prefix of department %q: %v", room, o[0], has)
			}
		}
	}
	if got := WatchRoom("sales", "u1"); got != "presence-5-sales-u1" {
		t.Errorf("WatchRoom = %q", got)
	}
	e := UserPresenceUpdated{UserID: "u1", Department: "sales", Watched: true}
	if got := e.Rooms(); !slices.Equal(got, []string{"user-u1", "presence-5-sales-u1"}) {
		t.Errorf("watched Rooms = %v", got)
	}
	if !e.Unlogged() || (&UserPresenceUpdated{UserID: "u1"}).Unlogged() {
		t.Error("a watched change, and only it, stays out of the recovery log")
	}
	if n, err := Narrow(&e, "user-u1"); err != nil || !n.(interface{ Unlogged() bool }).Unlogged() {
		t.Errorf("narrowed watched change: logged (%v)", err)
	}
	if b, _ := json.Marshal(&e); strings.Contains(string(b), "atched") {
		t.Errorf("Watched is sent: %s", b)
	}
}
