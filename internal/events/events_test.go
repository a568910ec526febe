package events

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRooms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event Event
		want  []string
	}{
		{"voicemail unassigned", &VoicemailCreated{Department: "sales"}, []string{"department-sales", "role-admin"}},
		{"voicemail assigned", &VoicemailCreated{Department: "sales", AssignedTo: "u1"}, []string{"department-sales", "role-admin", "user-u1"}},
		{"voicemail no department", &VoicemailCreated{}, []string{"department-general", "role-admin"}},
		{"voicemail reassigned", &VoicemailUpdated{Department: "support", AssignedTo: "u2", PreviousAssignee: "u1"}, []string{"department-support", "role-admin", "user-u2", "user-u1"}},
		{"call", &CallIncoming{Department: "support"}, []string{"department-support", "role-admin"}},
		{"call status", &CallStatusChanged{Department: "support", AssignedTo: "u3"}, []string{"department-support", "role-admin", "user-u3"}},
		{"call completed", &CallCompleted{Department: "sales"}, []string{"department-sales", "role-admin"}},
		{"recording", &CallRecordingAvailable{Department: "sales"}, []string{"department-sales", "role-admin"}},
		{"message", &MessageReceived{Department: "sales"}, []string{"department-sales", "role-admin"}},
		{"message status", &MessageStatusChanged{Department: "sales", AssignedTo: "u9"}, []string{"department-sales", "role-admin", "user-u9"}},
		{"conversation", &ConversationUpdated{Department: "support"}, []string{"department-support", "role-admin"}},
		{"task", &TaskAssigned{UserID: "u1", Department: "sales"}, []string{"department-sales", "role-admin", "user-u1"}},
		{"task no user", &TaskCompleted{Department: "sales"}, []string{"department-sales", "role-admin"}},
		{"task accepted", &TaskAccepted{UserID: "u1", Department: "sales"}, []string{"department-sales", "role-admin", "user-u1"}},
		{"task rejected", &TaskRejected{UserID: "u1", Department: "sales"}, []string{"department-sales", "role-admin", "user-u1"}},
		{"worker", &WorkerStatusChanged{UserID: "u4", Department: "support"}, []string{"department-support", "role-admin", "user-u4"}},
		{"worker activity", &WorkerActivityChanged{UserID: "u4", Department: "support"}, []string{"department-support", "role-admin", "user-u4"}},
		{"presence", &UserPresenceUpdated{UserID: "u4", Department: "support"}, []string{"department-support", "role-admin"}},
		{"notify all", &SystemNotification{Target: Target{Kind: TargetAll}}, []string{"role-admin", "role-supervisor", "role-agent"}},
		{"notify role", &SystemNotification{Target: Target{Kind: TargetRole, Value: "supervisor"}}, []string{"role-supervisor"}},
		{"notify department", &SystemNotification{Target: Target{Kind: TargetDepartment, Value: "sales"}}, []string{"department-sales"}},
		{"notify user", &SystemNotification{Target: Target{Kind: TargetUser, Value: "u7"}}, []string{"user-u7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.event.Rooms()
			if !slices.Equal(got, tt.want) {
				t.Errorf("Rooms() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, event, data string
		wantErr           string // substring; "" means success
	}{
		{"ok", "voicemail_created", `{"voicemailId":"v1","callSid":"CA1","from":"+1555","status":"new","department":"sales"}`, ""},
		{"unknown type", "voicemail_deleted", `{}`, "unknown event type"},
		{"missing field", "voicemail_created", `{"callSid":"CA1","from":"+1555","status":"new"}`, "voicemailId: is required"},
		{"bad enum", "voicemail_created", `{"voicemailId":"v1","callSid":"CA1","from":"+1","status":"lost"}`, "status: must be one of"},
		{"wrong type", "call_completed", `{"callSid":"CA1","status":"completed","durationSeconds":"long"}`, "durationSeconds: must be a int"},
		{"unknown field", "call_incoming", `{"callSid":"CA1","from":"a","to":"b","secret":1}`, "unknown field"},
		{"not json", "call_incoming", `{`, "call_incoming"},
		{"notify needs value", "system_notification", `{"level":"info","message":"hi","target":{"kind":"user"}}`, "target.value: is required"},
		{"notify all", "system_notification", `{"level":"info","message":"hi","target":{"kind":"all"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Decode(tt.event, json.RawMessage(tt.data))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if e.EventName() != tt.event {
					t.Fatalf("EventName = %s", e.EventName())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decode error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := Decode("nope", nil); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("Decode(nope) = %v, want ErrUnknownEvent", err)
	}
}

type emitted struct {
	rooms   []string
	event   string
	payload any
}

type recorder struct{ got []emitted }

func (r *recorder) EmitTo(rooms []string, event string, payload any) error {
	r.got = append(r.got, emitted{rooms, event, payload})
	return nil
}

func TestBroadcasterStampsAndRoutes(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	b := NewBroadcaster(rec)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	b.now = func() time.Time { return now }
	var observed []string
	b.Observe(func(e Event) { observed = append(observed, e.EventName()) })

	err := b.BroadcastVoicemailCreated(context.Background(), VoicemailCreated{VoicemailID: "v1", CallSID: "CA1", From: "+1", Status: "new", Department: "sales"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 1 || rec.got[0].event != "voicemail_created" {
		t.Fatalf("emitted %+v", rec.got)
	}
	if !slices.Equal(rec.got[0].rooms, []string{"department-sales", "role-admin"}) {
		t.Errorf("rooms %v", rec.got[0].rooms)
	}
	raw, _ := json.Marshal(rec.got[0].payload)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	if m["id"] == "" || m["occurredAt"] != "2026-11-25T12:00:00Z" || m["voicemailId"] != "v1" {
		t.Errorf("payload %s", raw)
	}
	if !slices.Equal(observed, []string{"voicemail_created"}) {
		t.Errorf("observed %v", observed)
	}

	// Invalid events are not emitted.
	if err := b.BroadcastCallIncoming(context.Background(), CallIncoming{}); err == nil {
		t.Fatal("invalid event published")
	}
	if len(rec.got) != 1 {
		t.Errorf("invalid event emitted: %+v", rec.got)
	}
}

func TestNewIDsAreUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	now := time.Now()
	for i := 0; i < 1000; i++ {
		id := NewID(now)
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

// TestStampThenPublish: Stamp gives the id and time Publish then keeps,
// refuses what Publish refuses, and the journaled mark is never sent.
func TestStampThenPublish(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name     string
		event    Event
		wantErr  bool
		wantID   string // "" means any fresh id
		wantTime time.Time
		journal  bool
	}{
		{name: "fresh", event: &CallIncoming{CallSID: "CA1", From: "+1", To: "+2", Department: "sales"}},
		{name: "journaled", event: &CallIncoming{CallSID: "CA1", From: "+1", To: "+2", Department: "sales"}, journal: true},
		{name: "id and time kept", event: &CallIncoming{Meta: Meta{ID: "given", OccurredAt: at}, CallSID: "CA1", From: "+1", To: "+2", Department: "sales"},
			wantID: "given", wantTime: at},
		{name: "invalid", event: &CallIncoming{}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Stamp(c.event)
			if (err != nil) != c.wantErr {
				t.Fatalf("Stamp: %v, want error %v", err, c.wantErr)
			}
			if c.wantErr {
				var fe *FieldError
				if !errors.As(err, &fe) || c.event.EventID() != "" {
					t.Errorf("Stamp of an invalid event: %v, id %q", err, c.event.EventID())
				}
				return
			}
			id, when := c.event.EventID(), c.event.EventTime()
			if id == "" || when.IsZero() || (c.wantID != "" && id != c.wantID) || (!c.wantTime.IsZero() && !when.Equal(c.wantTime)) {
				t.Fatalf("stamped id %q time %v, want %q %v", id, when, c.wantID, c.wantTime)
			}
			if Journaled(c.event) {
				t.Fatal("journaled before MarkJournaled")
			}
			if c.journal {
				MarkJournaled(c.event)
				if !Journaled(c.event) {
					t.Fatal("MarkJournaled did not mark")
				}
			}
			rec := &recorder{}
			b := NewBroadcaster(rec)
			var observed []bool
			b.Observe(func(e Event) { observed = append(observed, Journaled(e)) })
			if err := b.Publish(context.Background(), c.event); err != nil {
				t.Fatal(err)
			}
			if c.event.EventID() != id || !c.event.EventTime().Equal(when) {
				t.Errorf("Publish changed the stamp: %q %v, was %q %v", c.event.EventID(), c.event.EventTime(), id, when)
			}
			if !slices.Equal(observed, []bool{c.journal}) {
				t.Errorf("observers saw journaled=%v, want [%v]", observed, c.journal)
			}
			raw, _ := json.Marshal(rec.got[0].payload)
			if strings.Contains(strings.ToLower(string(raw)), "journal") || !strings.Contains(string(raw), `"id":"`+id+`"`) {
				t.Errorf("payload %s", raw)
			}
		})
	}
}
