package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	twtr "github.com/twilio/twilio-go/rest/taskrouter/v1"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
)

// Worker is the JSON form of a TaskRouter worker.
type Worker struct {
	SID          string     `json:"sid"`
	Name         string     `json:"name"`
	ActivitySID  string     `json:"activitySid"`
	ActivityName string     `json:"activityName"`
	Available    bool       `json:"available"`
	Status       string     `json:"status"`
	UserID       string     `json:"userId,omitempty"`
	Department   string     `json:"department"`
	UpdatedAt    *time.Time `json:"updatedAt,omitempty"`
}

func workerJSON(w store.Worker) Worker {
	return Worker{
		SID: w.SID, Name: w.Name, ActivitySID: w.ActivitySID, ActivityName: w.ActivityName, Available: w.Available,
		Status: w.Status, UserID: w.UserID, Department: w.Department, UpdatedAt: timePtr(w.UpdatedAt),
	}
}

// Task is the JSON form of a TaskRouter task.
type Task struct {
	SID         string          `json:"sid"`
	Status      string          `json:"status"`
	Attributes  json.RawMessage `json:"attributes,omitempty"`
	Priority    int             `json:"priority"`
	QueueName   string          `json:"queueName,omitempty"`
	Channel     string          `json:"channel,omitempty"`
	WorkflowSID string          `json:"workflowSid,omitempty"`
	Department  string          `json:"department"`
	WorkerSID   string          `json:"workerSid,omitempty"`
	CreatedAt   time.Time       `json:"createdAt"`
	UpdatedAt   *time.Time      `json:"updatedAt,omitempty"`
}

func taskJSON(t store.Task) Task {
	return Task{
		SID: t.SID, Status: t.Status, Attributes: t.Attributes, Priority: t.Priority, QueueName: t.QueueName,
		Channel: t.Channel, WorkflowSID: t.WorkflowSID, Department: t.Department, WorkerSID: t.WorkerSID,
		CreatedAt: t.CreatedAt, UpdatedAt: timePtr(t.UpdatedAt),
	}
}

// Reservation is the JSON form of a TaskRouter reservation.
type Reservation struct {
	SID       string `json:"sid"`
	TaskSID   string `json:"taskSid"`
	WorkerSID string `json:"workerSid"`
	Status    string `json:"status"`
}

// Offer is a reservation waiting for the caller's answer, with its task.
type Offer struct {
	ReservationSID string    `json:"reservationSid"`
	TaskSID        string    `json:"taskSid"`
	WorkerSID      string    `json:"workerSid"`
	OfferedAt      time.Time `json:"offeredAt"`
	Task           *Task     `json:"task"`
}

// listMyOffers serves GET /api/taskrouter/offers: the reservations offered
// to the caller's own worker and not answered yet, newest first, so a page
// (re)loaded after an offer was made still shows it.
func (a *API) listMyOffers(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	worker, err := a.st.Workers().GetByUser(r.Context(), p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusOK, newList([]Offer{}, "", func(o Offer) Offer { return o }))
		return
	}
	if err != nil {
		a.storeError(w, r, "worker", err)
		return
	}
	pending, err := a.st.Tasks().PendingReservations(r.Context(), worker.SID)
	if err != nil {
		a.storeError(w, r, "offers", err)
		return
	}
	offers := make([]Offer, 0, len(pending))
	for _, res := range pending {
		o := Offer{ReservationSID: res.SID, TaskSID: res.TaskSID, WorkerSID: res.WorkerSID, OfferedAt: res.CreatedAt}
		if t, err := a.st.Tasks().Get(r.Context(), res.TaskSID); err == nil {
			if !store.IsOpenTaskStatus(t.Status) && t.Status != "" {
				continue // the task ended: the offer is gone
			}
			tj := taskJSON(t)
			o.Task = &tj
		}
		offers = append(offers, o)
	}
	writeJSON(w, http.StatusOK, newList(offers, "", func(o Offer) Offer { return o }))
}

// listWorkers serves GET /api/taskrouter/workers: the workers of the
// caller's scope with their activity, by name.
func (a *API) listWorkers(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ws, err := a.st.Workers().List(r.Context(), scope(p))
	if err != nil {
		a.storeError(w, r, "workers", err)
		return
	}
	writeJSON(w, http.StatusOK, newList(ws, "", workerJSON))
}

// listTasks serves GET /api/taskrouter/tasks?worker=&cursor=&limit=: the
// open tasks of the caller's scope, newest first.
func (a *API) listTasks(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cursor, limit, ok := pageParams(w, r)
	if !ok {
		return
	}
	page, err := a.st.Tasks().ListOpen(r.Context(), store.TaskFilter{
		Scope: scope(p), WorkerSID: r.URL.Query().Get("worker"), Cursor: cursor, Limit: limit,
	})
	if err != nil {
		a.storeError(w, r, "tasks", err)
		return
	}
	writeJSON(w, http.StatusOK, newList(page.Items, page.NextCursor, taskJSON))
}

// taskRouterReady answers 503 and returns false when the TaskRouter API
// cannot be called.
func (a *API) taskRouterReady(w http.ResponseWriter) bool {
	if !a.twilioReady(w) {
		return false
	}
	if a.cfg.WorkspaceSID == "" {
		writeError(w, http.StatusServiceUnavailable, "TaskRouter is not configured (KIN_TASKROUTER_WORKSPACE_SID)")
		return false
	}
	return true
}

// laterThan is a time for an update the service makes itself, after the
// stored event time, so the store applies it.
func laterThan(t time.Time) time.Time {
	now := store.Now()
	if !now.After(t) {
		return t.Add(time.Microsecond)
	}
	return now
}

// WorkerPatch is the body of PATCH /api/taskrouter/workers/{sid}.
type WorkerPatch struct {
	// ActivitySID is the TaskRouter activity to move the worker to.
	ActivitySID string `json:"activitySid" required:"true" pattern:"^WA[0-9a-fA-F]{32}$"`
}

// patchWorker serves PATCH /api/taskrouter/workers/{sid}
// {"activitySid": "WA…"}: agents change their own worker, supervisors
// those of their department, admins any. The change goes through the
// TaskRouter API; Twilio's answer is stored and published
// (worker_activity_changed, and worker_status_changed if the derived
// status changed).
func (a *API) patchWorker(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	const shape = `{"activitySid": "WA…"}`
	m, ok := readObject(w, r, shape)
	if !ok || !onlyFields(w, m, jsonFields(WorkerPatch{})...) {
		return
	}
	activity, _, _, ok := stringField(w, m, "activitySid")
	if !ok {
		return
	}
	if !validSID(activity, "WA") {
		writeError(w, http.StatusBadRequest, "activitySid: must be an activity sid (WA…)")
		return
	}
	ctx := r.Context()
	cur, err := a.st.Workers().Get(ctx, r.PathValue("sid"))
	own := err == nil && cur.UserID != "" && cur.UserID == p.UserID
	if err == nil && !own && !sees(p, cur.Department) {
		err = store.ErrNotFound
	}
	if err != nil {
		a.storeError(w, r, "worker", err)
		return
	}
	switch p.Role {
	case events.RoleAdmin, events.RoleSupervisor:
	default: // agents (and unknown roles): only their own worker
		mine, err := a.st.Workers().GetByUser(ctx, p.UserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			a.storeError(w, r, "worker", err)
			return
		}
		if err != nil || mine.SID != cur.SID {
			writeError(w, http.StatusForbidden, "you may change only your own worker's activity")
			return
		}
	}
	if !a.taskRouterReady(w) {
		return
	}
	tw, err := a.tr.UpdateWorker(a.cfg.WorkspaceSID, cur.SID, (&twtr.UpdateWorkerParams{}).SetActivitySid(activity))
	if err != nil {
		a.twilioError(w, r, "change the worker's activity", err)
		return
	}
	upd := store.Worker{SID: cur.SID, ActivitySID: activity, Version: cur.Version, EventAt: laterThan(cur.EventAt)}
	if tw.ActivitySid != nil && *tw.ActivitySid != "" {
		upd.ActivitySID = *tw.ActivitySid
	}
	if tw.ActivityName != nil {
		upd.ActivityName = *tw.ActivityName
	}
	if tw.Available != nil {
		upd.Available = *tw.Available
	}
	if tw.FriendlyName != nil {
		upd.Name = *tw.FriendlyName
	}
	upd.Status = store.DeriveWorkerStatus(upd.Available, upd.ActivityName, false)
	ch, err := a.st.Workers().Upsert(ctx, upd)
	if err != nil {
		a.storeError(w, r, "worker", err)
		return
	}
	nw, prev := ch.Record, ch.Previous
	if ch.Applied {
		var evs []events.Event
		if nw.ActivitySID != prev.ActivitySID {
			evs = append(evs, &events.WorkerActivityChanged{
				WorkerSID: nw.SID, UserID: nw.UserID, WorkerName: nw.Name, Department: nw.Department, ActivitySID: nw.ActivitySID,
				ActivityName: nw.ActivityName, PreviousActivitySID: prev.ActivitySID,
				PreviousActivityName: prev.ActivityName, Available: nw.Available,
			})
		}
		if nw.Status != prev.Status {
			evs = append(evs, &events.WorkerStatusChanged{
				WorkerSID: nw.SID, UserID: nw.UserID, WorkerName: nw.Name, Department: nw.Department, Status: nw.Status,
				PreviousStatus: prev.Status,
			})
		}
		a.publish(ctx, evs...)
	}
	writeJSON(w, http.StatusOK, workerJSON(nw))
}

// acceptReservation serves POST /api/taskrouter/reservations/{sid}/accept.
func (a *API) acceptReservation(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.answerReservation(w, r, p, store.ReservationAccepted)
}

// rejectReservation serves POST /api/taskrouter/reservations/{sid}/reject.
func (a *API) rejectReservation(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	a.answerReservation(w, r, p, store.ReservationRejected)
}

// answerReservation accepts or rejects a reservation through the
// TaskRouter API: the caller must be the reservation's worker, or a
// supervisor of its department, or an admin. Twilio's answer is stored
// and task_accepted or task_rejected published.
func (a *API) answerReservation(w http.ResponseWriter, r *http.Request, p auth.Principal, status string) {
	ctx := r.Context()
	res, err := a.st.Tasks().GetReservation(ctx, r.PathValue("sid"))
	if err != nil {
		a.storeError(w, r, "reservation", err)
		return
	}
	worker, err := a.st.Workers().Get(ctx, res.WorkerSID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		a.storeError(w, r, "worker", err)
		return
	}
	task, err := a.st.Tasks().Get(ctx, res.TaskSID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		a.storeError(w, r, "task", err)
		return
	}
	dept := task.Department
	if dept == "" {
		dept = worker.Department
	}
	own := worker.UserID != "" && worker.UserID == p.UserID
	if !own && !sees(p, dept) {
		writeError(w, http.StatusNotFound, "reservation not found")
		return
	}
	if !own && p.Role != events.RoleAdmin && p.Role != events.RoleSupervisor {
		writeError(w, http.StatusForbidden, "this reservation is another worker's")
		return
	}
	if !a.taskRouterReady(w) {
		return
	}
	verb := "accept"
	if status == store.ReservationRejected {
		verb = "reject"
	}
	tres, err := a.tr.UpdateWorkerReservation(a.cfg.WorkspaceSID, res.WorkerSID, res.SID,
		(&twtr.UpdateWorkerReservationParams{}).SetReservationStatus(status))
	if err != nil {
		a.twilioError(w, r, verb+" the reservation", err)
		return
	}
	if tres.ReservationStatus != nil && *tres.ReservationStatus != "" {
		status = *tres.ReservationStatus
	}
	ch, err := a.st.Tasks().UpsertReservation(ctx, store.Reservation{
		SID: res.SID, TaskSID: res.TaskSID, WorkerSID: res.WorkerSID, Status: status,
		Version: res.Version, EventAt: laterThan(res.EventAt),
	})
	if err != nil {
		a.storeError(w, r, "reservation", err)
		return
	}
	nr := ch.Record
	if ch.Applied && nr.Status != ch.Previous.Status {
		switch nr.Status {
		case store.ReservationAccepted:
			a.publish(ctx, &events.TaskAccepted{
				TaskSID: nr.TaskSID, ReservationSID: nr.SID, WorkerSID: nr.WorkerSID, UserID: worker.UserID, WorkerName: worker.Name,
				Department: dept, Attributes: task.Attributes,
			})
		case store.ReservationRejected:
			a.publish(ctx, &events.TaskRejected{
				TaskSID: nr.TaskSID, ReservationSID: nr.SID, WorkerSID: nr.WorkerSID, UserID: worker.UserID, WorkerName: worker.Name,
				Department: dept, Reason: "rejected", Attributes: task.Attributes,
			})
		}
	}
	writeJSON(w, http.StatusOK, Reservation{SID: nr.SID, TaskSID: nr.TaskSID, WorkerSID: nr.WorkerSID, Status: nr.Status})
}
