package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// ClusterTracker is the presence of a cluster's users, kept in a store the
// nodes share (Redis: NewRedisTracker; PostgreSQL: NewPostgresTracker):
// one entry per connection, which counts while its node keeps refreshing
// it, counted per user across nodes. Every change of a user's status is
// decided by the store atomically (a Lua script; a transaction that locks
// the user's row), so exactly one node publishes it. While the store is
// unreachable the node keeps its own connections and writes them again
// once it is back.
type ClusterTracker struct {
	store  clusterStore
	pub    Publisher
	ttl    time.Duration
	grace  time.Duration
	log    *slog.Logger
	node   string
	now    func() time.Time
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once

	mu      sync.Mutex
	seq     uint64
	conns   map[string][]localConn // user -> this node's connections, newest last
	pending map[string]*time.Timer // user -> pending offline check
	// unwritten are the members of this node's connections whose write
	// failed (the store slow or unreachable): the next refresh writes
	// them again.
	unwritten map[string]bool
}

// RedisTracker is the ClusterTracker on Redis (NewRedisTracker).
type RedisTracker = ClusterTracker

type localConn struct {
	member string
	p      auth.Principal
}

// outcome is a store's answer about one user: the entry after the
// operation, and whether the operation changed its visible status (its
// caller then publishes it); the zero outcome for a user the store does
// not know.
type outcome struct {
	entry   Entry
	changed bool
}

// clusterStore is where a ClusterTracker keeps the cluster's presence.
// Every method that returns an outcome decides the user's status in one
// atomic step of the store.
type clusterStore interface {
	// connect adds (or refreshes) connection c of node; the user becomes
	// their chosen status if they were offline. touch sets lastSeen.
	connect(ctx context.Context, node string, c localConn, now time.Time, touch bool) (outcome, error)
	// disconnect removes a connection and sets the user's lastSeen.
	disconnect(ctx context.Context, userID, member string, now time.Time) error
	// check takes userID offline when no node holds a live connection.
	check(ctx context.Context, userID string, now time.Time) (outcome, error)
	// setStatus sets the status p's user chose; it shows while they have
	// a live connection.
	setStatus(ctx context.Context, p auth.Principal, status string, now time.Time) (outcome, error)
	// list returns every user the store knows.
	list(ctx context.Context) ([]Entry, error)
	// lookup returns the entries of the users of ids the store knows.
	lookup(ctx context.Context, ids []string) ([]Entry, error)
	// renew extends the node's hold on its connections; lost is true when
	// they may no longer be in the store (or were never written), and the
	// node must write them all again.
	renew(ctx context.Context, node string, now time.Time) (lost bool, err error)
	// candidates returns the users whose connections may have expired,
	// for the sweep to check.
	candidates(ctx context.Context, now time.Time) ([]string, error)
	// remove takes the node's connections out of the store.
	remove(ctx context.Context, node string, conns map[string][]localConn) error
}

// newClusterTracker returns a tracker on store, and starts its refresh
// loop; Close stops it.
func newClusterTracker(store clusterStore, pub Publisher, ttl, grace time.Duration, log *slog.Logger) *ClusterTracker {
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	t := &ClusterTracker{
		store: store, pub: pub, ttl: ttl, grace: grace, log: log, node: hex.EncodeToString(b[:]), now: time.Now,
		stop: make(chan struct{}), done: make(chan struct{}),
		conns: make(map[string][]localConn), pending: make(map[string]*time.Timer), unwritten: make(map[string]bool),
	}
	ctx, cancel := t.ctx()
	if _, err := store.renew(ctx, t.node, t.now()); err != nil {
		t.log.Warn("presence: store", "op", "renew", "err", err)
	}
	cancel()
	go t.loop()
	return t
}

func (t *ClusterTracker) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

// Connect counts a new connection of p's user.
func (t *ClusterTracker) Connect(p auth.Principal) {
	t.mu.Lock()
	t.seq++
	c := localConn{member: t.node + ":" + strconv.FormatUint(t.seq, 10), p: p}
	t.conns[p.UserID] = append(t.conns[p.UserID], c)
	if tm := t.pending[p.UserID]; tm != nil {
		tm.Stop()
		delete(t.pending, p.UserID)
	}
	t.mu.Unlock()
	if err := t.write(c, true); err != nil {
		t.log.Warn("presence: store", "op", "connect", "err", err)
		t.mu.Lock()
		t.unwritten[c.member] = true
		t.mu.Unlock()
	}
}

// write adds or refreshes one connection in the store and publishes the
// change it caused.
func (t *ClusterTracker) write(c localConn, touch bool) error {
	ctx, cancel := t.ctx()
	defer cancel()
	o, err := t.store.connect(ctx, t.node, c, t.now(), touch)
	if err != nil {
		return err
	}
	t.publish(o)
	return nil
}

// Disconnect counts a closed connection of the user; the last one of this
// node starts the grace period, after which the user is offline unless
// another node holds a connection.
func (t *ClusterTracker) Disconnect(userID string) {
	t.mu.Lock()
	list := t.conns[userID]
	if len(list) == 0 {
		t.mu.Unlock()
		return
	}
	c := list[len(list)-1]
	if len(list) == 1 {
		delete(t.conns, userID)
		if tm := t.pending[userID]; tm != nil {
			tm.Stop()
		}
		t.pending[userID] = time.AfterFunc(t.grace, func() { t.graceOver(userID) })
	} else {
		t.conns[userID] = list[:len(list)-1]
	}
	t.mu.Unlock()

	ctx, cancel := t.ctx()
	defer cancel()
	if err := t.store.disconnect(ctx, userID, c.member, t.now()); err != nil {
		t.log.Warn("presence: store", "op", "disconnect", "err", err)
	}
}

func (t *ClusterTracker) graceOver(userID string) {
	t.mu.Lock()
	if len(t.conns[userID]) > 0 || t.pending[userID] == nil {
		t.mu.Unlock()
		return
	}
	delete(t.pending, userID)
	t.mu.Unlock()
	t.check(userID)
}

// check takes userID offline when no node holds a live connection.
func (t *ClusterTracker) check(userID string) {
	ctx, cancel := t.ctx()
	defer cancel()
	o, err := t.store.check(ctx, userID, t.now())
	if err != nil {
		t.log.Warn("presence: store", "op", "check", "err", err)
		return
	}
	t.publish(o)
}

// SetStatus sets the status a user chose; others see it while the user is
// connected on any node.
func (t *ClusterTracker) SetStatus(p auth.Principal, status string) (Entry, error) {
	switch status {
	case events.PresenceOnline, events.PresenceAway, events.PresenceBusy:
	default:
		return Entry{}, ErrStatus
	}
	ctx, cancel := t.ctx()
	defer cancel()
	o, err := t.store.setStatus(ctx, p, status, t.now())
	if err != nil {
		return Entry{}, err
	}
	t.publish(o)
	return o.entry, nil
}

// publish sends the change o reports, if any.
func (t *ClusterTracker) publish(o outcome) {
	if !o.changed {
		return
	}
	e := o.entry
	_ = t.pub.BroadcastUserPresenceUpdated(context.Background(), events.UserPresenceUpdated{
		UserID: e.UserID, Name: e.Name, Role: e.Role, Department: e.Department, Status: e.Status, LastSeenAt: e.LastSeenAt,
		Version: e.Version,
	})
}

// List returns the users for which keep is true, by name then id. When
// the store cannot answer, it lists this node's users.
func (t *ClusterTracker) List(keep func(Entry) bool) []Entry {
	ctx, cancel := t.ctx()
	all, err := t.store.list(ctx)
	cancel()
	out := make([]Entry, 0, len(all))
	if err != nil {
		t.log.Warn("presence: store", "op", "list", "err", err)
		t.mu.Lock()
		for _, cs := range t.conns {
			all = append(all, localEntry(cs))
		}
		t.mu.Unlock()
	}
	for _, e := range all {
		if keep == nil || keep(e) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].UserID < out[j].UserID
	})
	return out
}

// localEntry is what this node alone knows of a user it holds
// connections cs of (newest last): online, as its token says.
func localEntry(cs []localConn) Entry {
	p := cs[0].p
	return Entry{UserID: p.UserID, Name: p.Name, Role: p.Role, Department: p.Department, Status: events.PresenceOnline}
}

// Lookup returns the entries of the users of ids the store knows, in the
// order of ids. When the store cannot answer, it returns those of this
// node's users.
func (t *ClusterTracker) Lookup(ids []string) []Entry {
	if len(ids) == 0 {
		return []Entry{}
	}
	ctx, cancel := t.ctx()
	found, err := t.store.lookup(ctx, ids)
	cancel()
	if err != nil {
		t.log.Warn("presence: store", "op", "lookup", "err", err)
		found = found[:0]
		t.mu.Lock()
		for _, id := range ids {
			if cs := t.conns[id]; len(cs) > 0 {
				found = append(found, localEntry(cs))
			}
		}
		t.mu.Unlock()
		return found
	}
	byID := make(map[string]Entry, len(found))
	for _, e := range found {
		byID[e.UserID] = e
	}
	out := make([]Entry, 0, len(found))
	for _, id := range ids {
		if e, ok := byID[id]; ok {
			out = append(out, e)
		}
	}
	return out
}

// loop refreshes this node's connections and sweeps the users whose
// connections expired (a node that died) every TTL/3.
func (t *ClusterTracker) loop() {
	defer close(t.done)
	tick := time.NewTicker(t.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			t.refresh()
			t.sweep()
		}
	}
}

// refresh renews this node's hold on its connections, and writes them all
// again when the store lost them (or never had them: it was unreachable),
// else those whose write failed.
func (t *ClusterTracker) refresh() {
	ctx, cancel := t.ctx()
	lost, err := t.store.renew(ctx, t.node, t.now())
	cancel()
	if err != nil {
		t.log.Warn("presence: store", "op", "refresh", "err", err)
		return // the next tick tries again
	}
	t.mu.Lock()
	var todo []localConn
	for _, cs := range t.conns {
		for _, c := range cs {
			if lost || t.unwritten[c.member] {
				todo = append(todo, c)
			}
		}
	}
	clear(t.unwritten)
	t.mu.Unlock()
	for i, c := range todo {
		select {
		case <-t.stop:
			return
		default:
		}
		if err := t.write(c, false); err != nil {
			t.log.Warn("presence: store", "op", "refresh", "err", err)
			t.mu.Lock()
			for _, c := range todo[i:] {
				t.unwritten[c.member] = true
			}
			t.mu.Unlock()
			return
		}
	}
}

// sweep takes offline the users left with no live connection; the store
// decides each atomically, so among the nodes sweeping at once one
// publishes.
func (t *ClusterTracker) sweep() {
	ctx, cancel := t.ctx()
	users, err := t.store.candidates(ctx, t.now())
	cancel()
	if err != nil {
		t.log.Warn("presence: store", "op", "sweep", "err", err)
		return
	}
	for _, u := range users {
		select {
		case <-t.stop:
			return
		default:
		}
		t.mu.Lock()
		local := len(t.conns[u]) > 0 || t.pending[u] != nil
		t.mu.Unlock()
		if !local {
			t.check(u)
		}
	}
}

// Close stops the refresh loop and the grace timers, and removes this
// node's connections from the store: the other nodes' sweeps take the
// users offline unless they reconnected there. Call it after the node's
// sockets are gone.
func (t *ClusterTracker) Close() {
	t.closed.Do(func() {
		close(t.stop)
		<-t.done
		t.mu.Lock()
		for _, tm := range t.pending {
			tm.Stop()
		}
		t.pending = map[string]*time.Timer{}
		conns := t.conns
		t.conns = map[string][]localConn{}
		t.mu.Unlock()
		ctx, cancel := t.ctx()
		defer cancel()
		if err := t.store.remove(ctx, t.node, conns); err != nil {
			t.log.Warn("presence: store", "op", "close", "err", err)
		}
	})
}
