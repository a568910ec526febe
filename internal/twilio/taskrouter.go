package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
)

// trEvent is what one TaskRouter callback says, parsed once.
type trEvent struct {
	f         Form
	typ       string
	at        time.Time
	taskAttrs map[string]any
	workAttrs map[string]any
}

func parseTaskRouter(f Form) (*trEvent, error) {
	e := &trEvent{f: f, typ: f.Get("EventType")}
	if ms := f.Get("TimestampMs"); ms != "" {
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return nil, &badInput{"TimestampMs: not a number"}
		}
		e.at = time.UnixMilli(n).UTC()
	} else if s := f.Get("Timestamp"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, &badInput{"Timestamp: not a number"}
		}
		e.at = time.Unix(n, 0).UTC()
	}
	for _, a := range []struct {
		name string
		dst  *map[string]any
	}{{"TaskAttributes", &e.taskAttrs}, {"WorkerAttributes", &e.workAttrs}} {
		if raw := f.Get(a.name); raw != "" {
			if err := json.Unmarshal([]byte(raw), a.dst); err != nil {
				return nil, &badInput{a.name + ": not a JSON object"}
			}
		}
	}
	return e, nil
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func version(f Form, key string) int64 {
	n, _ := strconv.ParseInt(f.Get(key), 10, 64)
	return n
}

// workerUser maps a worker to a KIN user through its attributes: userId,
// else email.
func workerUser(attrs map[string]any) string {
	if u := str(attrs, "userId"); u != "" {
		return u
	}
	return str(attrs, "email")
}

// taskRouter handles TaskRouter event callbacks (DOMAIN.md §3–4). A
// repeated event (same Sid) or one older than what is stored emits
// nothing; unknown event types are answered 204 and ignored.
func (h *Webhooks) taskRouter(ctx context.Context, tx store.Tx, _ *http.Request, f Form) (reply, []events.Event, error) {
	e, err := parseTaskRouter(f)
	if err != nil {
		return reply{}, nil, err
	}
	if sid := f.Get("Sid"); sid != "" {
		if _, first, err := tx.Dedupe().Claim(ctx, "taskrouter", sid); err != nil || !first {
			return noContent, nil, err
		}
	}
	switch {
	case strings.HasPrefix(e.typ, "reservation."):
		emit, err := h.reservationEvent(ctx, tx, e)
		return noContent, emit, err
	case strings.HasPrefix(e.typ, "task."):
		emit, err := h.taskEvent(ctx, tx, e)
		return noContent, emit, err
	case strings.HasPrefix(e.typ, "worker."):
		emit, err := h.workerEvent(ctx, tx, e)
		return noContent, emit, err
	}
	h.log.Debug("TaskRouter event ignored", "type", e.typ)
	return noContent, nil, nil
}

// upsertTask stores the task the event describes.
func (h *Webhooks) upsertTask(ctx context.Context, tx store.Tx, e *trEvent, status string) (store.Change[store.Task], error) {
	f := e.f
	if f.Get("TaskSid") == "" {
		return store.Change[store.Task]{}, &badInput{"missing required parameters: TaskSid"}
	}
	dept := str(e.taskAttrs, "department")
	if dept == "" && str(e.taskAttrs, "to") != "" {
		dept = h.department(str(e.taskAttrs, "to"))
	}
	var attrs json.RawMessage
	if raw := f.Get("TaskAttributes"); raw != "" {
		attrs = json.RawMessage(raw)
	}
	if status == "" {
		status = f.Get("TaskAssignmentStatus")
	}
	reason := f.Get("TaskCompletedReason")
	if reason == "" {
		reason = f.Get("TaskCanceledReason")
	}
	return tx.Tasks().Upsert(ctx, store.Task{
		SID: f.Get("TaskSid"), Status: status, Attributes: attrs, Priority: atoi(f.Get("TaskPriority")),
		QueueName: f.Get("TaskQueueName"), Channel: f.Get("TaskChannelUniqueName"), WorkflowSID: f.Get("WorkflowSid"),
		Department: dept, Reason: reason, Version: version(f, "TaskVersion"), EventAt: e.at,
	})
}

// upsertWorker stores the worker updated with what the event says of it.
func (h *Webhooks) upsertWorker(ctx context.Context, tx store.Tx, e *trEvent) (store.Change[store.Worker], error) {
	f := e.f
	if f.Get("WorkerSid") == "" {
		return store.Change[store.Worker]{}, &badInput{"missing required parameters: WorkerSid"}
	}
	var attrs json.RawMessage
	if raw := f.Get("WorkerAttributes"); raw != "" {
		attrs = json.RawMessage(raw)
	}
	w := store.Worker{
		SID: f.Get("WorkerSid"), Name: f.Get("WorkerName"), ActivitySID: f.Get("WorkerActivitySid"),
		ActivityName: f.Get("WorkerActivityName"), UserID: workerUser(e.workAttrs),
		Department: str(e.workAttrs, "department"), Attributes: attrs,
		Version: version(f, "WorkerVersion"), EventAt: e.at,
	}
	if w.ActivityName != "" {
		name := strings.ToLower(w.ActivityName)
		w.Available = name == "available" || name == "idle"
		atCapacity := f.Get("WorkerChannelAvailableCapacity") == "0"
		w.Status = store.DeriveWorkerStatus(w.Available, w.ActivityName, atCapacity)
	}
	return tx.Workers().Upsert(ctx, w)
}

// workerRef is who a worker is, for an event: its KIN user, department
// and friendly name.
type workerRef struct{ userID, department, name string }

// workerOf returns the worker of an event (stored, or as the event
// describes it when it carries attributes; the name from the event, else
// the stored worker's).
func (h *Webhooks) workerOf(ctx context.Context, tx store.Tx, e *trEvent, sid string) (workerRef, error) {
	ref := workerRef{name: e.f.Get("WorkerName")}
	if e.workAttrs != nil {
		ref.userID, ref.department = workerUser(e.workAttrs), str(e.workAttrs, "department")
		if ref.name != "" {
			return ref, nil
		}
	}
	if sid == "" {
		return ref, nil
	}
	w, err := tx.Workers().Get(ctx, sid)
	if errors.Is(err, store.ErrNotFound) {
		return ref, nil
	}
	if err != nil {
		return ref, err
	}
	if e.workAttrs == nil {
		ref.userID, ref.department = w.UserID, w.Department
	}
	if ref.name == "" {
		ref.name = w.Name
	}
	return ref, nil
}

var reservationReasons = map[string]string{
	"reservation.rejected": "rejected", "reservation.timeout": "timeout",
	"reservation.canceled": "canceled", "reservation.rescinded": "rescinded",
}

func (h *Webhooks) reservationEvent(ctx context.Context, tx store.Tx, e *trEvent) ([]events.Event, error) {
	f := e.f
	if err := f.Require("ReservationSid", "TaskSid", "WorkerSid"); err != nil {
		return nil, &badInput{err.Error()}
	}
	task, err := h.upsertTask(ctx, tx, e, "")
	if err != nil {
		return nil, err
	}
	status := strings.TrimPrefix(e.typ, "reservation.")
	if status == "created" {
		status = store.ReservationPending
	}
	res, err := tx.Tasks().UpsertReservation(ctx, store.Reservation{
		SID: f.Get("ReservationSid"), TaskSID: f.Get("TaskSid"), WorkerSID: f.Get("WorkerSid"),
		Status:  status,
		Version: version(f, "ReservationVersion"), EventAt: e.at,
	})
	if err != nil || !res.Applied {
		return nil, err
	}
	if !res.Created && res.Previous.Status == res.Record.Status {
		// Already so: the REST API (accept/reject) stored it and emitted.
		return nil, nil
	}
	wk, err := h.workerOf(ctx, tx, e, f.Get("WorkerSid"))
	if err != nil {
		return nil, err
	}
	userID, attrs := wk.userID, task.Record.Attributes
	dept := task.Record.Department
	if dept == "" {
		dept = wk.department
	}
	base := struct{ task, res, worker string }{f.Get("TaskSid"), f.Get("ReservationSid"), f.Get("WorkerSid")}
	switch e.typ {
	case "reservation.created":
		return []events.Event{&events.TaskAssigned{
			TaskSID: base.task, ReservationSID: base.res, WorkerSID: base.worker, UserID: userID, WorkerName: wk.name,
			Department: dept, Channel: task.Record.Channel, QueueName: task.Record.QueueName, Priority: task.Record.Priority,
			Attributes: attrs,
		}}, nil
	case "reservation.accepted":
		return []events.Event{&events.TaskAccepted{TaskSID: base.task, ReservationSID: base.res, WorkerSID: base.worker, UserID: userID,
			WorkerName: wk.name, Department: dept, Attributes: attrs}}, nil
	}
	if reason, ok := reservationReasons[e.typ]; ok {
		return []events.Event{&events.TaskRejected{TaskSID: base.task, ReservationSID: base.res, WorkerSID: base.worker, UserID: userID,
			WorkerName: wk.name, Department: dept, Reason: reason, Attributes: attrs}}, nil
	}
	return nil, nil // completed, wrapup: task_completed comes from task.completed
}

func (h *Webhooks) taskEvent(ctx context.Context, tx store.Tx, e *trEvent) ([]events.Event, error) {
	var status string
	switch e.typ {
	case "task.completed":
		status = store.TaskCompleted
	case "task.canceled":
		status = store.TaskCanceled
	}
	ch, err := h.upsertTask(ctx, tx, e, status)
	if err != nil || !ch.Applied || status == "" {
		return nil, err
	}
	t := ch.Record
	wk, err := h.workerOf(ctx, tx, e, t.WorkerSID)
	if err != nil {
		return nil, err
	}
	return []events.Event{&events.TaskCompleted{
		TaskSID: t.SID, WorkerSID: t.WorkerSID, UserID: wk.userID, WorkerName: wk.name, Department: t.Department,
		Outcome: status, Reason: t.Reason, Attributes: t.Attributes,
	}}, nil
}

func (h *Webhooks) workerEvent(ctx context.Context, tx store.Tx, e *trEvent) ([]events.Event, error) {
	ch, err := h.upsertWorker(ctx, tx, e)
	if err != nil || !ch.Applied {
		return nil, err
	}
	w, prev := ch.Record, ch.Previous
	var emit []events.Event
	if e.typ == "worker.activity.update" && (ch.Created || prev.ActivityName != w.ActivityName || prev.ActivitySID != w.ActivitySID) {
		prevName := e.f.Get("WorkerPreviousActivityName")
		if prevName == "" {
			prevName = prev.ActivityName
		}
		emit = append(emit, &events.WorkerActivityChanged{
			WorkerSID: w.SID, UserID: w.UserID, WorkerName: w.Name, Department: w.Department, ActivitySID: w.ActivitySID,
			ActivityName: w.ActivityName, PreviousActivitySID: e.f.Get("WorkerPreviousActivitySid"),
			PreviousActivityName: prevName, Available: w.Available,
		})
	}
	if w.Status != "" && w.Status != prev.Status {
		emit = append(emit, &events.WorkerStatusChanged{
			WorkerSID: w.SID, UserID: w.UserID, WorkerName: w.Name, Department: w.Department, Status: w.Status, PreviousStatus: prev.Status,
		})
	}
	return emit, nil
}
