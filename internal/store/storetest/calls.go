package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

func newCall(sid string) store.Call {
	return store.Call{SID: sid, Direction: "inbound", From: "+15550001111", To: "+15550002222",
		CallerName: "ADA", Department: "sales", CreatedAt: at(0)}
}

func testCallCreateIdempotent(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	first, created, err := st.Calls().Create(c, newCall("CA1"))
	noErr(t, err)
	eq(t, "created", created, true)
	eq(t, "status", first.Status, store.CallRinging)
	eq(t, "sequence", first.Sequence, store.NoSequence)

	retry := newCall("CA1")
	retry.Department = "support" // a retry never rewrites the record
	again, created, err := st.Calls().Create(c, retry)
	noErr(t, err)
	eq(t, "created on retry", created, false)
	if again != first {
		t.Errorf("retry returned %+v, want %+v", again, first)
	}
	got := must(st.Calls().Get(c, "CA1")).of(t)
	if got != first {
		t.Errorf("Get = %+v, want %+v", got, first)
	}
	h := must(st.Calls().History(c, "CA1")).of(t)
	eq(t, "history length", len(h), 1)
	_, err = st.Calls().Get(c, "CA404")
	wantErr(t, err, store.ErrNotFound)
}

type callUpdate struct {
	status string
	seq    int64
}

func testCallOutOfOrder(t *testing.T, s suite) {
	ringing, answered, completed := callUpdate{"ringing", 1}, callUpdate{"in-progress", 2}, callUpdate{"completed", 3}
	tests := []struct {
		name    string
		order   []callUpdate
		changed []bool
	}{
		{"in order", []callUpdate{ringing, answered, completed}, []bool{false, true, true}},
		{"completed first", []callUpdate{completed, ringing, answered}, []bool{true, false, false}},
		{"answered late", []callUpdate{ringing, completed, answered}, []bool{false, true, false}},
		{"reversed", []callUpdate{completed, answered, ringing}, []bool{true, false, false}},
		{"duplicates", []callUpdate{answered, answered, completed, completed}, []bool{true, false, true, false}},
	}
	st := s.open(t)
	c := ctx(t)
	for i, tc := range tests {
		sid := fmt.Sprintf("CA-order-%d", i)
		_, _, err := st.Calls().Create(c, newCall(sid)) // /voice: ringing, no sequence
		noErr(t, err)
		for j, u := range tc.order {
			call, tr, err := st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: sid, Status: u.status,
				Sequence: u.seq, DurationSeconds: 42, At: at(10 + int(u.seq))})
			noErr(t, err)
			if tr.Changed != tc.changed[j] {
				t.Errorf("%s: update %d (%s): changed = %v, want %v (%+v)", tc.name, j, u.status, tr.Changed, tc.changed[j], tr)
			}
			if call.Status != tr.Status {
				t.Errorf("%s: call status %s, transition says %s", tc.name, call.Status, tr.Status)
			}
		}
		call := must(st.Calls().Get(c, sid)).of(t)
		eq(t, tc.name+": final status", call.Status, store.CallCompleted)
		eq(t, tc.name+": final sequence", call.Sequence, int64(3))
		eq(t, tc.name+": duration", call.DurationSeconds, 42)
		eq(t, tc.name+": ended", call.EndedAt.Equal(at(13)), true)
		h := must(st.Calls().History(c, sid)).of(t)
		distinct := map[callUpdate]bool{}
		for _, u := range tc.order {
			distinct[u] = true
		}
		eq(t, tc.name+": history", len(h), 1+len(distinct))
		applied := 0
		for _, e := range h {
			if e.Applied {
				applied++
			}
		}
		eq(t, tc.name+": applied entries", applied, 1+countTrue(tc.changed))
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func testCallStatusCreates(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	u := store.CallStatusUpdate{SID: "CA-out", Status: "initiated", Sequence: 0, At: at(1),
		Call: store.Call{Direction: "outbound-api", From: "+1555", To: "+1666", Department: "support"}}
	call, tr, err := st.Calls().UpdateStatus(c, u)
	noErr(t, err)
	want := store.Transition{Status: "initiated", Changed: true, Created: true}
	if tr != want {
		t.Errorf("transition = %+v, want %+v", tr, want)
	}
	eq(t, "sequence", call.Sequence, int64(0))
	eq(t, "department", call.Department, "support")
	eq(t, "created at", call.CreatedAt.Equal(at(1)), true)

	_, tr, err = st.Calls().UpdateStatus(c, u) // Twilio's retry
	noErr(t, err)
	want = store.Transition{Previous: "initiated", Status: "initiated", Duplicate: true}
	if tr != want {
		t.Errorf("retry transition = %+v, want %+v", tr, want)
	}
	h := must(st.Calls().History(c, "CA-out")).of(t)
	eq(t, "history", len(h), 1)
	eq(t, "history sequence", h[0].Sequence, int64(0))
}

func testCallTerminalTiebreak(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	_, _, err := st.Calls().Create(c, newCall("CA-t"))
	noErr(t, err)
	_, tr, err := st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: "CA-t", Status: "no-answer", Sequence: 4})
	noErr(t, err)
	eq(t, "first terminal changed", tr.Changed, true)
	_, tr, err = st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: "CA-t", Status: "canceled", Sequence: 2})
	noErr(t, err)
	eq(t, "lower-sequence terminal changed", tr.Changed, false)
	call, tr, err := st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: "CA-t", Status: "completed", Sequence: 5})
	noErr(t, err)
	want := store.Transition{Previous: "no-answer", Status: "completed", Changed: true}
	if tr != want {
		t.Errorf("transition = %+v, want %+v", tr, want)
	}
	eq(t, "status", call.Status, "completed")
	eq(t, "terminal", store.IsTerminalCallStatus(tr.Previous), true)
}

func testCallBadInput(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	_, _, err := st.Calls().Create(c, store.Call{})
	wantErr(t, err, store.ErrInvalid)
	_, _, err = st.Calls().Create(c, store.Call{SID: "CA1", Status: "exploded"})
	wantErr(t, err, store.ErrInvalid)
	for _, u := range []store.CallStatusUpdate{
		{Status: "ringing"},
		{SID: "CA1", Status: "answered"},
		{SID: "CA1", Status: "ringing", Sequence: -7},
	} {
		_, _, err = st.Calls().UpdateStatus(c, u)
		wantErr(t, err, store.ErrInvalid)
	}
	_, err = st.Calls().Get(c, "CA1")
	wantErr(t, err, store.ErrNotFound)
}

func testRecordings(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	r := st.Recordings()
	u := store.RecordingUpdate{SID: "RE1", Kind: store.RecordingKindVoicemail, CallSID: "CA1", Status: "completed",
		URL: "https://api.twilio.com/RE1", DurationSeconds: 17, Source: "RecordVerb", At: at(5)}
	rec, tr, err := r.UpdateStatus(c, u)
	noErr(t, err)
	eq(t, "created", tr.Created, true)
	eq(t, "duration", rec.DurationSeconds, 17)

	late := u
	late.Status, late.DurationSeconds = "in-progress", 3
	rec, tr, err = r.UpdateStatus(c, late)
	noErr(t, err)
	want := store.Transition{Previous: "completed", Status: "completed"}
	if tr != want {
		t.Errorf("late in-progress: %+v, want %+v", tr, want)
	}
	eq(t, "duration kept", rec.DurationSeconds, 17)
	_, tr, err = r.UpdateStatus(c, u)
	noErr(t, err)
	eq(t, "retry is a duplicate", tr.Duplicate, true)

	// The same RecordingSid as a call recording is another record.
	u.Kind = store.RecordingKindCall
	_, tr, err = r.UpdateStatus(c, u)
	noErr(t, err)
	eq(t, "other kind created", tr.Created, true)
	list := must(r.ListByCall(c, "CA1")).of(t)
	eq(t, "recordings of the call", len(list), 2)
	got := must(r.Get(c, "RE1", store.RecordingKindVoicemail)).of(t)
	eq(t, "url", got.URL, "https://api.twilio.com/RE1")
	_, err = r.Get(c, "RE1", "other")
	wantErr(t, err, store.ErrNotFound)
	_, _, err = r.UpdateStatus(c, store.RecordingUpdate{SID: "RE2", Kind: "call", Status: "lost"})
	wantErr(t, err, store.ErrInvalid)
	_, _, err = r.UpdateStatus(c, store.RecordingUpdate{SID: "RE2", Kind: "movie", Status: "completed"})
	wantErr(t, err, store.ErrInvalid)

	absent := store.RecordingUpdate{SID: "RE3", Kind: store.RecordingKindVoicemail, Status: "in-progress"}
	_, _, err = r.UpdateStatus(c, absent)
	noErr(t, err)
	absent.Status = "absent"
	_, tr, err = r.UpdateStatus(c, absent)
	noErr(t, err)
	eq(t, "in-progress → absent changed", tr.Changed, true)
	absent.Status = "completed"
	_, tr, err = r.UpdateStatus(c, absent)
	noErr(t, err)
	eq(t, "absent → completed (same rank) changed", tr.Changed, false)
}

// testCallCreateRace holds the transaction that creates a call open while
// another status callback for the same call arrives: the second waits (on
// PostgreSQL, on the first's insert), finds the call once the first
// commits, and applies its status over it.
func testCallCreateRace(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	var (
		once    sync.Once
		inTx    = make(chan struct{})
		release = make(chan struct{})
		first   = make(chan error, 1)
	)
	go func() {
		first <- st.WithTx(c, func(tx store.Tx) error {
			_, _, err := tx.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: "CA1", Status: "ringing", Sequence: 1})
			once.Do(func() { close(inTx) })
			<-release
			return err
		})
	}()
	<-inTx
	type outcome struct {
		call store.Call
		tr   store.Transition
		err  error
	}
	second := make(chan outcome, 1)
	go func() {
		call, tr, err := st.Calls().UpdateStatus(c, store.CallStatusUpdate{SID: "CA1", Status: "in-progress", Sequence: 2})
		second <- outcome{call, tr, err}
	}()
	time.Sleep(50 * time.Millisecond) // let the second reach the lock
	close(release)
	noErr(t, <-first)
	got := <-second
	noErr(t, got.err)
	want := store.Transition{Previous: "ringing", Status: "in-progress", Changed: true}
	if got.tr != want {
		t.Errorf("second callback: %+v, want %+v", got.tr, want)
	}
	eq(t, "final status", must(st.Calls().Get(c, "CA1")).of(t).Status, "in-progress")
	eq(t, "history", len(must(st.Calls().History(c, "CA1")).of(t)), 2)
}
