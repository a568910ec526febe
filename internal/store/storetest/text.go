package storetest

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

// Text a webhook may carry that PostgreSQL refuses in a text column
// (SQLSTATE 22021), and what every store keeps of it (see the store
// package's doc): a NUL becomes U+FFFD, and so does each run of bytes
// that is not UTF-8.
const (
	nul       = "a\x00b"
	nulKept   = "a\uFFFDb"
	bad       = "\xff\xfe"
	badKept   = "\uFFFD"
	mixed     = "x\x00\xc3(y\xed\xa0\x80z" // NUL, a cut sequence, an encoded surrogate
	mixedKept = "x\uFFFD\uFFFD(y\uFFFDz"
)

// dirtyJSON is valid JSON (json.Valid) that PostgreSQL's jsonb refuses:
// \u0000 and a lone surrogate, beside raw bytes that are not UTF-8 and
// escapes that must stay as they are.
const dirtyJSON = `{"nul":"a\u0000b","lone":"\ud800","low":"x\udc00","pair":"\ud83d\ude00","raw":"` + bad +
	`","escaped":"\\u0000","key\u0000":1,"list":["\u0000",{"deep":"\u0000\u0000"}]}`

// cleanJSON is dirtyJSON as stored, decoded.
var cleanJSON = map[string]any{
	"nul": nulKept, "lone": "\uFFFD", "low": "x\uFFFD", "pair": "\U0001F600", "raw": badKept,
	"escaped": `\u0000`, "key\uFFFD": 1.0, "list": []any{"\uFFFD", map[string]any{"deep": "\uFFFD\uFFFD"}},
}

// nulEscape matches a \u0000 escape (not an escaped backslash before
// "u0000").
var nulEscape = regexp.MustCompile(`(^|[^\\])(\\\\)*\\u0000`)

// checkJSON fails the test unless stored is dirtyJSON as stored.
func checkJSON(t *testing.T, what string, stored []byte) {
	t.Helper()
	var got any
	if err := json.Unmarshal(stored, &got); err != nil {
		t.Fatalf("%s: %v in %s", what, err, stored)
	}
	want, _ := json.Marshal(cleanJSON)
	have, _ := json.Marshal(got)
	if string(have) != string(want) {
		t.Errorf("%s = %s, want %s", what, have, want)
	}
	text := string(stored)
	if nulEscape.MatchString(text) || strings.Contains(text, `"\ud800"`) || strings.Contains(text, `x\udc00"`) {
		t.Errorf("%s: %s kept an escape that jsonb refuses", what, stored)
	}
}

// testTextStored writes text with NUL and invalid UTF-8 into every text
// column of every record kind: each write succeeds, what is read back is
// the text with U+FFFD in place of what could not be stored, and the
// records are found again by the keys as they were given.
func testTextStored(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)

	t.Run("conversations and messages", func(t *testing.T) {
		conv, created, err := st.Conversations().Ensure(c, "+1"+nul, "+2"+bad, "dept"+mixed)
		noErr(t, err)
		eq(t, "created", created, true)
		eq(t, "our number", conv.OurNumber, "+1"+nulKept)
		eq(t, "customer number", conv.CustomerNumber, "+2"+badKept)
		eq(t, "department", conv.Department, "dept"+mixedKept)
		again, created, err := st.Conversations().Ensure(c, "+1"+nul, "+2"+bad, "other")
		noErr(t, err)
		eq(t, "ensured again", created, false)
		eq(t, "same conversation", again.ID, conv.ID)

		in := store.Message{SID: "SM" + nul, ConversationID: conv.ID, Direction: store.Inbound, From: "+2" + bad,
			To: "+1" + nul, Body: mixed, NumMedia: 1, MediaURLs: []string{"https://m/" + nul}, CreatedAt: at(1)}
		res, err := st.Messages().Create(c, in)
		noErr(t, err)
		eq(t, "message created", res.Created, true)
		want := store.Message{SID: "SM" + nulKept, ConversationID: conv.ID, Direction: store.Inbound, From: "+2" + badKept,
			To: "+1" + nulKept, Body: mixedKept, NumMedia: 1, Status: store.MessageReceived}
		for what, m := range map[string]store.Message{
			"returned":         res.Message,
			"got":              must(st.Messages().Get(c, "SM"+nul)).of(t),
			"got by kept text": must(st.Messages().Get(c, "SM"+nulKept)).of(t),
		} {
			if !slices.Equal(m.MediaURLs, []string{"https://m/" + nulKept}) {
				t.Errorf("%s media = %q", what, m.MediaURLs)
			}
			m.MediaURLs, m.CreatedAt, m.UpdatedAt = nil, want.CreatedAt, want.UpdatedAt
			if !reflect.DeepEqual(m, want) {
				t.Errorf("%s = %#v, want %#v", what, m, want)
			}
		}
		eq(t, "preview", res.Conversation.LastMessagePreview, mixedKept)
		retry, err := st.Messages().Create(c, in)
		noErr(t, err)
		eq(t, "retry created", retry.Created, false)

		out, err := st.Messages().Create(c, store.Message{SID: "SM" + bad, ConversationID: conv.ID,
			Direction: store.Outbound, Body: "x", SentBy: "user" + nul})
		noErr(t, err)
		eq(t, "sent by", out.Message.SentBy, "user"+nulKept)
		_, tr, err := st.Messages().UpdateStatus(c, store.MessageStatusUpdate{SID: "SM" + bad, Status: store.MessageFailed,
			ErrorCode: "300" + nul})
		noErr(t, err)
		eq(t, "status changed", tr.Changed, true)
		eq(t, "error code", must(st.Messages().Get(c, "SM"+badKept)).of(t).ErrorCode, "300"+nulKept)
		eq(t, "history", len(must(st.Messages().History(c, "SM"+bad)).of(t)), 2)
		page := must(st.Messages().List(c, store.MessageFilter{ConversationID: conv.ID})).of(t)
		eq(t, "listed", len(page.Items), 2)
	})

	t.Run("calls and recordings", func(t *testing.T) {
		call, created, err := st.Calls().Create(c, store.Call{SID: "CA" + nul, ParentSID: bad, Direction: "inbound",
			From: "+1" + nul, To: "+2", CallerName: "Ann" + bad, Department: mixed, AssignedTo: nul})
		noErr(t, err)
		eq(t, "created", created, true)
		got := must(st.Calls().Get(c, "CA"+nul)).of(t)
		if got != call {
			t.Errorf("got %#v, returned %#v", got, call)
		}
		eq(t, "sid", got.SID, "CA"+nulKept)
		eq(t, "parent", got.ParentSID, badKept)
		eq(t, "from", got.From, "+1"+nulKept)
		eq(t, "caller name", got.CallerName, "Ann"+badKept)
		eq(t, "department", got.Department, mixedKept)
		eq(t, "assigned to", got.AssignedTo, nulKept)
		_, tr, err := st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: "CA" + nul, Status: store.CallCompleted, Sequence: 2})
		noErr(t, err)
		eq(t, "completed", tr.Changed, true)
		eq(t, "history", len(must(st.Calls().History(c, "CA"+nulKept)).of(t)), 2)

		// A status callback that creates its call.
		_, tr, err = st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: "CA" + bad, Status: store.CallRinging,
			Sequence: 0, Call: store.Call{From: mixed, CallerName: nul}})
		noErr(t, err)
		eq(t, "created by callback", tr.Created, true)
		cb := must(st.Calls().Get(c, "CA"+badKept)).of(t)
		eq(t, "callback from", cb.From, mixedKept)
		eq(t, "callback caller name", cb.CallerName, nulKept)

		for i, status := range []string{store.RecordingInProgress, store.RecordingCompleted} {
			_, _, err := st.Recordings().UpdateStatus(c, store.RecordingUpdate{SID: "RE" + nul, Kind: store.RecordingKindCall,
				CallSID: "CA" + nul, Status: status, URL: "https://r/" + bad, Source: mixed, ErrorCode: nul, At: at(i)})
			noErr(t, err)
		}
		rec := must(st.Recordings().Get(c, "RE"+nul, store.RecordingKindCall)).of(t)
		eq(t, "recording sid", rec.SID, "RE"+nulKept)
		eq(t, "recording status", rec.Status, store.RecordingCompleted)
		eq(t, "recording url", rec.URL, "https://r/"+badKept)
		eq(t, "recording source", rec.Source, mixedKept)
		eq(t, "recording error", rec.ErrorCode, nulKept)
		eq(t, "recordings of the call", len(must(st.Recordings().ListByCall(c, "CA"+nul)).of(t)), 1)
	})

	t.Run("voicemails", func(t *testing.T) {
		vm, created, err := st.Voicemails().Create(c, store.Voicemail{CallSID: "CA" + nul, RecordingSID: "RE" + bad,
			RecordingURL: mixed, From: "+1" + nul, To: "+2" + bad, CallerName: "Bo" + nul, Department: "sales",
			Notes: nul, Transcription: bad, UpdatedBy: mixed})
		noErr(t, err)
		eq(t, "created", created, true)
		eq(t, "recording sid", vm.RecordingSID, "RE"+badKept)
		eq(t, "caller name", vm.CallerName, "Bo"+nulKept)
		eq(t, "transcription", vm.Transcription, badKept)
		_, created, err = st.Voicemails().Create(c, store.Voicemail{RecordingSID: "RE" + bad})
		noErr(t, err)
		eq(t, "created again", created, false)
		notes := "note" + bad
		_, err = st.Voicemails().Update(c, vm.ID, store.VoicemailPatch{Notes: &notes, UpdatedBy: "u" + nul})
		noErr(t, err)
		got := must(st.Voicemails().Get(c, vm.ID)).of(t)
		eq(t, "notes", got.Notes, "note"+badKept)
		eq(t, "updated by", got.UpdatedBy, "u"+nulKept)
		eq(t, "url", got.RecordingURL, mixedKept)
	})

	t.Run("tasks and workers", func(t *testing.T) {
		_, err := st.Tasks().Upsert(c, store.Task{SID: "WT" + nul, Attributes: json.RawMessage(dirtyJSON), QueueName: bad,
			Channel: nul, WorkflowSID: mixed, Department: "sales", WorkerSID: "WK" + nul, Reason: bad, EventAt: at(1)})
		noErr(t, err)
		task := must(st.Tasks().Get(c, "WT"+nul)).of(t)
		eq(t, "task sid", task.SID, "WT"+nulKept)
		eq(t, "queue", task.QueueName, badKept)
		eq(t, "workflow", task.WorkflowSID, mixedKept)
		checkJSON(t, "task attributes", task.Attributes)
		open := must(st.Tasks().ListOpen(c, store.TaskFilter{Scope: store.Scope{All: true}, WorkerSID: "WK" + nul})).of(t)
		eq(t, "open tasks of the worker", len(open.Items), 1)

		_, err = st.Workers().Upsert(c, store.Worker{SID: "WK" + nul, Name: "Wu" + bad, ActivitySID: nul,
			ActivityName: mixed, UserID: "u" + nul, Department: "sales", Attributes: json.RawMessage(dirtyJSON), EventAt: at(1)})
		noErr(t, err)
		w := must(st.Workers().GetByUser(c, "u"+nul)).of(t)
		eq(t, "worker sid", w.SID, "WK"+nulKept)
		eq(t, "worker name", w.Name, "Wu"+badKept)
		eq(t, "activity name", w.ActivityName, mixedKept)
		checkJSON(t, "worker attributes", w.Attributes)

		_, err = st.Tasks().UpsertReservation(c, store.Reservation{SID: "WR" + bad, TaskSID: "WT" + nul,
			WorkerSID: "WK" + nul, EventAt: at(1)})
		noErr(t, err)
		r := must(st.Tasks().GetReservation(c, "WR"+bad)).of(t)
		eq(t, "reservation task", r.TaskSID, "WT"+nulKept)
		eq(t, "pending of the worker", len(must(st.Tasks().PendingReservations(c, "WK"+nul)).of(t)), 1)
	})

	t.Run("activity", func(t *testing.T) {
		e := store.ActivityEntry{ID: "ev" + nul, Type: "message_received" + bad,
			Rooms:   []string{"department-" + nul, "department-" + nulKept}, // one room as stored
			Payload: json.RawMessage(dirtyJSON), OccurredAt: at(1)}
		created, err := st.Activity().Append(c, e)
		noErr(t, err)
		eq(t, "created", created, true)
		created, err = st.Activity().Append(c, e)
		noErr(t, err)
		eq(t, "appended again", created, false)
		list := must(st.Activity().List(c, store.ActivityQuery{Rooms: []string{"department-" + nul}})).of(t)
		if len(list) != 1 {
			t.Fatalf("listed %d entries, want 1", len(list))
		}
		got := list[0]
		eq(t, "id", got.ID, "ev"+nulKept)
		eq(t, "type", got.Type, "message_received"+badKept)
		if !slices.Equal(got.Rooms, []string{"department-" + nulKept}) {
			t.Errorf("rooms = %q", got.Rooms)
		}
		checkJSON(t, "payload", got.Payload)
		after := must(st.Activity().List(c, store.ActivityQuery{Rooms: []string{"department-" + nulKept}, AfterID: "ev" + nul})).of(t)
		eq(t, "after itself", len(after), 0)
	})

	t.Run("dedupe", func(t *testing.T) {
		for i, tc := range []struct {
			route, key string
			first      bool
		}{
			{"sms", "SM" + nul, true},
			{"sms", "SM" + nul, false},
			{"sms", "SM" + nulKept, false}, // the key as stored
			{"sms" + bad, "SM" + bad, true},
			{"sms" + badKept, "SM" + badKept, false},
		} {
			_, first, err := st.Dedupe().Claim(c, tc.route, tc.key)
			noErr(t, err)
			if first != tc.first {
				t.Errorf("claim %d (%q, %q): first = %v, want %v", i, tc.route, tc.key, first, tc.first)
			}
		}
	})
}
