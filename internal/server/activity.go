package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/store"
)

// activityItem is one entry of GET /api/activity.
type activityItem struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Payload    json.RawMessage `json:"payload"`
	OccurredAt time.Time       `json:"occurredAt"`
}

// getActivity serves GET /api/activity?since=&limit=: the recent events
// the caller's rooms could see, newest first. since is an RFC 3339 time or
// the id of the last event the client has (after a reconnect).
func (s *Server) getActivity(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := store.ActivityQuery{Rooms: UserRooms(p)}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPageSize {
			writeError(w, http.StatusBadRequest, "limit: must be 1 to "+strconv.Itoa(store.MaxPageSize))
			return
		}
		q.Limit = n
	}
	if v := r.URL.Query().Get("since"); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			q.Since = t
		} else {
			q.AfterID = v
		}
	}
	entries, err := s.store.Activity().List(r.Context(), q)
	if err != nil {
		s.log.Error("activity", "err", err)
		writeError(w, http.StatusInternalServerError, "could not read the activity")
		return
	}
	items := make([]activityItem, len(entries))
	for i, e := range entries {
		items[i] = activityItem{ID: e.ID, Type: e.Type, Payload: e.Payload, OccurredAt: e.OccurredAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": nil})
}
