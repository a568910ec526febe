package events

// Notification targets.
const (
	TargetAll        = "all"
	TargetRole       = "role"
	TargetDepartment = "department"
	TargetUser       = "user"
)

// Target names who a system notification is for.
type Target struct {
	Kind  string `json:"kind" ts:"'all' | 'role' | 'department' | 'user'"`
	Value string `json:"value,omitempty"`
}

// SystemNotification: a message from the system to a user, a role, a
// department or everyone.
type SystemNotification struct {
	Meta
	Level   string `json:"level" ts:"'info' | 'success' | 'warning' | 'error'"`
	Title   string `json:"title"`
	Message string `json:"message"`
	// Target's tsin tag types the internal API's input precisely: a value
	// is required for every kind but "all" (see Validate).
	Target Target `json:"target" tsin:"{ kind: 'all'; value?: string } | { kind: 'role' | 'department' | 'user'; value: string }"`
	// Link optionally points at the record concerned, in the web app.
	Link string `json:"link,omitempty"`
}

// EventName returns "system_notification".
func (*SystemNotification) EventName() string { return "system_notification" }

// Rooms: the target; everyone is every role's room.
func (e *SystemNotification) Rooms() []string {
	switch e.Target.Kind {
	case TargetRole:
		return []string{RoleRoom(e.Target.Value)}
	case TargetDepartment:
		return []string{DepartmentRoom(e.Target.Value)}
	case TargetUser:
		return []string{UserRoom(e.Target.Value)}
	default:
		return []string{RoleRoom(RoleAdmin), RoleRoom(RoleSupervisor), RoleRoom(RoleAgent)}
	}
}

// Validate checks the required fields.
func (e *SystemNotification) Validate() error {
	err := firstError(oneOf("level", e.Level, "info", "success", "warning", "error"),
		required("message", e.Message),
		oneOf("target.kind", e.Target.Kind, TargetAll, TargetRole, TargetDepartment, TargetUser))
	if err == nil && e.Target.Kind != TargetAll {
		err = required("target.value", e.Target.Value)
	}
	return err
}
