package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

func entry(id string, when time.Time, rooms ...string) store.ActivityEntry {
	return store.ActivityEntry{ID: id, Type: "voicemail_created", Rooms: rooms,
		Payload: json.RawMessage(fmt.Sprintf(`{"id":%q,"voicemailId":"vm","occurredAt":%q}`, id, when.Format(time.RFC3339Nano))), OccurredAt: when}
}

func ids(es []store.ActivityEntry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return fmt.Sprint(out)
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

func testActivity(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	entries := []store.ActivityEntry{
		entry("e1", at(1), "department-sales", "role-admin"),
		entry("e2", at(2), "department-support", "role-admin"),
		entry("e3", at(3), "user-u1", "department-sales", "role-admin", "user-u1"),
		entry("e4", at(4), "role-agent", "role-supervisor", "role-admin"),
		entry("e5", at(4), "department-support", "role-admin"),
	}
	for _, e := range entries {
		created, err := st.Activity().Append(c, e)
		noErr(t, err)
		eq(t, e.ID+" created", created, true)
	}
	created, err := st.Activity().Append(c, entries[0])
	noErr(t, err)
	eq(t, "append again", created, false)

	tests := []struct {
		name  string
		query store.ActivityQuery
		want  string
	}{
		{"sales agent", store.ActivityQuery{Rooms: []string{"user-u1", "role-agent", "department-sales"}}, "[e4 e3 e1]"},
		{"support agent", store.ActivityQuery{Rooms: []string{"user-u2", "role-agent", "department-support"}}, "[e5 e4 e2]"},
		{"admin", store.ActivityQuery{Rooms: []string{"role-admin"}}, "[e5 e4 e3 e2 e1]"},
		{"limit", store.ActivityQuery{Rooms: []string{"role-admin"}, Limit: 2}, "[e5 e4]"},
		{"no rooms", store.ActivityQuery{}, "[]"},
		{"unknown room", store.ActivityQuery{Rooms: []string{"department-legal"}}, "[]"},
	}
	for _, tc := range tests {
		got := must(st.Activity().List(c, tc.query)).of(t)
		eq(t, tc.name, ids(got), tc.want)
	}
	got := must(st.Activity().List(c, store.ActivityQuery{Rooms: []string{"user-u1"}})).of(t)
	if len(got) != 1 {
		t.Fatalf("user-u1 sees %s", ids(got))
	}
	if !slices.Equal(got[0].Rooms, []string{"department-sales", "role-admin", "user-u1"}) {
		t.Errorf("rooms = %v (sorted, deduplicated)", got[0].Rooms)
	}
	if !jsonEqual(t, got[0].Payload, entries[2].Payload) {
		t.Errorf("payload = %s, want %s", got[0].Payload, entries[2].Payload)
	}
	eq(t, "type", got[0].Type, "voicemail_created")
	eq(t, "time", got[0].OccurredAt.Equal(at(3)), true)

	bad := entry("e9", at(9), "role-admin")
	bad.Payload = json.RawMessage(`{"unterminated`)
	_, err = st.Activity().Append(c, bad)
	wantErr(t, err, store.ErrInvalid)
	_, err = st.Activity().Append(c, store.ActivityEntry{Payload: json.RawMessage(`{}`)})
	wantErr(t, err, store.ErrInvalid)
}

func testActivitySince(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	for i := range 6 {
		when := at(i / 2) // pairs share a time
		_, err := st.Activity().Append(c, entry(fmt.Sprintf("e%d", i), when, "role-admin"))
		noErr(t, err)
	}
	rooms := []string{"role-admin"}
	tests := []struct {
		name  string
		query store.ActivityQuery
		want  string
	}{
		{"since", store.ActivityQuery{Rooms: rooms, Since: at(0)}, "[e5 e4 e3 e2]"},
		{"since just before", store.ActivityQuery{Rooms: rooms, Since: at(1).Add(-time.Microsecond)}, "[e5 e4 e3 e2]"},
		{"since the last", store.ActivityQuery{Rooms: rooms, Since: at(2)}, "[]"},
		{"after an id", store.ActivityQuery{Rooms: rooms, AfterID: "e2"}, "[e5 e4 e3]"},
		{"after the first of a pair", store.ActivityQuery{Rooms: rooms, AfterID: "e4"}, "[e5]"},
		{"after the newest", store.ActivityQuery{Rooms: rooms, AfterID: "e5"}, "[]"},
		{"after an unknown id", store.ActivityQuery{Rooms: rooms, AfterID: "pruned", Limit: 2}, "[e5 e4]"},
		{"since and limit", store.ActivityQuery{Rooms: rooms, Since: at(0), Limit: 3}, "[e5 e4 e3]"},
	}
	for _, tc := range tests {
		eq(t, tc.name, ids(must(st.Activity().List(c, tc.query)).of(t)), tc.want)
	}
}

func testActivityPrune(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	for i := range 5 {
		_, err := st.Activity().Append(c, entry(fmt.Sprintf("e%d", i), at(i), "role-admin", "department-sales"))
		noErr(t, err)
	}
	n := must(st.Activity().Prune(c, at(3))).of(t)
	eq(t, "pruned", n, int64(3))
	eq(t, "left", ids(must(st.Activity().List(c, store.ActivityQuery{Rooms: []string{"department-sales"}})).of(t)), "[e4 e3]")
	// A pruned id can be appended again (its rooms went with it).
	created, err := st.Activity().Append(c, entry("e0", at(0), "role-admin"))
	noErr(t, err)
	eq(t, "re-append", created, true)
}

func testDedupe(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	first, ok, err := st.Dedupe().Claim(c, "status", "CA1:3")
	noErr(t, err)
	eq(t, "first", ok, true)
	again, ok, err := st.Dedupe().Claim(c, "status", "CA1:3")
	noErr(t, err)
	eq(t, "again", ok, false)
	eq(t, "first seen", again.Equal(first), true)
	_, ok, err = st.Dedupe().Claim(c, "recording", "CA1:3")
	noErr(t, err)
	eq(t, "other route", ok, true)
	_, _, err = st.Dedupe().Claim(c, "", "x")
	wantErr(t, err, store.ErrInvalid)
	n := must(st.Dedupe().Prune(c, time.Now().Add(time.Hour))).of(t)
	eq(t, "pruned", n, int64(2))
	_, ok, err = st.Dedupe().Claim(c, "status", "CA1:3")
	noErr(t, err)
	eq(t, "after prune", ok, true)
}
