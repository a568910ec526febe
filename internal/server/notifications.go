package server

import (
	"encoding/json"
	"net/http"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// postNotification serves POST /api/notifications: admins send a
// system_notification to everyone, a role, a department or a user;
// supervisors to their own department.
func (s *Server) postNotification(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	switch p.Role {
	case events.RoleAdmin, events.RoleSupervisor:
	default:
		writeError(w, http.StatusForbidden, "only admins and supervisors send notifications")
		return
	}
	var n events.SystemNotification
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	d.DisallowUnknownFields()
	if err := d.Decode(&n); err != nil {
		writeDecodeError(w, err, "body must be {\"level\", \"title\", \"message\", \"target\": {\"kind\", \"value\"}}: "+err.Error())
		return
	}
	n.Meta = events.Meta{} // the server stamps them
	if err := n.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if p.Role == events.RoleSupervisor && (n.Target.Kind != events.TargetDepartment || n.Target.Value != p.Department || p.Department == "") {
		writeError(w, http.StatusForbidden, "supervisors send notifications to their own department only")
		return
	}
	if err := s.broadcaster.Publish(r.Context(), &n); err != nil {
		writeError(w, http.StatusInternalServerError, "could not send the notification")
		return
	}
	writeJSON(w, http.StatusAccepted, Accepted{ID: n.ID})
}
