package store

import (
	"context"
	"encoding/json"
	"time"
)

// Task assignment statuses (TaskAssignmentStatus).
const (
	TaskPending   = "pending"
	TaskReserved  = "reserved"
	TaskAssigned  = "assigned"
	TaskWrapping  = "wrapping"
	TaskCompleted = "completed"
	TaskCanceled  = "canceled"
)

// IsOpenTaskStatus reports whether a task with that status is still open
// (not completed or canceled).
func IsOpenTaskStatus(s string) bool {
	return s == TaskPending || s == TaskReserved || s == TaskAssigned || s == TaskWrapping
}

// Task is a TaskRouter task, keyed by its TaskSid.
type Task struct {
	SID    string
	Status string
	// Attributes is TaskAttributes, kept as received (a JSON document).
	Attributes  json.RawMessage
	Priority    int
	QueueName   string
	Channel     string
	WorkflowSID string
	Department  string
	// WorkerSID is the worker who accepted it, if any.
	WorkerSID string
	// Reason is TaskCanceledReason or TaskCompletedReason.
	Reason string
	// Version (TaskVersion) and EventAt (the event's TimestampMs) order
	// the events of one task: an older one changes nothing.
	Version   int64
	EventAt   time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Reservation statuses.
const (
	ReservationPending   = "pending"
	ReservationAccepted  = "accepted"
	ReservationRejected  = "rejected"
	ReservationTimeout   = "timeout"
	ReservationCanceled  = "canceled"
	ReservationRescinded = "rescinded"
	ReservationCompleted = "completed"
	ReservationWrapping  = "wrapping"
)

// Reservation is a TaskRouter reservation: a task offered to a worker.
type Reservation struct {
	SID       string
	TaskSID   string
	WorkerSID string
	Status    string
	// Version (ReservationVersion) and EventAt order the events of one
	// reservation.
	Version   int64
	EventAt   time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Change reports what an upsert of a TaskRouter resource did.
type Change[T any] struct {
	// Record is the stored record after the upsert.
	Record T
	// Previous is the record before it (zero when Created).
	Previous T
	// Created is true when the record is new.
	Created bool
	// Applied is true when the update was written: it is new, or newer
	// than the stored record (by Version, then EventAt). A stale or
	// repeated event is not applied and the caller emits nothing.
	Applied bool
}

// TaskFilter selects open tasks.
type TaskFilter struct {
	Scope Scope
	// WorkerSID filters when not empty.
	WorkerSID string
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Limit is the page size: default 50, at most 200.
	Limit int
}

// Tasks stores TaskRouter tasks and reservations.
type Tasks interface {
	// Upsert creates or updates a task from an event, unless the event is
	// older than the stored task. Empty strings and attributes keep the
	// stored values.
	Upsert(ctx context.Context, t Task) (Change[Task], error)
	// Get returns the task with that SID, or ErrNotFound.
	Get(ctx context.Context, sid string) (Task, error)
	// ListOpen returns a page of tasks not completed or canceled, newest
	// first.
	ListOpen(ctx context.Context, f TaskFilter) (Page[Task], error)
	// UpsertReservation creates or updates a reservation from an event,
	// unless the event is older than the stored reservation.
	UpsertReservation(ctx context.Context, r Reservation) (Change[Reservation], error)
	// GetReservation returns the reservation with that SID, or ErrNotFound.
	GetReservation(ctx context.Context, sid string) (Reservation, error)
	// PendingReservations returns the offers still waiting for a worker's
	// answer, newest first (at most MaxPageSize).
	PendingReservations(ctx context.Context, workerSID string) ([]Reservation, error)
}
