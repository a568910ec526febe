package events

import "encoding/json"

// TaskAssigned: TaskRouter offered a task to a worker (a reservation was
// created).
type TaskAssigned struct {
	Meta
	TaskSID        string `json:"taskSid"`
	ReservationSID string `json:"reservationSid"`
	WorkerSID      string `json:"workerSid"`
	UserID         string `json:"userId,omitempty"`
	// WorkerName is the worker's friendly name, for people to read.
	WorkerName string `json:"workerName,omitempty"`
	Department string `json:"department"`
	Channel    string `json:"channel,omitempty"`
	QueueName  string `json:"queueName,omitempty"`
	Priority   int    `json:"priority"`
	// Attributes are the task's (TaskRouter's JSON object): the caller's
	// name and number, the kind of task, for people to read.
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// EventName returns "task_assigned".
func (*TaskAssigned) EventName() string { return "task_assigned" }

// Rooms: the worker's user, the task's department, admins.
func (e *TaskAssigned) Rooms() []string { return personRooms(e.UserID, e.Department) }

// Validate checks the required fields.
func (e *TaskAssigned) Validate() error {
	return firstError(required("taskSid", e.TaskSID), required("reservationSid", e.ReservationSID),
		required("workerSid", e.WorkerSID))
}

// TaskAccepted: a worker accepted a reservation.
type TaskAccepted struct {
	Meta
	TaskSID        string `json:"taskSid"`
	ReservationSID string `json:"reservationSid"`
	WorkerSID      string `json:"workerSid"`
	UserID         string `json:"userId,omitempty"`
	// WorkerName is the worker's friendly name.
	WorkerName string `json:"workerName,omitempty"`
	Department string `json:"department"`
	// Attributes are the task's, as task_assigned has them.
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// EventName returns "task_accepted".
func (*TaskAccepted) EventName() string { return "task_accepted" }

// Rooms: the worker's user, the task's department, admins.
func (e *TaskAccepted) Rooms() []string { return personRooms(e.UserID, e.Department) }

// Validate checks the required fields.
func (e *TaskAccepted) Validate() error {
	return firstError(required("taskSid", e.TaskSID), required("reservationSid", e.ReservationSID))
}

// TaskRejected: an offer is gone: rejected, timed out, canceled or
// rescinded.
type TaskRejected struct {
	Meta
	TaskSID        string `json:"taskSid"`
	ReservationSID string `json:"reservationSid"`
	WorkerSID      string `json:"workerSid"`
	UserID         string `json:"userId,omitempty"`
	// WorkerName is the worker's friendly name.
	WorkerName string `json:"workerName,omitempty"`
	Department string `json:"department"`
	Reason     string `json:"reason" ts:"'rejected' | 'timeout' | 'canceled' | 'rescinded'"`
	// Attributes are the task's, as task_assigned has them.
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// EventName returns "task_rejected".
func (*TaskRejected) EventName() string { return "task_rejected" }

// Rooms: the worker's user, the task's department, admins.
func (e *TaskRejected) Rooms() []string { return personRooms(e.UserID, e.Department) }

// Validate checks the required fields.
func (e *TaskRejected) Validate() error {
	return firstError(required("taskSid", e.TaskSID), required("reservationSid", e.ReservationSID),
		oneOf("reason", e.Reason, "rejected", "timeout", "canceled", "rescinded"))
}

// TaskCompleted: a task completed or was canceled.
type TaskCompleted struct {
	Meta
	TaskSID   string `json:"taskSid"`
	WorkerSID string `json:"workerSid,omitempty"`
	UserID    string `json:"userId,omitempty"`
	// WorkerName is the friendly name of the worker who had the task.
	WorkerName string `json:"workerName,omitempty"`
	Department string `json:"department"`
	Outcome    string `json:"outcome" ts:"'completed' | 'canceled'"`
	Reason     string `json:"reason,omitempty"`
	// Attributes are the task's, as task_assigned has them.
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// EventName returns "task_completed".
func (*TaskCompleted) EventName() string { return "task_completed" }

// Rooms: the worker's user, the task's department, admins.
func (e *TaskCompleted) Rooms() []string { return personRooms(e.UserID, e.Department) }

// Validate checks the required fields.
func (e *TaskCompleted) Validate() error {
	return firstError(required("taskSid", e.TaskSID), oneOf("outcome", e.Outcome, "completed", "canceled"))
}
