// Package events is the catalog of KIN Realtime's events: one Go struct
// per event (the single source of truth, from which the TypeScript types of
// the web client are generated), the routing policy that says which rooms
// may see each event, and the Broadcaster that applies it.
//
// Rooms are named user-{id}, role-{role} and department-{department}; a
// client is in exactly its own three. An event goes to every room its
// policy names, and a client in several of them receives it once.
package events
