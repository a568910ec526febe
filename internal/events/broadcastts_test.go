package events

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestInputRequiredMatchesDecode holds the generated input types to what
// POST /api/internal/events accepts: for every event, the sample data with
// only the fields marked required decodes, and without any one of them
// it does not.
func TestInputRequiredMatchesDecode(t *testing.T) {
	for _, e := range catalog {
		typ := reflect.TypeOf(e).Elem()
		t.Run(e.EventName(), func(t *testing.T) {
			sample := reflect.New(typ)
			fillSample(sample.Elem())
			full, err := json.Marshal(sample.Interface())
			if err != nil {
				t.Fatal(err)
			}
			var all map[string]json.RawMessage
			if err := json.Unmarshal(full, &all); err != nil {
				t.Fatal(err)
			}
			required := map[string]json.RawMessage{}
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				if f.Anonymous || !f.IsExported() {
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if requiredOnInput(sample, []int{i}) {
					required[name] = all[name]
				}
			}
			if len(required) == 0 {
				t.Fatal("no required field: every event has at least one")
			}
			body, _ := json.Marshal(required)
			if _, err := Decode(e.EventName(), body); err != nil {
				t.Fatalf("the required fields alone %s: %v", body, err)
			}
			for name := range required {
				without := map[string]json.RawMessage{}
				for k, v := range required {
					if k != name {
						without[k] = v
					}
				}
				body, _ := json.Marshal(without)
				if _, err := Decode(e.EventName(), body); err == nil {
					t.Errorf("decoded without %s: %s", name, body)
				}
			}
		})
	}
}

func TestBroadcastTypeScript(t *testing.T) {
	ts := string(BroadcastTypeScript())
	for _, want := range []string{
		// Required and optional as Validate says.
		"export interface VoicemailCreatedInput extends Partial<EventMeta> {\n  voicemailId: string;\n  callSid: string;\n  recordingSid?: string;\n  from: string;\n",
		"  status: 'new' | 'listened' | 'archived';\n",
		"export interface ConversationUpdatedInput extends Partial<EventMeta> {\n  conversationId: string;\n  ourNumber?: string;\n",
		"  lastMessageAt?: string | Date;\n",
		// The tsin override.
		"  target: { kind: 'all'; value?: string } | { kind: 'role' | 'department' | 'user'; value: string };\n",
		"  system_notification: SystemNotificationInput;\n",
		"export function broadcastCallRecordingAvailable(payload: CallRecordingAvailableInput, options?: BroadcastOptions): Promise<string> {\n  return broadcast({ type: \"call_recording_available\", data: payload }, options);\n}\n",
		"    broadcastUserPresenceUpdated: (payload, options) => send({ type: \"user_presence_updated\", data: payload }, options),\n",
	} {
		if !strings.Contains(ts, want) {
			t.Errorf("the generated server helpers lack\n%s", want)
		}
	}
	for _, name := range Names() {
		fn := BroadcastFuncName(name)
		if strings.Count(ts, "export function "+fn+"(") != 1 || strings.Count(ts, "  "+fn+"(payload: ") != 1 {
			t.Errorf("%s: want one top-level function and one EventBroadcasters method", fn)
		}
	}
}

func TestBroadcastFuncName(t *testing.T) {
	tests := []struct{ event, want string }{
		{"voicemail_created", "broadcastVoicemailCreated"},
		{"call_recording_available", "broadcastCallRecordingAvailable"},
		{"user_presence_updated", "broadcastUserPresenceUpdated"},
		{"system_notification", "broadcastSystemNotification"},
	}
	for _, tt := range tests {
		if got := BroadcastFuncName(tt.event); got != tt.want {
			t.Errorf("BroadcastFuncName(%q) = %q, want %q", tt.event, got, tt.want)
		}
	}
}
