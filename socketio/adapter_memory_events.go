package socketio

import (
	"sync"
	"sync/atomic"
)

// RoomEvents is implemented by an Adapter that reports the changes of its
// rooms on this node, as Node's adapter emits create-room, delete-room,
// join-room and leave-room. The MemoryAdapter implements it, and so do
// cluster adapters built on it (package redisadapter). A socket's own
// room, named by its id, counts as a room: it is created and joined when
// the socket connects, left and deleted when it disconnects.
//
// Listeners run in the order of the changes, one at a time, after the
// adapter's locks are released: they may join, leave and broadcast. A
// change made by a listener is reported once that listener returns. Each
// method returns the function that removes the listener.
type RoomEvents interface {
	// OnCreateRoom adds a listener called when a room gets its first
	// socket (Node's "create-room").
	OnCreateRoom(fn func(room string)) (off func())
	// OnDeleteRoom adds a listener called when a room loses its last
	// socket (Node's "delete-room").
	OnDeleteRoom(fn func(room string)) (off func())
	// OnJoinRoom adds a listener called when socket id joins a room it
	// was not in (Node's "join-room").
	OnJoinRoom(fn func(room, id string)) (off func())
	// OnLeaveRoom adds a listener called when socket id leaves a room
	// (Node's "leave-room"), by Leave or by disconnecting.
	OnLeaveRoom(fn func(room, id string)) (off func())
}

var _ RoomEvents = (*MemoryAdapter)(nil)

// roomEventKind says which of the four room events happened.
type roomEventKind uint8

const (
	createRoom roomEventKind = iota
	deleteRoom
	joinRoom
	leaveRoom
)

// roomEvent is one change of the rooms, waiting for its listeners.
type roomEvent struct {
	kind     roomEventKind
	room, id string
}

type roomListener struct {
	id   uint64
	kind roomEventKind
	fn   func(room, id string)
}

// roomNotifier queues the room events of an adapter and runs their
// listeners in order. Changes are queued under the adapter's lock (which
// orders them) and the listeners run after it is released, by whichever
// goroutine finds no other one running them.
type roomNotifier struct {
	active atomic.Bool // some listener is registered: changes are queued

	mu        sync.Mutex
	listeners []roomListener
	nextID    uint64
	queue     []roomEvent
	running   bool
}

func (r *roomNotifier) add(kind roomEventKind, fn func(room, id string)) (off func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	id := r.nextID
	r.listeners = append(r.listeners, roomListener{id: id, kind: kind, fn: fn})
	r.active.Store(true)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i, l := range r.listeners {
			if l.id == id {
				r.listeners = append(r.listeners[:i:i], r.listeners[i+1:]...)
				break
			}
		}
		r.active.Store(len(r.listeners) > 0)
	}
}

// push queues an event; the adapter's lock is held.
func (r *roomNotifier) push(kind roomEventKind, room, id string) {
	if !r.active.Load() {
		return
	}
	r.mu.Lock()
	r.queue = append(r.queue, roomEvent{kind: kind, room: room, id: id})
	r.mu.Unlock()
}

// run calls the listeners of the queued events, unless another goroutine
// is calling them already (it will take these too). No adapter lock may
// be held.
func (r *roomNotifier) run() {
	if !r.active.Load() {
		return
	}
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return
	}
	r.running = true
	for len(r.queue) > 0 {
		ev := r.queue[0]
		r.queue[0] = roomEvent{}
		r.queue = r.queue[1:]
		listeners := r.listeners
		r.mu.Unlock()
		for _, l := range listeners {
			if l.kind == ev.kind {
				l.fn(ev.room, ev.id)
			}
		}
		r.mu.Lock()
	}
	r.queue = nil
	r.running = false
	r.mu.Unlock()
}

// OnCreateRoom adds a listener called when a room of this node gets its
// first socket.
func (a *MemoryAdapter) OnCreateRoom(fn func(room string)) (off func()) {
	return a.events.add(createRoom, func(room, _ string) { fn(room) })
}

// OnDeleteRoom adds a listener called when a room of this node loses its
// last socket.
func (a *MemoryAdapter) OnDeleteRoom(fn func(room string)) (off func()) {
	return a.events.add(deleteRoom, func(room, _ string) { fn(room) })
}

// OnJoinRoom adds a listener called when socket id joins a room.
func (a *MemoryAdapter) OnJoinRoom(fn func(room, id string)) (off func()) {
	return a.events.add(joinRoom, fn)
}

// OnLeaveRoom adds a listener called when socket id leaves a room.
func (a *MemoryAdapter) OnLeaveRoom(fn func(room, id string)) (off func()) {
	return a.events.add(leaveRoom, fn)
}

// AddAllLater adds socket id to rooms, as AddAll does, and returns the
// function that runs the room event listeners of the change. A cluster
// adapter that joins under a lock of its own calls it after releasing
// that lock, so that a listener may broadcast.
func (a *MemoryAdapter) AddAllLater(id string, rooms []string) (notify func()) {
	a.addAll(id, rooms)
	return a.events.run
}
