package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kin-comms/kinrt/internal/api"
	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
)

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
	items := make([]ActivityItem, len(entries))
	for i, e := range entries {
		items[i] = ActivityItem{ID: e.ID, Type: e.Type, Payload: e.Payload, OccurredAt: e.OccurredAt}
	}
	writeJSON(w, http.StatusOK, api.List[ActivityItem]{Items: items})
}

// activityEntry is e as an entry of the activity log. The webhooks use it
// to journal their events in their own transaction (twilio.Config), and
// recordActivity for the other events.
func activityEntry(e events.Event) (store.ActivityEntry, error) {
	payload, err := json.Marshal(e)
	if err != nil {
		return store.ActivityEntry{}, err
	}
	return store.ActivityEntry{
		ID: e.EventID(), Type: e.EventName(), Rooms: e.Rooms(), Payload: payload, OccurredAt: e.EventTime(),
	}, nil
}

// recordActivity appends every emitted event to the activity log, which
// the activity feed and reconnecting clients read: the events a webhook
// journaled in its transaction are there already; the others (presence,
// the REST and internal APIs, notifications) go through the activity
// writer, in batches. An unlogged event (a watched presence change:
// KIN_PRESENCE_SCOPE=watched) is not kept: as with the recovery log, the
// client gets what it missed from its presence:watch answer, and a storm
// would cost a row a change.
func (s *Server) recordActivity(e events.Event) {
	if events.Journaled(e) {
		return
	}
	if events.Unlogged(e) {
		return
	}
	entry, err := activityEntry(e)
	if err != nil {
		s.log.Error("activity log", "event", e.EventName(), "err", err)
		return
	}
	s.activity.add(entry)
}

const (
	// activityQueue bounds the entries waiting for the activity writer;
	// beyond, entries are dropped (kinrt_activity_dropped_total).
	activityQueue = 65536
	// activityBatch is the most entries the writer appends in one
	// transaction.
	activityBatch = 256
	// activityWriteTimeout bounds one batch's transaction.
	activityWriteTimeout = 10 * time.Second
	// activityFlushTimeout bounds the flush of the queue at Close.
	activityFlushTimeout = 10 * time.Second
)

// activityWriter appends activity entries off the publishing goroutines:
// one goroutine takes what is queued, up to activityBatch entries, and
// appends it in one transaction. add never blocks; when the queue is full
// it drops the entry and counts it.
type activityWriter struct {
	st      store.Store
	log     *slog.Logger
	dropped prometheus.Counter

	mu       sync.RWMutex // add holds it to read; close to write closed
	closed   bool
	queue    chan store.ActivityEntry
	dropping atomic.Bool // in a burst of drops: logged once
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

func newActivityWriter(st store.Store, log *slog.Logger, dropped prometheus.Counter) *activityWriter {
	w := &activityWriter{
		st: st, log: log, dropped: dropped,
		queue: make(chan store.ActivityEntry, activityQueue),
		stop:  make(chan struct{}), done: make(chan struct{}),
	}
	go w.run()
	return w
}

// add queues e for the writer, or drops it when the queue is full or the
// writer closed.
func (w *activityWriter) add(e store.ActivityEntry) {
	w.mu.RLock()
	queued := false
	if !w.closed {
		select {
		case w.queue <- e:
			queued = true
		default:
		}
	}
	w.mu.RUnlock()
	if queued {
		if w.dropping.Load() && w.dropping.CompareAndSwap(true, false) {
			w.log.Info("activity log: queueing again after dropping entries")
		}
		return
	}
	w.dropped.Inc()
	if !w.dropping.Swap(true) {
		w.log.Warn("activity log: dropping entries (writer queue full or closed); see kinrt_activity_dropped_total",
			"queue", activityQueue)
	}
}

// run writes batches until close, then flushes what is queued.
func (w *activityWriter) run() {
	defer close(w.done)
	batch := make([]store.ActivityEntry, 0, activityBatch)
	for {
		select {
		case e := <-w.queue:
			batch = w.fill(append(batch[:0], e))
			ctx, cancel := context.WithTimeout(context.Background(), activityWriteTimeout)
			w.write(ctx, batch)
			cancel()
		case <-w.stop:
			w.flush(batch)
			return
		}
	}
}

// flush writes what is queued, within activityFlushTimeout; add queues
// nothing more once close has begun.
func (w *activityWriter) flush(batch []store.ActivityEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), activityFlushTimeout)
	defer cancel()
	for {
		batch = w.fill(batch[:0])
		if len(batch) == 0 {
			return
		}
		if ctx.Err() != nil {
			n := len(batch) + len(w.queue)
			w.dropped.Add(float64(n))
			w.log.Error("activity log: entries lost at shutdown", "count", n, "err", ctx.Err())
			return
		}
		w.write(ctx, batch)
	}
}

// fill appends what is queued to batch, up to activityBatch entries,
// without waiting.
func (w *activityWriter) fill(batch []store.ActivityEntry) []store.ActivityEntry {
	for len(batch) < activityBatch {
		select {
		case e := <-w.queue:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// write appends batch in one transaction. An entry the store refuses is
// logged and skipped (the store checks before it writes, so the
// transaction goes on); any other error loses the batch, logged.
func (w *activityWriter) write(ctx context.Context, batch []store.ActivityEntry) {
	err := w.st.WithTx(ctx, func(tx store.Tx) error {
		for _, e := range batch {
			if _, err := tx.Activity().Append(ctx, e); errors.Is(err, store.ErrInvalid) {
				w.log.Error("activity log: entry refused", "event", e.Type, "id", e.ID, "err", err)
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.log.Error("activity log: batch lost", "entries", len(batch), "err", err)
	}
}

// close stops the writer once everything queued before it was written
// (or activityFlushTimeout passed). Call it before the store closes; it
// may be called again.
func (w *activityWriter) close() {
	w.once.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.stop)
	})
	<-w.done
}
