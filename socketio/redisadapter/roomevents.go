package redisadapter

import "github.com/kin-comms/kinrt/socketio"

var _ socketio.RoomEvents = (*Adapter)(nil)

// OnCreateRoom adds a listener called when a room gets its first socket
// on this node (the room events are those of the node's local part, as
// with Node's Redis adapter).
func (a *Adapter) OnCreateRoom(fn func(room string)) (off func()) { return a.local.OnCreateRoom(fn) }

// OnDeleteRoom adds a listener called when a room loses its last socket
// on this node.
func (a *Adapter) OnDeleteRoom(fn func(room string)) (off func()) { return a.local.OnDeleteRoom(fn) }

// OnJoinRoom adds a listener called when socket id of this node joins a
// room, whichever node asked it to.
func (a *Adapter) OnJoinRoom(fn func(room, id string)) (off func()) { return a.local.OnJoinRoom(fn) }

// OnLeaveRoom adds a listener called when socket id of this node leaves a
// room, whichever node asked it to, or disconnects.
func (a *Adapter) OnLeaveRoom(fn func(room, id string)) (off func()) { return a.local.OnLeaveRoom(fn) }

var _ socketio.RoomEvents = (*ShardedAdapter)(nil)

// OnCreateRoom adds a listener called when a room gets its first socket
// on this node (the room events are those of the node's local part, as
// with Node's sharded adapter).
func (a *ShardedAdapter) OnCreateRoom(fn func(room string)) (off func()) {
	return a.local.OnCreateRoom(fn)
}

// OnDeleteRoom adds a listener called when a room loses its last socket
// on this node.
func (a *ShardedAdapter) OnDeleteRoom(fn func(room string)) (off func()) {
	return a.local.OnDeleteRoom(fn)
}

// OnJoinRoom adds a listener called when socket id of this node joins a
// room, whichever node asked it to.
func (a *ShardedAdapter) OnJoinRoom(fn func(room, id string)) (off func()) {
	return a.local.OnJoinRoom(fn)
}

// OnLeaveRoom adds a listener called when socket id of this node leaves a
// room, whichever node asked it to, or disconnects.
func (a *ShardedAdapter) OnLeaveRoom(fn func(room, id string)) (off func()) {
	return a.local.OnLeaveRoom(fn)
}
