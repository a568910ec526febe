package events

// Derived worker statuses.
const (
	WorkerAvailable = "available"
	WorkerBusy      = "busy"
	WorkerOffline   = "offline"
)

// WorkerStatusChanged: a worker's derived status changed.
type WorkerStatusChanged struct {
	Meta
	WorkerSID string `json:"workerSid"`
	UserID    string `json:"userId,omitempty"`
	// WorkerName is the worker's friendly name.
	WorkerName     string `json:"workerName,omitempty"`
	Department     string `json:"department"`
	Status         string `json:"status" ts:"'available' | 'busy' | 'offline'"`
	PreviousStatus string `json:"previousStatus,omitempty"`
}

// EventName returns "worker_status_changed".
func (*WorkerStatusChanged) EventName() string { return "worker_status_changed" }

// Rooms: the worker's user, the worker's department, admins.
func (e *WorkerStatusChanged) Rooms() []string { return personRooms(e.UserID, e.Department) }

// Validate checks the required fields.
func (e *WorkerStatusChanged) Validate() error {
	return firstError(required("workerSid", e.WorkerSID),
		oneOf("status", e.Status, WorkerAvailable, WorkerBusy, WorkerOffline))
}

// WorkerActivityChanged: a worker's TaskRouter activity changed.
type WorkerActivityChanged struct {
	Meta
	WorkerSID string `json:"workerSid"`
	UserID    string `json:"userId,omitempty"`
	// WorkerName is the worker's friendly name.
	WorkerName           string `json:"workerName,omitempty"`
	Department           string `json:"department"`
	ActivitySID          string `json:"activitySid"`
	ActivityName         string `json:"activityName"`
	PreviousActivitySID  string `json:"previousActivitySid,omitempty"`
	PreviousActivityName string `json:"previousActivityName,omitempty"`
	Available            bool   `json:"available"`
}

// EventName returns "worker_activity_changed".
func (*WorkerActivityChanged) EventName() string { return "worker_activity_changed" }

// Rooms: the worker's user, the worker's department, admins.
func (e *WorkerActivityChanged) Rooms() []string { return personRooms(e.UserID, e.Department) }

// Validate checks the required fields.
func (e *WorkerActivityChanged) Validate() error {
	return firstError(required("workerSid", e.WorkerSID), required("activityName", e.ActivityName))
}
