package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

func testTaskUpsert(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	attrs := json.RawMessage(`{"type":"inbound_call","department":"sales","call_sid":"CA1"}`)
	base := store.Task{SID: "WT1", Attributes: attrs, Priority: 5, QueueName: "Sales", Channel: "voice", Department: "sales"}
	step := func(status string, version int64, eventAt int) store.Task {
		t := base
		t.Status, t.Version, t.EventAt = status, version, at(eventAt)
		return t
	}
	tests := []struct {
		name    string
		task    store.Task
		created bool
		applied bool
		status  string
	}{
		{"created", step("pending", 0, 1), true, true, "pending"},
		{"retry", step("pending", 0, 1), false, false, "pending"},
		{"reserved", step("reserved", 1, 2), false, true, "reserved"},
		{"completed arrives before assigned", step("completed", 3, 4), false, true, "completed"},
		{"late assigned is stale", step("assigned", 2, 3), false, false, "completed"},
		{"older version, newer time, stale", step("wrapping", 2, 9), false, false, "completed"},
	}
	for _, tc := range tests {
		ch, err := st.Tasks().Upsert(c, tc.task)
		noErr(t, err)
		eq(t, tc.name+": created", ch.Created, tc.created)
		eq(t, tc.name+": applied", ch.Applied, tc.applied)
		eq(t, tc.name+": status", ch.Record.Status, tc.status)
	}
	got := must(st.Tasks().Get(c, "WT1")).of(t)
	eq(t, "attributes", string(got.Attributes), string(attrs))
	eq(t, "version", got.Version, int64(3))

	// An event without versions is ordered by its time; empty fields keep
	// what is stored.
	ch, err := st.Tasks().Upsert(c, store.Task{SID: "WT1", Version: 3, EventAt: at(5), Reason: "done", WorkerSID: "WK1"})
	noErr(t, err)
	eq(t, "newer time applied", ch.Applied, true)
	eq(t, "previous status", ch.Previous.Status, "completed")
	eq(t, "status kept", ch.Record.Status, "completed")
	eq(t, "queue kept", ch.Record.QueueName, "Sales")
	eq(t, "attributes kept", string(ch.Record.Attributes), string(attrs))
	eq(t, "reason", ch.Record.Reason, "done")
	stored := must(st.Tasks().Get(c, "WT1")).of(t)
	eq(t, "stored worker", stored.WorkerSID, "WK1")

	_, err = st.Tasks().Upsert(c, store.Task{SID: "WT2", Attributes: json.RawMessage(`{not json`)})
	wantErr(t, err, store.ErrInvalid)
	_, err = st.Tasks().Upsert(c, store.Task{})
	wantErr(t, err, store.ErrInvalid)
	_, err = st.Tasks().Get(c, "WT404")
	wantErr(t, err, store.ErrNotFound)
}

func testReservations(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	r := store.Reservation{SID: "WR1", TaskSID: "WT1", WorkerSID: "WK1", Status: "pending", Version: 0, EventAt: at(1)}
	ch, err := st.Tasks().UpsertReservation(c, r)
	noErr(t, err)
	eq(t, "created", ch.Created, true)
	ch, err = st.Tasks().UpsertReservation(c, r)
	noErr(t, err)
	eq(t, "retry applied", ch.Applied, false)
	r.Status, r.Version, r.EventAt = "accepted", 1, at(2)
	ch, err = st.Tasks().UpsertReservation(c, r)
	noErr(t, err)
	eq(t, "accepted applied", ch.Applied, true)
	eq(t, "previous", ch.Previous.Status, "pending")
	r.Status, r.Version, r.EventAt, r.TaskSID = "timeout", 0, at(3), ""
	ch, err = st.Tasks().UpsertReservation(c, r)
	noErr(t, err)
	eq(t, "older version applied", ch.Applied, false)
	got := must(st.Tasks().GetReservation(c, "WR1")).of(t)
	eq(t, "status", got.Status, "accepted")
	eq(t, "task", got.TaskSID, "WT1")
	_, err = st.Tasks().GetReservation(c, "WR404")
	wantErr(t, err, store.ErrNotFound)
	_, err = st.Tasks().UpsertReservation(c, store.Reservation{})
	wantErr(t, err, store.ErrInvalid)

	// Pending offers of one worker, newest first.
	for i, x := range []store.Reservation{
		{SID: "WR2", TaskSID: "WT2", WorkerSID: "WK1", EventAt: at(10), CreatedAt: at(10)},
		{SID: "WR3", TaskSID: "WT3", WorkerSID: "WK1", EventAt: at(11), CreatedAt: at(11)},
		{SID: "WR4", TaskSID: "WT4", WorkerSID: "WK2", EventAt: at(12), CreatedAt: at(12)},
	} {
		if _, err := st.Tasks().UpsertReservation(c, x); err != nil {
			t.Fatalf("reservation %d: %v", i, err)
		}
	}
	pending := must(st.Tasks().PendingReservations(c, "WK1")).of(t)
	eq(t, "pending count", len(pending), 2) // WR1 was accepted
	eq(t, "newest first", pending[0].SID, "WR3")
	eq(t, "then", pending[1].SID, "WR2")
	eq(t, "none", len(must(st.Tasks().PendingReservations(c, "WK9")).of(t)), 0)
}

func testTaskListOpen(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	statuses := []string{"pending", "reserved", "assigned", "wrapping", "completed", "canceled", "pending"}
	for i, status := range statuses {
		dep := "sales"
		if i%2 == 1 {
			dep = "support"
		}
		_, err := st.Tasks().Upsert(c, store.Task{SID: fmt.Sprintf("WT%d", i), Status: status, Department: dep,
			WorkerSID: fmt.Sprintf("WK%d", i%3), EventAt: at(i)})
		noErr(t, err)
	}
	var got []string
	f := store.TaskFilter{Scope: store.AllDepartments(), Limit: 2}
	for range 10 {
		p := must(st.Tasks().ListOpen(c, f)).of(t)
		for _, task := range p.Items {
			got = append(got, task.SID)
		}
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	eq(t, "open tasks", fmt.Sprint(got), "[WT6 WT3 WT2 WT1 WT0]")
	p := must(st.Tasks().ListOpen(c, store.TaskFilter{Scope: store.InDepartments("sales")})).of(t)
	eq(t, "open sales tasks", len(p.Items), 3)
	p = must(st.Tasks().ListOpen(c, store.TaskFilter{Scope: store.AllDepartments(), WorkerSID: "WK0"})).of(t)
	eq(t, "open tasks of WK0", len(p.Items), 3)
	p = must(st.Tasks().ListOpen(c, store.TaskFilter{})).of(t)
	eq(t, "empty scope", len(p.Items), 0)
}

func testWorkerUpsert(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	w := store.Worker{SID: "WK1", Name: "Ada", ActivitySID: "WA1", ActivityName: "Available", Available: true,
		UserID: "u1", Department: "sales", Attributes: json.RawMessage(`{"user_id":"u1"}`), Version: 1, EventAt: at(1)}
	tests := []struct {
		name     string
		edit     func(w *store.Worker)
		applied  bool
		status   string
		previous string
	}{
		{"created", func(*store.Worker) {}, true, store.WorkerAvailable, ""},
		{"retry", func(*store.Worker) {}, false, store.WorkerAvailable, store.WorkerAvailable},
		{"break", func(w *store.Worker) { w.ActivityName, w.Available, w.Version = "Break", false, 2 }, true, store.WorkerBusy, store.WorkerAvailable},
		{"stale available", func(w *store.Worker) { w.ActivityName, w.Available, w.Version = "Available", true, 1 }, false, store.WorkerBusy, store.WorkerBusy},
		{"offline", func(w *store.Worker) { w.ActivityName, w.Available, w.Version = "Offline", false, 3 }, true, store.WorkerOffline, store.WorkerBusy},
		{"explicit status", func(w *store.Worker) {
			w.ActivityName, w.Available, w.Version, w.Status = "Available", true, 4, store.WorkerBusy
		}, true, store.WorkerBusy, store.WorkerOffline},
	}
	for _, tc := range tests {
		tc.edit(&w)
		ch, err := st.Workers().Upsert(c, w)
		noErr(t, err)
		eq(t, tc.name+": applied", ch.Applied, tc.applied)
		eq(t, tc.name+": status", ch.Record.Status, tc.status)
		eq(t, tc.name+": previous", ch.Previous.Status, tc.previous)
	}
	got := must(st.Workers().Get(c, "WK1")).of(t)
	eq(t, "activity", got.ActivityName, "Available")
	eq(t, "attributes", string(got.Attributes), `{"user_id":"u1"}`)
	_, err := st.Workers().Upsert(c, store.Worker{SID: "WK2", Status: "asleep"})
	wantErr(t, err, store.ErrInvalid)
	_, err = st.Workers().Get(c, "WK404")
	wantErr(t, err, store.ErrNotFound)
}

func testWorkerList(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	for i, name := range []string{"Cy", "Ada", "Bo"} {
		dep := []string{"sales", "support", "sales"}[i]
		_, err := st.Workers().Upsert(c, store.Worker{SID: fmt.Sprintf("WK%d", i), Name: name, UserID: fmt.Sprintf("u%d", i),
			Department: dep, ActivityName: "Offline"})
		noErr(t, err)
	}
	all := must(st.Workers().List(c, store.AllDepartments())).of(t)
	var names []string
	for _, w := range all {
		names = append(names, w.Name)
	}
	eq(t, "by name", fmt.Sprint(names), "[Ada Bo Cy]")
	sales := must(st.Workers().List(c, store.InDepartments("sales"))).of(t)
	eq(t, "sales workers", len(sales), 2)
	none := must(st.Workers().List(c, store.Scope{})).of(t)
	eq(t, "empty scope", len(none), 0)
	w := must(st.Workers().GetByUser(c, "u1")).of(t)
	eq(t, "worker of u1", w.SID, "WK1")
	eq(t, "offline", w.Status, store.WorkerOffline)
	_, err := st.Workers().GetByUser(c, "u404")
	wantErr(t, err, store.ErrNotFound)
	_, err = st.Workers().GetByUser(c, "")
	wantErr(t, err, store.ErrNotFound)
}
