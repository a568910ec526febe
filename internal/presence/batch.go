package presence

import (
	"context"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/internal/events"
)

// DefaultInterval is the Batcher's default interval (KIN_PRESENCE_INTERVAL).
const DefaultInterval = 250 * time.Millisecond

// Batcher coalesces presence changes per department: the first change of
// a department after a quiet interval goes out at once; the changes that
// follow within the interval wait for its end and go out together, as
// one user_presence_updated whose Users lists them (the latest change of
// each user only, by version). A storm of N connections in a department
// then costs one event per interval to the department's sockets, not N.
//
// A Batcher is a Publisher that publishes through another one; the
// trackers publish through it. Which node publishes a change is still
// decided by the tracker (in a cluster, by Redis): a Batcher only delays
// and groups what its own node publishes. Its methods are safe for
// concurrent use.
type Batcher struct {
	pub      Publisher
	interval time.Duration
	watched  bool
	now      func() time.Time

	mu     sync.Mutex
	depts  map[string]*deptQueue
	closed bool
}

type deptQueue struct {
	changes []events.PresenceChange
	index   map[string]int // user -> position in changes
	last    time.Time      // when this department's last batch went out
	timer   *time.Timer    // the pending flush, nil when none
}

// NewBatcher returns a Batcher that publishes through pub at most one
// event per department every interval; interval <= 0 publishes every
// change at once, as it comes (no batching).
func NewBatcher(pub Publisher, interval time.Duration) *Batcher {
	return &Batcher{pub: pub, interval: interval, now: time.Now, depts: make(map[string]*deptQueue)}
}

// NewWatchedBatcher returns a Batcher for the watched scope
// (KIN_PRESENCE_SCOPE=watched): it coalesces a user's changes within an
// interval as NewBatcher's does, but publishes each user's change alone,
// marked Watched, to the user's own room and the user's watchers: a
// storm of N users then costs O(N) deliveries, not N per member of the
// department.
func NewWatchedBatcher(pub Publisher, interval time.Duration) *Batcher {
	b := NewBatcher(pub, interval)
	b.watched = true
	return b
}

// BroadcastUserPresenceUpdated queues e's change (or each change of a
// batch) for its department's next batch.
func (b *Batcher) BroadcastUserPresenceUpdated(ctx context.Context, e events.UserPresenceUpdated) error {
	if b.interval <= 0 {
		if b.watched {
			return b.publishWatched(ctx, e.Department, e.Changes())
		}
		return b.pub.BroadcastUserPresenceUpdated(ctx, e)
	}
	if len(e.Users) == 0 {
		b.add(e.Department, events.PresenceChange{
			UserID: e.UserID, Name: e.Name, Role: e.Role, Status: e.Status, LastSeenAt: e.LastSeenAt, Version: e.Version,
		})
		return nil
	}
	for _, c := range e.Users {
		b.add(e.Department, c)
	}
	return nil
}

func (b *Batcher) add(dept string, c events.PresenceChange) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.publish(dept, []events.PresenceChange{c})
		return
	}
	q := b.depts[dept]
	if q == nil {
		q = &deptQueue{index: make(map[string]int)}
		b.depts[dept] = q
	}
	if i, ok := q.index[c.UserID]; ok {
		if q.changes[i].Version <= c.Version {
			q.changes[i] = c // a later change of the same user replaces it
		}
	} else {
		q.index[c.UserID] = len(q.changes)
		q.changes = append(q.changes, c)
	}
	if q.timer != nil {
		b.mu.Unlock()
		return
	}
	now := b.now()
	if wait := b.interval - now.Sub(q.last); wait > 0 {
		q.timer = time.AfterFunc(wait, func() { b.flush(dept) })
		b.mu.Unlock()
		return
	}
	// Quiet for an interval: this change goes out now (no added latency
	// for an ordinary status change).
	changes := q.take(now)
	b.mu.Unlock()
	b.publish(dept, changes)
}

// take empties the queue; the caller holds b.mu.
func (q *deptQueue) take(now time.Time) []events.PresenceChange {
	changes := q.changes
	q.changes = nil
	clear(q.index)
	q.last = now
	if q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
	return changes
}

// flush publishes the department's pending changes.
func (b *Batcher) flush(dept string) {
	b.mu.Lock()
	q := b.depts[dept]
	if q == nil || q.timer == nil {
		b.mu.Unlock()
		return
	}
	changes := q.take(b.now())
	b.mu.Unlock()
	b.publish(dept, changes)
}

func (b *Batcher) publish(dept string, changes []events.PresenceChange) {
	if b.watched {
		_ = b.publishWatched(context.Background(), dept, changes)
		return
	}
	for len(changes) > 0 {
		n := min(len(changes), events.MaxPresenceBatch)
		_ = b.pub.BroadcastUserPresenceUpdated(context.Background(), events.PresenceBatch(dept, changes[:n]))
		changes = changes[n:]
	}
}

// Flush publishes every pending change now.
func (b *Batcher) Flush() {
	b.mu.Lock()
	pending := make(map[string][]events.PresenceChange, len(b.depts))
	now := b.now()
	for dept, q := range b.depts {
		if len(q.changes) > 0 {
			pending[dept] = q.take(now)
		}
	}
	b.mu.Unlock()
	for dept, changes := range pending {
		b.publish(dept, changes)
	}
}

// Close publishes what is pending; later changes are published at once.
// Call it after the tracker's Close.
func (b *Batcher) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.Flush()
}

// publishWatched publishes each change alone to the user's room and
// watchers; it returns the first error.
func (b *Batcher) publishWatched(ctx context.Context, dept string, changes []events.PresenceChange) error {
	var first error
	for _, c := range changes {
		e := events.PresenceBatch(dept, []events.PresenceChange{c})
		e.Watched = true
		if err := b.pub.BroadcastUserPresenceUpdated(ctx, e); err != nil && first == nil {
			first = err
		}
	}
	return first
}
