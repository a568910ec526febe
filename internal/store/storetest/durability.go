package storetest

import (
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

func testReopen(t *testing.T, s suite) {
	st, url := s.openURL(t)
	c := ctx(t)
	_, _, err := st.Calls().Create(c, newCall("CA1"))
	noErr(t, err)
	_, _, err = st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: "CA1", Status: "completed", Sequence: 3, DurationSeconds: 61})
	noErr(t, err)
	vm := must2(st.Voicemails().Create(c, newVoicemail(1, "sales"))).of(t)
	conv := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	_, err = st.Messages().Create(c, inbound("SM1", conv.ID, "persist me", at(3)))
	noErr(t, err)
	_, err = st.Activity().Append(c, entry("e1", at(1), "role-admin"))
	noErr(t, err)
	noErr(t, st.Migrate(c)) // idempotent
	noErr(t, st.Close())

	st2 := reopen(t, url) // migrates again: nothing to do
	noErr(t, st2.Ping(c))
	noErr(t, st2.Migrate(c))
	call := must(st2.Calls().Get(c, "CA1")).of(t)
	eq(t, "call status", call.Status, "completed")
	eq(t, "call duration", call.DurationSeconds, 61)
	eq(t, "history", len(must(st2.Calls().History(c, "CA1")).of(t)), 2)
	got := must(st2.Voicemails().Get(c, vm.ID)).of(t)
	if got != vm {
		t.Errorf("voicemail after reopen = %+v, want %+v", got, vm)
	}
	eq(t, "unread", must(st2.Conversations().Get(c, conv.ID)).of(t).UnreadCount, 1)
	eq(t, "activity", ids(must(st2.Activity().List(c, store.ActivityQuery{Rooms: []string{"role-admin"}})).of(t)), "[e1]")
	_, created, err := st2.Voicemails().Create(c, newVoicemail(1, "sales"))
	noErr(t, err)
	eq(t, "created after reopen", created, false)
}
