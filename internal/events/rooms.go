package events

// The roles of KIN users.
const (
	RoleAdmin      = "admin"
	RoleSupervisor = "supervisor"
	RoleAgent      = "agent"
)

// DefaultDepartment is the department of records whose number maps to no
// department.
const DefaultDepartment = "general"

// UserRoom returns the room of one user.
func UserRoom(userID string) string { return "user-" + userID }

// RoleRoom returns the room of everyone with a role.
func RoleRoom(role string) string { return "role-" + role }

// DepartmentRoom returns the room of everyone in a department.
func DepartmentRoom(department string) string { return "department-" + department }

// recordRooms is the policy of records (voicemails, calls, messages,
// conversations): their department, their assignee, and admins.
func recordRooms(department, assignee string) []string {
	rooms := []string{DepartmentRoom(orDefault(department)), RoleRoom(RoleAdmin)}
	if assignee != "" {
		rooms = append(rooms, UserRoom(assignee))
	}
	return rooms
}

// personRooms is the policy of tasks and workers: the user concerned, the
// department, and admins.
func personRooms(userID, department string) []string {
	rooms := []string{DepartmentRoom(orDefault(department)), RoleRoom(RoleAdmin)}
	if userID != "" {
		rooms = append(rooms, UserRoom(userID))
	}
	return rooms
}

func orDefault(department string) string {
	if department == "" {
		return DefaultDepartment
	}
	return department
}
