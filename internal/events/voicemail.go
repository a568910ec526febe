package events

// Voicemail statuses.
const (
	VoicemailNew      = "new"
	VoicemailListened = "listened"
	VoicemailArchived = "archived"
)

// VoicemailCreated: a caller left a voicemail.
type VoicemailCreated struct {
	Meta
	VoicemailID     string `json:"voicemailId"`
	CallSID         string `json:"callSid"`
	RecordingSID    string `json:"recordingSid"`
	From            string `json:"from"`
	To              string `json:"to"`
	CallerName      string `json:"callerName,omitempty"`
	Department      string `json:"department"`
	Status          string `json:"status" ts:"'new' | 'listened' | 'archived'"`
	AssignedTo      string `json:"assignedTo,omitempty"`
	DurationSeconds int    `json:"durationSeconds"`
}

// EventName returns "voicemail_created".
func (*VoicemailCreated) EventName() string { return "voicemail_created" }

// Rooms: the department, the assignee, admins.
func (e *VoicemailCreated) Rooms() []string { return recordRooms(e.Department, e.AssignedTo) }

// Validate checks the required fields.
func (e *VoicemailCreated) Validate() error {
	return firstError(required("voicemailId", e.VoicemailID), required("callSid", e.CallSID),
		required("from", e.From), oneOf("status", e.Status, VoicemailNew, VoicemailListened, VoicemailArchived))
}

// VoicemailUpdated: a voicemail's status, assignee or notes changed.
type VoicemailUpdated struct {
	Meta
	VoicemailID string   `json:"voicemailId"`
	Department  string   `json:"department"`
	Status      string   `json:"status" ts:"'new' | 'listened' | 'archived'"`
	AssignedTo  string   `json:"assignedTo,omitempty"`
	Notes       string   `json:"notes,omitempty"`
	Changed     []string `json:"changed,omitempty"`
	UpdatedBy   string   `json:"updatedBy,omitempty"`
	// UpdatedByName is the name of the user UpdatedBy, for people to read.
	UpdatedByName string `json:"updatedByName,omitempty"`
	// PreviousAssignee is told when a voicemail is taken away from them.
	PreviousAssignee string `json:"previousAssignee,omitempty"`
}

// EventName returns "voicemail_updated".
func (*VoicemailUpdated) EventName() string { return "voicemail_updated" }

// Rooms: the department, the assignee (and the previous one), admins.
func (e *VoicemailUpdated) Rooms() []string {
	rooms := recordRooms(e.Department, e.AssignedTo)
	if e.PreviousAssignee != "" && e.PreviousAssignee != e.AssignedTo {
		rooms = append(rooms, UserRoom(e.PreviousAssignee))
	}
	return rooms
}

// Validate checks the required fields.
func (e *VoicemailUpdated) Validate() error {
	return firstError(required("voicemailId", e.VoicemailID),
		oneOf("status", e.Status, VoicemailNew, VoicemailListened, VoicemailArchived))
}
