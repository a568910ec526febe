package socketio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// MemoryAdapter is the Adapter of a single node: rooms in maps, broadcasts
// delivered to local sockets, and (with recovery on) sessions and recent
// broadcasts kept in memory.
type MemoryAdapter struct {
	nsp *Namespace

	mu sync.RWMutex
	// rooms holds every room but the sockets' own: a socket's own room
	// (named by its id) is its member's own flag, which saves two maps
	// per socket.
	rooms   map[string]*room   // room name -> its sockets
	members map[string]*member // socket id -> its rooms
	all     []roomMember       // every member, for broadcasts to the namespace; member.at is its place

	ackID atomic.Uint64

	events roomNotifier // room event listeners (adapter_memory_events.go)

	// recovery (adapter_memory_recovery.go)
	joinMu     sync.RWMutex // read: a logged broadcast between logging and selecting; write: rejoin
	recMu      sync.Mutex
	sessions   map[string]*storedSession
	log        packetLog
	pruneTimer *time.Timer // armed while sessions or log hold anything
	closed     bool
	offset     atomic.Uint64
	prefix     string
}

var _ Adapter = (*MemoryAdapter)(nil)

// NewMemoryAdapter returns the in-memory adapter of namespace n.
func NewMemoryAdapter(n *Namespace) *MemoryAdapter {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &MemoryAdapter{
		nsp:      n,
		rooms:    make(map[string]*room),
		members:  make(map[string]*member),
		sessions: make(map[string]*storedSession),
		prefix:   base64.RawURLEncoding.EncodeToString(b[:]) + "-",
	}
}

// member is a socket of the adapter and its rooms.
type member struct {
	s     *Socket
	rooms []string // in the order joined, its own room included while in it
	own   bool     // in its own room
	at    int      // its place in the adapter's all
}

// room is the local sockets of one room: a list that a broadcast walks
// from end to end, and the place of each socket in it, to join and leave
// in constant time. A map alone would do, but walking a map of 10,000
// entries costs more than the queueing it feeds.
type room struct {
	list []roomMember
	at   map[string]int // socket id -> its place in list
}

// roomMember is a socket as a broadcast needs it: with its connection at
// hand, so that queueing a message reads the connection, not the socket
// and its client first (each a cache miss when rooms are large).
type roomMember struct {
	s    *Socket
	conn *engineio.Conn
}

func memberOf(s *Socket) roomMember { return roomMember{s: s, conn: s.client.conn} }

// add puts s in r, if it is not there.
func (r *room) add(s *Socket) {
	if _, ok := r.at[s.id]; ok {
		return
	}
	r.at[s.id] = len(r.list)
	r.list = append(r.list, memberOf(s))
}

// del removes socket id from r: the last member takes its place.
func (r *room) del(id string) {
	i, ok := r.at[id]
	if !ok {
		return
	}
	delete(r.at, id)
	last := len(r.list) - 1
	if i != last {
		r.list[i] = r.list[last]
		r.at[r.list[i].s.id] = i
	}
	r.list[last] = roomMember{}
	r.list = r.list[:last]
}

// inRoom reports whether socket id is in room r.
func (a *MemoryAdapter) inRoom(id, r string) bool {
	if r == id {
		m := a.members[id]
		return m != nil && m.own
	}
	if set := a.rooms[r]; set != nil {
		_, ok := set.at[id]
		return ok
	}
	return false
}

// roomSize is RoomSize with a.mu held.
func (a *MemoryAdapter) roomSize(r string) int {
	n := 0
	if set := a.rooms[r]; set != nil {
		n = len(set.list)
	}
	if m := a.members[r]; m != nil && m.own {
		n++
	}
	return n
}

// eachIn calls fn for each socket in room r.
func (a *MemoryAdapter) eachIn(r string, fn func(rm roomMember)) {
	if m := a.members[r]; m != nil && m.own {
		fn(a.all[m.at])
	}
	if set := a.rooms[r]; set != nil {
		for _, rm := range set.list {
			fn(rm)
		}
	}
}

// AddAll adds socket id to rooms.
func (a *MemoryAdapter) AddAll(id string, rooms []string) {
	a.addAll(id, rooms)
	a.events.run()
}

// addAll is AddAll without running the room event listeners.
func (a *MemoryAdapter) addAll(id string, rooms []string) {
	s := a.nsp.Socket(id)
	if s == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	events := a.events.active.Load()
	m := a.members[id]
	if m == nil {
		m = &member{s: s, rooms: make([]string, 0, len(rooms)), at: len(a.all)}
		a.members[id] = m
		a.all = append(a.all, memberOf(s))
	}
	for _, r := range rooms {
		if slices.Contains(m.rooms, r) {
			continue
		}
		if events && a.roomSize(r) == 0 {
			a.events.push(createRoom, r, "")
		}
		m.rooms = append(m.rooms, r)
		if r == id {
			m.own = true
		} else {
			set := a.rooms[r]
			if set == nil {
				set = &room{at: make(map[string]int, 1)}
				a.rooms[r] = set
			}
			set.add(s)
		}
		if events {
			a.events.push(joinRoom, r, id)
		}
	}
}

// Del removes socket id from room.
func (a *MemoryAdapter) Del(id, room string) {
	a.del(id, room)
	a.events.run()
}

func (a *MemoryAdapter) del(id, room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m := a.members[id]; m != nil {
		if i := slices.Index(m.rooms, room); i >= 0 {
			m.rooms = slices.Delete(m.rooms, i, i+1)
		}
		if room == id {
			if m.own {
				m.own = false
				a.leftLocked(room, id)
			}
			return
		}
	}
	a.delRoomLocked(id, room)
}

// delRoomLocked removes socket id from the set of room (not its own).
func (a *MemoryAdapter) delRoomLocked(id, room string) {
	set := a.rooms[room]
	if set == nil {
		return
	}
	if _, in := set.at[id]; !in {
		return
	}
	set.del(id)
	if len(set.list) == 0 {
		delete(a.rooms, room)
	}
	a.leftLocked(room, id)
}

// leftLocked queues the events of socket id having left room.
func (a *MemoryAdapter) leftLocked(room, id string) {
	if !a.events.active.Load() {
		return
	}
	a.events.push(leaveRoom, room, id)
	if a.roomSize(room) == 0 {
		a.events.push(deleteRoom, room, "")
	}
}

// DelAll removes socket id from all its rooms.
func (a *MemoryAdapter) DelAll(id string) {
	a.delAll(id)
	a.events.run()
}

func (a *MemoryAdapter) delAll(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.members[id]
	if m == nil {
		return
	}
	for _, r := range m.rooms {
		if r != id {
			a.delRoomLocked(id, r)
		} else {
			m.own = false
			a.leftLocked(r, id)
		}
	}
	delete(a.members, id)
	// The last member takes m's place in all.
	last := len(a.all) - 1
	if m.at != last {
		moved := a.all[last]
		a.all[m.at] = moved
		a.members[moved.s.id].at = m.at
	}
	a.all[last] = roomMember{}
	a.all = a.all[:last]
}

// Rooms returns the rooms of socket id.
func (a *MemoryAdapter) Rooms(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if m := a.members[id]; m != nil {
		return slices.Clone(m.rooms)
	}
	return []string{}
}

// Len returns the number of rooms with local sockets, the sockets' own
// rooms included.
func (a *MemoryAdapter) Len() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	n := len(a.rooms)
	for id, m := range a.members {
		if _, also := a.rooms[id]; m.own && !also {
			n++
		}
	}
	return n
}

// RoomSize returns the number of local sockets in room.
func (a *MemoryAdapter) RoomSize(room string) int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.roomSize(room)
}

var memberSlices = sync.Pool{New: func() any { s := make([]roomMember, 0, 64); return &s }}

// selectSockets returns the local sockets opts selects, in a pooled slice
// to give back with putSockets.
func (a *MemoryAdapter) selectSockets(opts *BroadcastOptions) *[]roomMember {
	out := memberSlices.Get().(*[]roomMember)
	a.mu.RLock()
	defer a.mu.RUnlock()
	// Without exceptions (the usual broadcast) no socket is read: only
	// the lists are.
	excluded := func(rm roomMember) bool {
		for _, r := range opts.Except {
			if a.inRoom(rm.s.id, r) {
				return true
			}
		}
		return false
	}
	if len(opts.Rooms) == 0 {
		if len(opts.Except) == 0 {
			*out = append(*out, a.all...)
			return out
		}
		for _, rm := range a.all {
			if !excluded(rm) {
				*out = append(*out, rm)
			}
		}
		return out
	}
	// Several rooms: the largest first, as it is; a socket of another
	// room is skipped when it is in the largest or in a room before its
	// own. No set of the sockets seen is built: the usual broadcast (a
	// department and the admins) checks only the few sockets of the small
	// room.
	rooms := opts.Rooms
	big := 0
	for i, r := range rooms {
		if a.roomSize(r) > a.roomSize(rooms[big]) {
			big = i
		}
	}
	if set := a.rooms[rooms[big]]; set != nil && len(opts.Except) == 0 {
		*out = append(*out, set.list...)
		if m := a.members[rooms[big]]; m != nil && m.own {
			*out = append(*out, a.all[m.at])
		}
	} else {
		a.eachIn(rooms[big], func(rm roomMember) {
			if !excluded(rm) {
				*out = append(*out, rm)
			}
		})
	}
	for i, r := range rooms {
		if i == big {
			continue
		}
		a.eachIn(r, func(rm roomMember) {
			id := rm.s.id
			if a.inRoom(id, rooms[big]) || excluded(rm) {
				return
			}
			for _, earlier := range rooms[:i] {
				if a.inRoom(id, earlier) {
					return
				}
			}
			*out = append(*out, rm)
		})
	}
	return out
}

func putSockets(p *[]roomMember) {
	clear(*p)
	*p = (*p)[:0]
	memberSlices.Put(p)
}

// Broadcast encodes p once and queues it for every selected socket. With
// recovery on, a non-volatile event without ack gets an offset as its last
// argument and is kept for clients that reconnect.
func (a *MemoryAdapter) Broadcast(p *parser.Packet, opts *BroadcastOptions) {
	var sockets *[]roomMember
	if a.nsp.server.opts.Recovery != nil && !opts.Volatile && !opts.Unlogged && !p.HasID &&
		(p.Type == parser.Event || p.Type == parser.BinaryEvent) {
		a.joinMu.RLock()
		p = a.logPacket(p, opts)
		sockets = a.selectSockets(opts)
		a.joinMu.RUnlock()
	} else {
		sockets = a.selectSockets(opts)
	}
	a.deliver(p, opts, sockets)
}

// Deliver queues p, as it is, for the local sockets opts selects: unlike
// Broadcast it adds no offset and keeps nothing for recovery. A cluster
// adapter that keeps its own log of broadcasts delivers through it.
func (a *MemoryAdapter) Deliver(p *parser.Packet, opts *BroadcastOptions) {
	a.deliver(p, opts, a.selectSockets(opts))
}

// DeliverLater selects the local sockets opts selects now and returns the
// function that queues p for them, as Deliver would. A cluster adapter
// selects under its own lock and sends after releasing it: a send can
// close a slow client, which runs that socket's disconnect handlers at
// once, and they may broadcast. send is to be called once.
func (a *MemoryAdapter) DeliverLater(p *parser.Packet, opts *BroadcastOptions) (send func()) {
	sockets := a.selectSockets(opts)
	return func() { a.deliver(p, opts, sockets) }
}

func (a *MemoryAdapter) deliver(p *parser.Packet, opts *BroadcastOptions, sockets *[]roomMember) {
	// Encoded once, with the server's parser, for every socket.
	msgs, err := a.nsp.server.messages(p)
	if err != nil {
		a.nsp.server.opts.Logger.Warn("socketio: encode broadcast", "nsp", a.nsp.name, "err", err)
		putSockets(sockets)
		return
	}
	if a.nsp.outgoingSockets.Load() > 0 {
		for _, rm := range *sockets {
			rm.s.notifyOutgoing(p)
		}
	}
	markUncompressed(msgs, opts.Uncompressed)
	if a.nsp.server.opts.DeliveryLatency != nil {
		a.nsp.server.sampleDelivery(msgs, opts)
	}
	if opts.Volatile {
		for _, rm := range *sockets {
			rm.conn.SendVolatile(msgs...)
		}
	} else {
		for _, rm := range *sockets {
			_ = rm.conn.Send(msgs...)
		}
	}
	if fn := a.nsp.server.opts.OnDeliver; fn != nil {
		fn(a.nsp.name, len(*sockets))
	}
	putSockets(sockets)
}

// BroadcastWithAck delivers p with an ack id of each selected socket; the
// acks still pending when ctx is done are forgotten.
func (a *MemoryAdapter) BroadcastWithAck(ctx context.Context, p *parser.Packet, opts *BroadcastOptions, clients func(int), ack func(Args)) {
	sockets := a.selectSockets(opts)
	defer putSockets(sockets)
	type pending struct {
		s  *Socket
		id uint64
	}
	sent := make([]pending, 0, len(*sockets))
	for _, rm := range *sockets {
		if id, ok := rm.s.sendWithAck(p, opts, ack); ok {
			sent = append(sent, pending{rm.s, id})
		}
	}
	clients(len(sent))
	context.AfterFunc(ctx, func() {
		for _, x := range sent {
			x.s.cancelAck(x.id)
		}
	})
}

// FetchSockets returns the local sockets opts selects.
func (a *MemoryAdapter) FetchSockets(_ context.Context, opts *BroadcastOptions) ([]RemoteSocket, error) {
	sockets := a.selectSockets(opts)
	defer putSockets(sockets)
	out := make([]RemoteSocket, 0, len(*sockets))
	for _, rm := range *sockets {
		s := rm.s
		out = append(out, RemoteSocket{ID: s.id, Namespace: a.nsp.name, Handshake: s.handshake, Rooms: a.Rooms(s.id), Data: s.Data(), Local: s, nsp: a.nsp})
	}
	return out, nil
}

// AddSockets makes the selected sockets join rooms.
func (a *MemoryAdapter) AddSockets(opts *BroadcastOptions, rooms []string) {
	sockets := a.selectSockets(opts)
	defer putSockets(sockets)
	for _, rm := range *sockets {
		a.AddAll(rm.s.id, rooms)
	}
}

// DelSockets makes the selected sockets leave rooms.
func (a *MemoryAdapter) DelSockets(opts *BroadcastOptions, rooms []string) {
	sockets := a.selectSockets(opts)
	defer putSockets(sockets)
	for _, rm := range *sockets {
		for _, r := range rooms {
			a.Del(rm.s.id, r)
		}
	}
}

// DisconnectSockets disconnects the selected sockets.
func (a *MemoryAdapter) DisconnectSockets(opts *BroadcastOptions, close bool) {
	sockets := a.selectSockets(opts)
	list := append([]roomMember(nil), *sockets...)
	putSockets(sockets)
	for _, rm := range list {
		rm.s.Disconnect(close)
	}
}

// ServerSideEmit does nothing: a single node has no peers.
func (a *MemoryAdapter) ServerSideEmit(string, []any) error { return nil }

// Close stops the timer that releases expired sessions and broadcasts.
func (a *MemoryAdapter) Close() error {
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.closed = true
	if a.pruneTimer != nil {
		a.pruneTimer.Stop()
		a.pruneTimer = nil
	}
	return nil
}
