package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Derived worker statuses.
const (
	WorkerAvailable = "available"
	WorkerBusy      = "busy"
	WorkerOffline   = "offline"
)

// Worker is a TaskRouter worker, keyed by its WorkerSid.
type Worker struct {
	SID          string
	Name         string
	ActivitySID  string
	ActivityName string
	// Available is the activity's availability in TaskRouter.
	Available bool
	// Status is derived: available, busy or offline. Upsert fills it with
	// DeriveWorkerStatus when empty.
	Status string
	// UserID is the KIN user the worker is (from WorkerAttributes).
	UserID     string
	Department string
	// Attributes is WorkerAttributes, kept as received.
	Attributes json.RawMessage
	// Version (WorkerVersion) and EventAt order the events of one worker.
	Version   int64
	EventAt   time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DeriveWorkerStatus maps a TaskRouter activity to a derived status: an
// available activity is available (busy if the worker has no free
// capacity), an unavailable one named "offline" is offline, any other
// unavailable one (break, wrap-up, …) is busy.
func DeriveWorkerStatus(available bool, activityName string, atCapacity bool) string {
	switch {
	case available && atCapacity:
		return WorkerBusy
	case available:
		return WorkerAvailable
	case strings.EqualFold(strings.TrimSpace(activityName), "offline"), activityName == "":
		return WorkerOffline
	}
	return WorkerBusy
}

// Workers stores TaskRouter workers.
type Workers interface {
	// Upsert creates or updates a worker from an event, unless the event
	// is older than the stored worker. Empty strings and attributes keep
	// the stored values.
	Upsert(ctx context.Context, w Worker) (Change[Worker], error)
	// Get returns the worker with that SID, or ErrNotFound.
	Get(ctx context.Context, sid string) (Worker, error)
	// GetByUser returns the worker of a KIN user, or ErrNotFound.
	GetByUser(ctx context.Context, userID string) (Worker, error)
	// List returns the workers of a scope, by name.
	List(ctx context.Context, scope Scope) ([]Worker, error)
}
