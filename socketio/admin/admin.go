// Package admin instruments a socketio.Server for the Socket.IO admin UI
// (npm @socket.io/admin-ui, https://admin.socket.io): it serves the UI's
// protocol on a namespace of the server ("/admin"), as the npm package's
// instrument() does on a Node.js server, so that the unmodified UI shows
// this server's stats, sockets, rooms and events and can disconnect
// sockets and make them join and leave rooms.
//
// The protocol, as instrument() of @socket.io/admin-ui 0.5 speaks it:
//
//   - The UI connects to the namespace with auth {username, password}, or
//     {sessionId} to reconnect; wrong credentials get connect_error
//     "invalid credentials". A good password makes a session, whose id
//     the server sends first ("session").
//   - Then "config" {supportedFeatures} and, in Development mode,
//     "all_sockets" (every socket of every namespace, across the cluster's
//     nodes).
//   - Every StatsInterval, to every admin socket of the cluster:
//     "server_stats" {serverId, hostname, pid, uptime, clientsCount,
//     pollingClientsCount, aggregatedEvents, namespaces}.
//   - In Development mode, as they happen: "socket_connected",
//     "socket_updated" (a transport upgrade), "socket_disconnected",
//     "room_joined", "room_left", "event_received" and "event_sent".
//   - Unless ReadOnly, the UI's actions: "_disconnect" (nsp, close,
//     filter), "join" (nsp, room, filter) and "leave" (nsp, room, filter),
//     where filter, when given, is a room (the UI sends a socket's id)
//     that limits the action to its sockets; and "emit" (nsp, filter,
//     event, args…) with AllowEmit.
//
// The reports are broadcasts to the admin namespace, so with a cluster
// adapter (package redisadapter) an admin UI connected to any node sees
// the stats of every instrumented node, Go or Node.js, and the events of
// every node's sockets, as with Node's admin UI on the Redis adapter; the
// actions reach sockets on every node.
//
// Differences from Node's: the password is checked by a function the
// caller supplies (Options.CheckPassword; Node compares a bcrypt hash),
// so that the package needs no bcrypt; sessions are kept in memory, per
// node, for SessionTTL (Node's InMemoryStore; a UI that reconnects to
// another node signs in again); the handshake's Cookie and Authorization
// headers are shown redacted; a change of a socket's Data is not
// reported (Node watches socket.data through a Proxy); the aggregated
// events are the connections and disconnections (rawConnection,
// rawDisconnection), not the packets and bytes, so the UI's bytes chart
// stays empty.
package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
)

// Mode says how much the admin namespace is told (Node's mode option).
type Mode int

const (
	// Development reports every socket, room and event: the UI lists the
	// sockets and rooms and shows the events. It costs the server a
	// report per connection, room change and event (an outgoing handler
	// on every socket), queued for a goroutine of its own.
	Development Mode = iota
	// Production sends only the server stats (counts and the aggregated
	// connections and disconnections).
	Production
)

// The UI's feature flags (config.supportedFeatures).
const (
	featureEmit             = "EMIT"
	featureJoin             = "JOIN"
	featureLeave            = "LEAVE"
	featureDisconnect       = "DISCONNECT"
	featureMJoin            = "MJOIN"
	featureMLeave           = "MLEAVE"
	featureMDisconnect      = "MDISCONNECT"
	featureAggregatedEvents = "AGGREGATED_EVENTS"
	featureAllEvents        = "ALL_EVENTS"
)

// ErrNoAuth is Instrument's error when Options has neither CheckPassword
// nor NoAuth: as Node's instrument() requires auth to be set, or false.
var ErrNoAuth = errors.New("admin: Options.CheckPassword must be set, or NoAuth true to run without authentication")

// Options configures Instrument. The zero value of a field selects the
// default its comment gives.
type Options struct {
	// Namespace is the admin namespace's name. Default "/admin".
	Namespace string
	// Username is the name the UI must send.
	Username string
	// CheckPassword reports whether password is the right one (for
	// example a bcrypt comparison with a stored hash, as Node's admin UI
	// does). It runs in the namespace middleware of each sign-in: it may
	// be slow, but not forever. Required unless NoAuth.
	CheckPassword func(password string) bool
	// NoAuth serves the namespace to anyone, without credentials (Node's
	// auth: false). Only for a namespace no one else can reach.
	NoAuth bool
	// SessionTTL is how long a session stays valid for a UI that
	// reconnects with its id. Default 24h.
	SessionTTL time.Duration
	// ReadOnly refuses the UI's actions (no disconnect, join, leave).
	ReadOnly bool
	// AllowEmit accepts the "emit" action, by which the UI may send any
	// event to a namespace's sockets. Node always accepts it; the UI
	// itself never sends it. Default false.
	AllowEmit bool
	// ServerID names this node in the UI. Default: the host name.
	ServerID string
	// Mode is Development (the default, as Node's with NODE_ENV unset) or
	// Production.
	Mode Mode
	// StatsInterval is how often server_stats is sent. Default 2s (Node's
	// fixed interval).
	StatsInterval time.Duration
	// QueueSize bounds the reports waiting for the goroutine that sends
	// them to the admin namespace; past it, reports are dropped (Dropped
	// counts them) rather than slowing the server. Default 4096.
	QueueSize int
}

// Admin is an instrumented server's admin namespace.
type Admin struct {
	io       *socketio.Server
	nsp      *socketio.Namespace
	opts     Options
	dev      bool
	features []string
	start    time.Time
	hostname string
	single   bool // the admin namespace's adapter is the in-memory one

	sessions sessions
	pending  sync.Map // socket id → session id made by its sign-in
	buffer   eventBuffer

	mu         sync.Mutex
	registered map[*socketio.Namespace]bool
	conns      map[string][]sockRef // engine session → its sockets (Development)
	offs       []func()

	queue    chan report
	dropped  atomic.Int64
	fetching sync.WaitGroup // the all_sockets of new admin sockets
	closed   atomic.Bool
	stop     chan struct{}
	done     chan struct{}
}

// sockRef names a local socket.
type sockRef struct{ nsp, id string }

// report is one emit to the admin namespace.
type report struct {
	event string
	args  []any
}

// processStart stands for Node's process start (uptime).
var processStart = time.Now()

// Instrument serves the admin UI's protocol on opts.Namespace of io, and
// starts the stats. Call it before clients connect: the sockets of the
// namespaces that exist then and are made later are reported from then
// on. Close stops it.
func Instrument(io *socketio.Server, opts Options) (*Admin, error) {
	if opts.CheckPassword == nil && !opts.NoAuth {
		return nil, ErrNoAuth
	}
	if opts.Namespace == "" {
		opts.Namespace = "/admin"
	} else if opts.Namespace[0] != '/' {
		opts.Namespace = "/" + opts.Namespace
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 24 * time.Hour
	}
	if opts.StatsInterval <= 0 {
		opts.StatsInterval = 2 * time.Second
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4096
	}
	host, _ := os.Hostname()
	if opts.ServerID == "" {
		opts.ServerID = host
	}
	a := &Admin{
		io: io, opts: opts, dev: opts.Mode == Development, start: processStart, hostname: host,
		registered: map[*socketio.Namespace]bool{}, conns: map[string][]sockRef{},
		queue: make(chan report, opts.QueueSize), stop: make(chan struct{}), done: make(chan struct{}),
	}
	a.sessions.m = map[string]time.Time{}
	if !opts.ReadOnly {
		if opts.AllowEmit {
			a.features = append(a.features, featureEmit)
		}
		a.features = append(a.features, featureJoin, featureLeave, featureDisconnect, featureMJoin, featureMLeave, featureMDisconnect)
	}
	a.features = append(a.features, featureAggregatedEvents)
	if a.dev {
		a.features = append(a.features, featureAllEvents)
	}

	a.nsp = io.Of(opts.Namespace)
	_, a.single = a.nsp.Adapter().(*socketio.MemoryAdapter)
	a.nsp.Use(a.authenticate)
	a.nsp.OnConnection(a.onAdminConnection)
	offObserve := io.Engine().Observe(engineio.Observer{
		OnOpen: func(*engineio.Conn) { a.buffer.push("rawConnection", "", 1) },
		OnClose: func(c *engineio.Conn, reason engineio.CloseReason) {
			a.buffer.push("rawDisconnection", string(reason), 1)
			a.forgetConn(c.ID())
		},
		OnUpgrade: a.upgraded,
	})
	a.mu.Lock()
	a.offs = append(a.offs, offObserve)
	a.mu.Unlock()
	if a.dev {
		// The namespaces made from now on, then those made before (register
		// skips one it has seen).
		off := io.OnNamespace(a.register)
		a.mu.Lock()
		a.offs = append(a.offs, off)
		a.mu.Unlock()
		for _, n := range io.Namespaces() {
			a.register(n)
		}
	}
	go a.run()
	return a, nil
}

// Close stops the stats and the reports, and removes the listeners it
// can (the admin namespace and its middleware stay, refusing every
// sign-in). It may be called again, and on a nil *Admin.
func (a *Admin) Close() {
	if a == nil || a.closed.Swap(true) {
		return
	}
	close(a.stop)
	<-a.done
	a.mu.Lock() // no fetch starts after this: they check closed under mu
	a.mu.Unlock()
	a.fetching.Wait()
	a.mu.Lock()
	offs := a.offs
	a.offs = nil
	a.mu.Unlock()
	for _, off := range offs {
		off()
	}
}

// Namespace returns the admin namespace.
func (a *Admin) Namespace() *socketio.Namespace { return a.nsp }

// Dropped returns how many reports were dropped because the queue was
// full (Options.QueueSize).
func (a *Admin) Dropped() int64 { return a.dropped.Load() }

// run sends the queued reports and the stats, until Close.
func (a *Admin) run() {
	defer close(a.done)
	tick := time.NewTicker(a.opts.StatsInterval)
	defer tick.Stop()
	a.emitStats()
	for {
		select {
		case <-a.stop:
			return
		case r := <-a.queue:
			a.emit(r.event, r.args...)
		case <-tick.C:
			a.emitStats()
		}
	}
}

// emit broadcasts to the admin namespace; on a single node, only when an
// admin socket is there to get it.
func (a *Admin) emit(event string, args ...any) {
	if a.single && a.nsp.Len() == 0 {
		return
	}
	_ = a.nsp.Emit(event, args...)
}

// listening reports whether a report may reach an admin socket: on a
// single node, only when one is connected; in a cluster, on another node
// maybe.
func (a *Admin) listening() bool {
	return !a.closed.Load() && !(a.single && a.nsp.Len() == 0)
}

// enqueue queues a report for run, or drops it when the queue is full.
func (a *Admin) enqueue(event string, args ...any) {
	if !a.listening() {
		return
	}
	select {
	case a.queue <- report{event: event, args: args}:
	default:
		a.dropped.Add(1)
	}
}

// namespaceStats is one entry of server_stats.namespaces.
type namespaceStats struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount"`
}

// serverStats is the server_stats event's argument.
type serverStats struct {
	ServerID            string           `json:"serverId"`
	Hostname            string           `json:"hostname"`
	PID                 int              `json:"pid"`
	Uptime              float64          `json:"uptime"`
	ClientsCount        int              `json:"clientsCount"`
	PollingClientsCount int              `json:"pollingClientsCount"`
	AggregatedEvents    []aggEvent       `json:"aggregatedEvents"`
	Namespaces          []namespaceStats `json:"namespaces"`
}

func (a *Admin) emitStats() {
	st := serverStats{
		ServerID: a.opts.ServerID, Hostname: a.hostname, PID: os.Getpid(),
		Uptime:              time.Since(a.start).Seconds(),
		ClientsCount:        a.io.Engine().Len(),
		PollingClientsCount: a.io.Engine().PollingLen(),
		AggregatedEvents:    a.buffer.take(),
		Namespaces:          []namespaceStats{},
	}
	for _, n := range a.io.Namespaces() {
		st.Namespaces = append(st.Namespaces, namespaceStats{Name: n.Name(), SocketsCount: n.Len()})
	}
	a.emit("server_stats", st)
}

// timestamp is a report's time as JSON.stringify writes a Date.
func timestamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// authenticate is the admin namespace's middleware: a valid session id,
// or the username and password.
func (a *Admin) authenticate(s *socketio.Socket) error {
	if a.closed.Load() {
		return &socketio.ConnectError{Message: "invalid credentials"}
	}
	if a.opts.NoAuth {
		return nil
	}
	var cred struct {
		SessionID string `json:"sessionId"`
		Username  string `json:"username"`
		Password  string `json:"password"`
	}
	_ = json.Unmarshal(s.Handshake().Auth, &cred)
	if cred.SessionID != "" && a.sessions.valid(cred.SessionID) {
		return nil
	}
	if cred.Username != "" && subtle.ConstantTimeCompare([]byte(cred.Username), []byte(a.opts.Username)) == 1 &&
		a.opts.CheckPassword(cred.Password) {
		id := randomID()
		a.sessions.save(id, a.opts.SessionTTL)
		a.pending.Store(s.ID(), id)
		return nil
	}
	return &socketio.ConnectError{Message: "invalid credentials"}
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// onAdminConnection greets an admin socket: its session, the config, all
// the sockets; then it serves the actions.
func (a *Admin) onAdminConnection(s *socketio.Socket) {
	if id, ok := a.pending.LoadAndDelete(s.ID()); ok {
		_ = s.Emit("session", id)
	}
	if !a.opts.ReadOnly {
		a.serveActions(s)
	}
	_ = s.Emit("config", map[string]any{"supportedFeatures": a.features})
	if a.dev {
		// FetchSockets waits for the other nodes of a cluster: not on the
		// connection's goroutine.
		a.mu.Lock()
		if a.closed.Load() {
			a.mu.Unlock()
			return
		}
		a.fetching.Add(1) // under mu, which Close takes before it waits
		a.mu.Unlock()
		go func() {
			defer a.fetching.Done()
			_ = s.Emit("all_sockets", a.allSockets())
		}()
	}
}

// allSockets fetches every socket of every namespace, across nodes.
func (a *Admin) allSockets() []serializedSocket {
	out := []serializedSocket{}
	for _, n := range a.io.Namespaces() {
		ctx, cancel := contextWithTimeout(5 * time.Second)
		socks, err := n.FetchSockets(ctx)
		cancel()
		if err != nil && len(socks) == 0 {
			continue
		}
		for _, rs := range socks {
			out = append(out, serializeRemote(rs, n.Name()))
		}
	}
	return out
}

// serveActions adds the handlers of the UI's actions to admin socket s.
func (a *Admin) serveActions(s *socketio.Socket) {
	// target is the sockets of namespace name, in room filter when given;
	// nil when the namespace does not exist (the UI never creates one).
	target := func(e *socketio.Event, nspArg, filterArg int) *socketio.BroadcastOperator {
		var name, filter string
		if e.Decode(nspArg, &name) != nil {
			return nil
		}
		if filterArg < e.Len() {
			_ = e.Decode(filterArg, &filter)
		}
		n := a.io.Lookup(name)
		if n == nil {
			return nil
		}
		if filter != "" {
			return n.In(filter)
		}
		return n.In()
	}
	s.On("_disconnect", func(e *socketio.Event) {
		var closeConn bool
		if e.Len() > 1 {
			_ = e.Decode(1, &closeConn)
		}
		if op := target(e, 0, 2); op != nil {
			op.DisconnectSockets(closeConn)
		}
	})
	s.On("join", func(e *socketio.Event) {
		var room string
		if e.Len() < 2 || e.Decode(1, &room) != nil || room == "" {
			return
		}
		if op := target(e, 0, 2); op != nil {
			op.SocketsJoin(room)
		}
	})
	s.On("leave", func(e *socketio.Event) {
		var room string
		if e.Len() < 2 || e.Decode(1, &room) != nil || room == "" {
			return
		}
		if op := target(e, 0, 2); op != nil {
			op.SocketsLeave(room)
		}
	})
	if a.opts.AllowEmit {
		s.On("emit", func(e *socketio.Event) {
			var event string
			if e.Len() < 3 || e.Decode(2, &event) != nil || event == "" {
				return
			}
			if op := target(e, 0, 1); op != nil {
				_ = op.Emit(event, e.Values()[3:]...)
			}
		})
	}
}

// register reports the sockets and rooms of namespace n (Development).
func (a *Admin) register(n *socketio.Namespace) {
	a.mu.Lock()
	if a.registered[n] || a.closed.Load() {
		a.mu.Unlock()
		return
	}
	a.registered[n] = true
	a.mu.Unlock()
	name := n.Name()
	// The admin namespace's own sockets are listed, but their events are
	// not reported: each report is an event sent to them.
	events := name != a.opts.Namespace
	n.OnConnection(func(s *socketio.Socket) { a.socketConnected(s, events) })
	if re, ok := n.Adapter().(socketio.RoomEvents); ok {
		offJoin := re.OnJoinRoom(func(room, id string) { a.enqueue("room_joined", name, room, id, timestamp()) })
		offLeave := re.OnLeaveRoom(func(room, id string) { a.enqueue("room_left", name, room, id, timestamp()) })
		a.mu.Lock()
		a.offs = append(a.offs, offJoin, offLeave)
		a.mu.Unlock()
	}
}

// socketConnected reports a new socket, and its events and disconnection.
func (a *Admin) socketConnected(s *socketio.Socket, events bool) {
	if a.closed.Load() {
		return
	}
	name, id, cid := s.Namespace().Name(), s.ID(), s.Conn().ID()
	a.mu.Lock()
	a.conns[cid] = append(a.conns[cid], sockRef{nsp: name, id: id})
	a.mu.Unlock()
	a.enqueue("socket_connected", serializeLocal(s), timestamp())
	if events {
		s.OnAny(func(e *socketio.Event) {
			if a.listening() {
				a.enqueue("event_received", name, id, eventArgs(e), timestamp())
			}
		})
		s.OnAnyOutgoing(func(e *socketio.Event) {
			if a.listening() { // before the cost of copying the event
				a.enqueue("event_sent", name, id, eventArgs(e), timestamp())
			}
		})
	}
	s.OnDisconnect(func(reason socketio.DisconnectReason) {
		a.forgetSocket(cid, id)
		a.enqueue("socket_disconnected", name, id, string(reason), timestamp())
	})
}

// eventArgs copies an event as the UI shows it: its name, then its
// arguments (an ack is not one).
func eventArgs(e *socketio.Event) json.RawMessage {
	b, err := json.Marshal(append([]any{e.Name}, e.Values()...))
	if err != nil {
		b, _ = json.Marshal([]any{e.Name})
	}
	return b
}

// upgraded reports the new transport of the sockets of engine session c.
func (a *Admin) upgraded(c *engineio.Conn) {
	a.mu.Lock()
	refs := append([]sockRef(nil), a.conns[c.ID()]...)
	a.mu.Unlock()
	for _, r := range refs {
		a.enqueue("socket_updated", map[string]string{"id": r.id, "nsp": r.nsp, "transport": string(c.Transport())})
	}
}

func (a *Admin) forgetSocket(cid, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	refs := a.conns[cid]
	for i, r := range refs {
		if r.id == id {
			refs = append(refs[:i:i], refs[i+1:]...)
			break
		}
	}
	if len(refs) == 0 {
		delete(a.conns, cid)
	} else {
		a.conns[cid] = refs
	}
}

func (a *Admin) forgetConn(cid string) {
	a.mu.Lock()
	delete(a.conns, cid)
	a.mu.Unlock()
}

// sessions are the admin sessions of this node, with their expiry.
type sessions struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (s *sessions) save(id string, ttl time.Duration) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, exp := range s.m {
		if now.After(exp) {
			delete(s.m, k)
		}
	}
	s.m[id] = now.Add(ttl)
}

func (s *sessions) valid(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.m[id]
	return ok && time.Now().Before(exp)
}

// aggEvent is one entry of server_stats.aggregatedEvents: how many events
// of a type (and subtype) happened in one second.
type aggEvent struct {
	Timestamp int64  `json:"timestamp"`
	Type      string `json:"type"`
	SubType   string `json:"subType,omitempty"`
	Count     int    `json:"count"`
}

// eventBuffer counts events per second until the next stats (Node's
// EventBuffer).
type eventBuffer struct {
	mu   sync.Mutex
	list []aggEvent
}

func (b *eventBuffer) push(typ, subType string, n int) {
	ts := time.Now().Truncate(time.Second).UnixMilli()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.list {
		if e := &b.list[i]; e.Timestamp == ts && e.Type == typ && e.SubType == subType {
			e.Count += n
			return
		}
	}
	b.list = append(b.list, aggEvent{Timestamp: ts, Type: typ, SubType: subType, Count: n})
}

func (b *eventBuffer) take() []aggEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.list
	b.list = nil
	if l == nil {
		l = []aggEvent{}
	}
	return l
}
