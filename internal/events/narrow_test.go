package events

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

func TestNarrow(t *testing.T) {
	vm := &VoicemailCreated{VoicemailID: "vm1", CallSID: "CA1", From: "+1555", Status: VoicemailNew, Department: "sales", AssignedTo: "u1"}
	tests := []struct {
		room    string
		wantErr bool
	}{
		{"user-u1", false},
		{"department-sales", false},
		{"role-admin", false},
		{"user-u2", true},            // not the assignee
		{"department-support", true}, // another department
		{"role-agent", true},         // wider than the policy
		{"", true},
	}
	for _, tt := range tests {
		n, err := Narrow(vm, tt.room)
		if tt.wantErr {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "room" {
				t.Errorf("Narrow(%q) = %v, want a room FieldError", tt.room, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Narrow(%q): %v", tt.room, err)
		}
		if got := n.Rooms(); !slices.Equal(got, []string{tt.room}) {
			t.Errorf("Narrow(%q).Rooms() = %v", tt.room, got)
		}
		if n.EventName() != "voicemail_created" {
			t.Errorf("EventName %q", n.EventName())
		}
	}

	// Stamped and encoded through the narrowed event, the payload is the
	// event's own, with the id and time it was given.
	n, _ := Narrow(vm, "user-u1")
	if err := Stamp(n); err != nil {
		t.Fatal(err)
	}
	if vm.ID == "" || n.EventID() != vm.ID {
		t.Errorf("stamp went elsewhere: event id %q, narrowed %q", vm.ID, n.EventID())
	}
	got, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(vm)
	if string(got) != string(want) {
		t.Errorf("payload %s, want %s", got, want)
	}
	MarkJournaled(n)
	if !Journaled(vm) {
		t.Error("MarkJournaled on the narrowed event did not reach the event")
	}
}
