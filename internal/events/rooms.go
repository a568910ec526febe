package events

import "strconv"

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

// WatchRoom returns the room of the sockets that watch a user's presence
// (the presence:watch event, docs/presence.md). Its name holds the user's
// department, so that a socket joins only the watch rooms of departments
// it may see, and that department's length, so that no two (department,
// user) pairs share a room: "presence-5-sales-u1".
func WatchRoom(department, userID string) string {
	return WatchRoomPrefix(department) + userID
}

// WatchRoomPrefix returns what the watch rooms of department's users
// start with.
func WatchRoomPrefix(department string) string {
	return "presence-" + strconv.Itoa(len(department)) + "-" + department + "-"
}

// MaxWatched is the most users a socket may watch (over all departments).
const MaxWatched = 1000

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

// WatchEvent is the socket event with which a client says whose presence
// it watches (docs/presence.md).
const WatchEvent = "presence:watch"
