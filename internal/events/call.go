package events

// CallIncoming: a new inbound call is ringing.
type CallIncoming struct {
	Meta
	CallSID    string `json:"callSid"`
	From       string `json:"from"`
	To         string `json:"to"`
	CallerName string `json:"callerName,omitempty"`
	Department string `json:"department"`
	AssignedTo string `json:"assignedTo,omitempty"`
}

// EventName returns "call_incoming".
func (*CallIncoming) EventName() string { return "call_incoming" }

// Rooms: the department, the assignee, admins.
func (e *CallIncoming) Rooms() []string { return recordRooms(e.Department, e.AssignedTo) }

// Validate checks the required fields.
func (e *CallIncoming) Validate() error {
	return firstError(required("callSid", e.CallSID), required("from", e.From), required("to", e.To))
}

// CallStatusChanged: a call moved to a later status.
type CallStatusChanged struct {
	Meta
	CallSID        string `json:"callSid"`
	Status         string `json:"status" ts:"'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled'"`
	PreviousStatus string `json:"previousStatus,omitempty"`
	Direction      string `json:"direction,omitempty"`
	From           string `json:"from"`
	To             string `json:"to"`
	Department     string `json:"department"`
	AssignedTo     string `json:"assignedTo,omitempty"`
}

// EventName returns "call_status_changed".
func (*CallStatusChanged) EventName() string { return "call_status_changed" }

// Rooms: the department, the assignee, admins.
func (e *CallStatusChanged) Rooms() []string { return recordRooms(e.Department, e.AssignedTo) }

// Validate checks the required fields.
func (e *CallStatusChanged) Validate() error {
	return firstError(required("callSid", e.CallSID), required("status", e.Status))
}

// CallCompleted: a call reached a terminal status.
type CallCompleted struct {
	Meta
	CallSID         string `json:"callSid"`
	Status          string `json:"status" ts:"'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled'"`
	DurationSeconds int    `json:"durationSeconds"`
	From            string `json:"from"`
	To              string `json:"to"`
	Department      string `json:"department"`
	AssignedTo      string `json:"assignedTo,omitempty"`
}

// EventName returns "call_completed".
func (*CallCompleted) EventName() string { return "call_completed" }

// Rooms: the department, the assignee, admins.
func (e *CallCompleted) Rooms() []string { return recordRooms(e.Department, e.AssignedTo) }

// Validate checks the required fields.
func (e *CallCompleted) Validate() error {
	return firstError(required("callSid", e.CallSID),
		oneOf("status", e.Status, "completed", "busy", "no-answer", "failed", "canceled"))
}

// CallRecordingAvailable: a call's recording can be played.
type CallRecordingAvailable struct {
	Meta
	CallSID         string `json:"callSid"`
	RecordingSID    string `json:"recordingSid"`
	DurationSeconds int    `json:"durationSeconds"`
	// MediaURL is the service's own URL for the recording (never Twilio's).
	MediaURL   string `json:"mediaUrl"`
	Department string `json:"department"`
	AssignedTo string `json:"assignedTo,omitempty"`
	// From and CallerName are the call's caller, for people to read.
	From       string `json:"from,omitempty"`
	CallerName string `json:"callerName,omitempty"`
	// VoicemailID is the voicemail the recording is, when it is one.
	VoicemailID string `json:"voicemailId,omitempty"`
}

// EventName returns "call_recording_available".
func (*CallRecordingAvailable) EventName() string { return "call_recording_available" }

// Rooms: the department, the assignee, admins.
func (e *CallRecordingAvailable) Rooms() []string { return recordRooms(e.Department, e.AssignedTo) }

// Validate checks the required fields.
func (e *CallRecordingAvailable) Validate() error {
	return firstError(required("callSid", e.CallSID), required("recordingSid", e.RecordingSID))
}
