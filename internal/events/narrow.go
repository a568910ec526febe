package events

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Narrow returns e delivered to one room only: room must be one of the
// rooms e's routing policy gives (Rooms), so that narrowing never shows an
// event to anyone its policy would not. Published, the narrowed event
// reaches the sockets of room, and its activity entry is kept for room
// alone, so that history and live delivery agree. e's id, time and
// payload are e's own; it is stamped through the returned Event.
//
// It is what the seed's broadcastX(payload, {room}) asks of the internal
// API, e.g. a voicemail_created for its assignee's room only.
func Narrow(e Event, room string) (Event, error) {
	rooms := e.Rooms()
	if !slices.Contains(rooms, room) {
		return nil, &FieldError{Field: "room", Problem: fmt.Sprintf("must be one of the rooms that may see this %s: %s",
			e.EventName(), strings.Join(rooms, ", "))}
	}
	return &narrowed{Event: e, room: []string{room}}, nil
}

// narrowed is an event restricted to one of its policy's rooms.
type narrowed struct {
	Event
	room []string
}

// Rooms returns the one room.
func (n *narrowed) Rooms() []string { return n.room }

// Unlogged reports whether the narrowed event stays out of the recovery
// log, as the event itself does.
func (n *narrowed) Unlogged() bool { return Unlogged(n.Event) }

// MarshalJSON encodes the event's payload, as the event itself would.
func (n *narrowed) MarshalJSON() ([]byte, error) { return json.Marshal(n.Event) }
