package server

import (
	"slices"
	"strconv"
	"strings"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/presence"
	"github.com/kin-comms/kinrt/socketio"
)

// maxWatchID bounds a department or user id in a presence:watch request.
const maxWatchID = 256

// presenceScope is KIN_PRESENCE_SCOPE, department unless set.
func (s *Server) presenceScope() string {
	if s.cfg.PresenceScope == config.PresenceWatched {
		return config.PresenceWatched
	}
	return config.PresenceDepartment
}

// watchPresence serves presence:watch (WatchRequest) for p's socket: the
// socket joins the watch rooms of the users asked for (events.WatchRoom)
// and leaves the department's others, and the ack answers their current
// presence. It works in both scopes; in the department scope the socket
// already gets its department's changes and watching adds only the
// answer.
func (s *Server) watchPresence(sock *socketio.Socket, p auth.Principal) func(*socketio.Event) {
	return func(e *socketio.Event) {
		ans := s.watch(sock, p, e)
		_ = e.Ack(ans)
	}
}

func (s *Server) watch(sock *socketio.Socket, p auth.Principal, e *socketio.Event) WatchAnswer {
	var req WatchRequest
	if e.Len() < 1 || e.Decode(0, &req) != nil {
		return WatchAnswer{Error: events.WatchEvent + ` takes {"userIds": [...], "department"?: "..."}`}
	}
	dept := req.Department
	if dept == "" {
		dept = p.Department
	}
	switch {
	case dept == "":
		return WatchAnswer{Error: "department is required: you have none"}
	case len(dept) > maxWatchID:
		return WatchAnswer{Error: "department is longer than " + strconv.Itoa(maxWatchID) + " bytes"}
	case !sees(p, dept):
		return WatchAnswer{Error: "you may watch only the users of your own department"}
	}
	ids := make([]string, 0, len(req.UserIDs))
	want := make(map[string]bool, len(req.UserIDs))
	for _, id := range req.UserIDs {
		if id == "" || len(id) > maxWatchID {
			return WatchAnswer{Error: "every user id must have 1 to " + strconv.Itoa(maxWatchID) + " bytes"}
		}
		if !want[id] {
			want[id] = true
			ids = append(ids, id)
		}
	}
	prefix := events.WatchRoomPrefix(dept)
	var stale []string
	others := 0
	for _, room := range sock.Rooms() {
		switch {
		case strings.HasPrefix(room, prefix):
			if id := room[len(prefix):]; want[id] {
				delete(want, id) // watched already
			} else {
				stale = append(stale, room)
			}
		case strings.HasPrefix(room, "presence-"):
			others++
		}
	}
	if others+len(ids) > events.MaxWatched {
		return WatchAnswer{Error: "a socket may watch at most " + strconv.Itoa(events.MaxWatched) + " users"}
	}
	for _, room := range stale {
		sock.Leave(room)
	}
	if len(want) > 0 {
		rooms := make([]string, 0, len(want))
		for _, id := range ids {
			if want[id] {
				rooms = append(rooms, events.WatchRoom(dept, id))
			}
		}
		sock.Join(rooms...)
	}
	// The answer is read after joining: a change published in between
	// comes as an event too, and the client keeps the higher version.
	found := s.presence.Lookup(ids)
	return WatchAnswer{Users: slices.DeleteFunc(found, func(e presence.Entry) bool { return e.Department != dept })}
}
