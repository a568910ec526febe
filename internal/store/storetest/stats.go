package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

func testStatsQueue(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	for _, tk := range []store.Task{
		{SID: "WT1", Status: store.TaskPending, Department: "sales", CreatedAt: at(10)},
		{SID: "WT2", Status: store.TaskReserved, Department: "sales", CreatedAt: at(5)},
		{SID: "WT3", Status: store.TaskAssigned, Department: "sales", CreatedAt: at(1)},
		{SID: "WT4", Status: store.TaskCompleted, Department: "sales", CreatedAt: at(0)},
		{SID: "WT5", Status: store.TaskPending, Department: "support", CreatedAt: at(20)},
		{SID: "WT6", Status: store.TaskWrapping, Department: "billing", CreatedAt: at(2)},
	} {
		tk.EventAt = tk.CreatedAt
		_, err := st.Tasks().Upsert(c, tk)
		noErr(t, err)
	}
	tests := []struct {
		name  string
		scope store.Scope
		want  []store.QueueStat
	}{
		{"all", store.AllDepartments(), []store.QueueStat{{Department: "sales", Waiting: 2, OldestAt: at(5)}, {Department: "support", Waiting: 1, OldestAt: at(20)}}},
		{"support", store.InDepartments("support"), []store.QueueStat{{Department: "support", Waiting: 1, OldestAt: at(20)}}},
		{"nothing waits", store.InDepartments("billing"), nil},
		{"empty scope", store.Scope{}, nil},
	}
	for _, tc := range tests {
		got := must(st.Stats().Queue(c, tc.scope)).of(t)
		if len(got) != len(tc.want) {
			t.Errorf("%s: queue = %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i].Department != tc.want[i].Department || got[i].Waiting != tc.want[i].Waiting || !got[i].OldestAt.Equal(tc.want[i].OldestAt) {
				t.Errorf("%s: queue[%d] = %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
	// A task accepted leaves the queue.
	_, err := st.Tasks().Upsert(c, store.Task{SID: "WT2", Status: store.TaskAssigned, Version: 1, EventAt: at(30)})
	noErr(t, err)
	got := must(st.Stats().Queue(c, store.InDepartments("sales"))).of(t)
	if len(got) != 1 || got[0].Waiting != 1 || !got[0].OldestAt.Equal(at(10)) {
		t.Errorf("after accepting WT2: queue = %+v, want sales 1 since %v", got, at(10))
	}
}

func testStatsBacklog(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	for i, dep := range []string{"sales", "sales", "sales", "support"} {
		vm := must2(st.Voicemails().Create(c, newVoicemail(i, dep))).of(t)
		if i == 2 {
			_, err := st.Voicemails().Update(c, vm.ID, store.VoicemailPatch{Status: ptr(store.VoicemailListened)})
			noErr(t, err)
		}
	}
	conv := func(customer, dep string, unread int, markRead bool) {
		cv := must2(st.Conversations().Ensure(c, ourNumber, customer, dep)).of(t)
		for i := range unread {
			_, err := st.Messages().Create(c, inbound(fmt.Sprintf("SM%s%d", customer, i), cv.ID, "hi", at(i)))
			noErr(t, err)
		}
		if markRead {
			_, _, err := st.Conversations().MarkRead(c, cv.ID)
			noErr(t, err)
		}
	}
	conv("+15550000001", "sales", 2, false)
	conv("+15550000002", "sales", 1, true)
	conv("+15550000003", "sales", 0, false)
	conv("+15550000004", "support", 1, false)
	tests := []struct {
		name  string
		scope store.Scope
		want  store.Backlog
	}{
		{"all", store.AllDepartments(), store.Backlog{VoicemailsUnlistened: 3, ConversationsUnread: 2}},
		{"sales", store.InDepartments("sales"), store.Backlog{VoicemailsUnlistened: 2, ConversationsUnread: 1}},
		{"other", store.InDepartments("billing"), store.Backlog{}},
		{"empty scope", store.Scope{}, store.Backlog{}},
	}
	for _, tc := range tests {
		eq(t, tc.name, must(st.Stats().Backlog(c, tc.scope)).of(t), tc.want)
	}
}

// statsCall stores a call created at created with the statuses given, each
// at its time (seconds of the suite's clock).
func statsCall(t *testing.T, st store.Store, sid, parent, direction, dep string, created int, statuses ...any) {
	t.Helper()
	c := ctx(t)
	_, _, err := st.Calls().Create(c, store.Call{SID: sid, ParentSID: parent, Direction: direction, Department: dep, CreatedAt: at(created)})
	noErr(t, err)
	for i := 0; i+1 < len(statuses); i += 2 {
		_, _, err := st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: sid, Status: statuses[i].(string),
			Sequence: int64(i), At: at(statuses[i+1].(int))})
		noErr(t, err)
	}
}

func testStatsCounts(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	statsCall(t, st, "CA1", "", "inbound", "sales", 50, "completed", 60)                       // before the period
	statsCall(t, st, "CA2", "", "inbound", "sales", 100, "in-progress", 110, "completed", 200) // answered in 10 s
	statsCall(t, st, "CA3", "", "inbound", "sales", 120, "completed", 300, "in-progress", 160) // answered in 40 s, told late
	statsCall(t, st, "CA4", "", "inbound", "sales", 130, "no-answer", 150)                     // missed
	statsCall(t, st, "CA5", "", "inbound", "sales", 140, "completed", 170)                     // left to voicemail: missed
	statsCall(t, st, "CA6", "", "inbound", "sales", 150)                                       // still ringing
	statsCall(t, st, "CA7", "CA2", "outbound-dial", "sales", 105, "in-progress", 106)          // a leg, not a call
	statsCall(t, st, "CA8", "", "outbound-api", "sales", 160, "completed", 190)                // outbound: never missed
	statsCall(t, st, "CA9", "", "inbound", "support", 105, "in-progress", 110)                 // another department
	for i, created := range []int{90, 100, 200} {
		v := newVoicemail(i, "sales")
		v.CreatedAt = at(created)
		_ = must2(st.Voicemails().Create(c, v)).of(t)
	}
	sales := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	support := must2(st.Conversations().Ensure(c, ourNumber, "+15550004321", "support")).of(t)
	msgs := []store.Message{
		inbound("SM1", sales.ID, "before", at(99)),
		inbound("SM2", sales.ID, "a", at(100)),
		inbound("SM3", sales.ID, "b", at(101)),
		{SID: "SM4", ConversationID: sales.ID, Direction: store.Outbound, Body: "c", CreatedAt: at(102)},
		inbound("SM5", support.ID, "d", at(103)),
	}
	for _, m := range msgs {
		_, err := st.Messages().Create(c, m)
		noErr(t, err)
	}
	tests := []struct {
		name  string
		scope store.Scope
		want  store.Counts
	}{
		{"sales", store.InDepartments("sales"), store.Counts{Calls: 6, MissedCalls: 2, Voicemails: 2, SMSIn: 2, SMSOut: 1, Answered: 2, AnsweredWithin: 1}},
		{"all", store.AllDepartments(), store.Counts{Calls: 7, MissedCalls: 2, Voicemails: 2, SMSIn: 3, SMSOut: 1, Answered: 3, AnsweredWithin: 2}},
		{"empty scope", store.Scope{}, store.Counts{}},
	}
	for _, tc := range tests {
		got := must(st.Stats().Counts(c, store.CountsQuery{Scope: tc.scope, Since: at(100), AnswerWithin: 20 * time.Second})).of(t)
		eq(t, tc.name, got, tc.want)
	}
	wide := must(st.Stats().Counts(c, store.CountsQuery{Scope: store.InDepartments("sales"), Since: at(100), AnswerWithin: 40 * time.Second})).of(t)
	eq(t, "threshold 40 s: answered within", wide.AnsweredWithin, 2)
}

func testStatsPerMinute(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	for i, sec := range []int{0, 59, 60, 179, 180, -1} {
		statsCall(t, st, fmt.Sprintf("CA%d", i), "", "inbound", "sales", sec)
	}
	statsCall(t, st, "CAleg", "CA0", "outbound-dial", "sales", 30)
	statsCall(t, st, "CAsupport", "", "inbound", "support", 61)
	conv := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	other := must2(st.Conversations().Ensure(c, ourNumber, "+15550004321", "support")).of(t)
	for i, sec := range []int{1, 2, 150} {
		_, err := st.Messages().Create(c, inbound(fmt.Sprintf("SM%d", i), conv.ID, "x", at(sec)))
		noErr(t, err)
	}
	_, err := st.Messages().Create(c, inbound("SMother", other.ID, "x", at(3)))
	noErr(t, err)

	calls, messages, err := st.Stats().PerMinute(c, store.InDepartments("sales"), at(0), 3)
	noErr(t, err)
	if !slices.Equal(calls, []int{2, 1, 1}) || !slices.Equal(messages, []int{2, 0, 1}) {
		t.Errorf("sales: calls %v, messages %v; want [2 1 1], [2 0 1]", calls, messages)
	}
	calls, messages, err = st.Stats().PerMinute(c, store.AllDepartments(), at(0), 3)
	noErr(t, err)
	if !slices.Equal(calls, []int{2, 2, 1}) || !slices.Equal(messages, []int{3, 0, 1}) {
		t.Errorf("all: calls %v, messages %v; want [2 2 1], [3 0 1]", calls, messages)
	}
	calls, messages, err = st.Stats().PerMinute(c, store.Scope{}, at(0), 2)
	noErr(t, err)
	if !reflect.DeepEqual(calls, []int{0, 0}) || !reflect.DeepEqual(messages, []int{0, 0}) {
		t.Errorf("empty scope: calls %v, messages %v; want zeros", calls, messages)
	}
	for _, n := range []int{0, -1, 24*60 + 1} {
		_, _, err := st.Stats().PerMinute(c, store.AllDepartments(), at(0), n)
		wantErr(t, err, store.ErrInvalid)
	}
}
