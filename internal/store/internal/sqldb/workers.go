package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type workers struct{ e exec }

const workerCols = `sid, name, activity_sid, activity_name, available, status, user_id, department,
	attributes, version, event_at, created_at, updated_at`

func scanWorker(r scanner) (store.Worker, error) {
	var (
		w     store.Worker
		attrs string
	)
	err := r.Scan(&w.SID, &w.Name, &w.ActivitySID, &w.ActivityName, &w.Available, &w.Status, &w.UserID,
		&w.Department, &attrs, &w.Version, ts{&w.EventAt}, ts{&w.CreatedAt}, ts{&w.UpdatedAt})
	w.Attributes = rawJSON(attrs)
	return w, err
}

func (r workers) Upsert(ctx context.Context, w store.Worker) (store.Change[store.Worker], error) {
	var ch store.Change[store.Worker]
	err := r.e.write(ctx, func(q querier) (err error) {
		ch, err = r.upsert(ctx, q, w)
		return err
	})
	if err != nil {
		return store.Change[store.Worker]{}, fmt.Errorf("store: upsert worker %s: %w", w.SID, err)
	}
	return ch, nil
}

func (r workers) upsert(ctx context.Context, q querier, w store.Worker) (store.Change[store.Worker], error) {
	if w.SID == "" {
		return store.Change[store.Worker]{}, invalid("missing WorkerSid")
	}
	if len(w.Attributes) > 0 && !json.Valid(w.Attributes) {
		return store.Change[store.Worker]{}, invalid("WorkerAttributes is not JSON")
	}
	if w.Status != "" && w.Status != store.WorkerAvailable && w.Status != store.WorkerBusy && w.Status != store.WorkerOffline {
		return store.Change[store.Worker]{}, invalid("unknown worker status %q", w.Status)
	}
	now := store.Now()
	w.EventAt = orNow(w.EventAt, now)
	return upsert(resource[store.Worker]{
		lock: func() (store.Worker, error) {
			return scanWorker(q.QueryRowContext(ctx, `SELECT `+workerCols+` FROM workers WHERE sid = $1`+r.e.forUpdate(), w.SID))
		},
		insert: func() (store.Worker, bool, error) {
			n := mergeWorker(store.Worker{SID: w.SID, CreatedAt: orNow(w.CreatedAt, w.EventAt)}, w, now)
			ok, err := inserted(q.ExecContext(ctx, `INSERT INTO workers (`+workerCols+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (sid) DO NOTHING`,
				n.SID, n.Name, n.ActivitySID, n.ActivityName, n.Available, n.Status, n.UserID, n.Department,
				jsonText(n.Attributes), n.Version, r.e.t(n.EventAt), r.e.t(n.CreatedAt), r.e.t(n.UpdatedAt)))
			return n, ok, err
		},
		newer: func(cur store.Worker) bool { return newerEvent(w.Version, w.EventAt, cur.Version, cur.EventAt) },
		update: func(cur store.Worker) (store.Worker, error) {
			n := mergeWorker(cur, w, now)
			_, err := q.ExecContext(ctx, `UPDATE workers SET name = $2, activity_sid = $3, activity_name = $4,
				available = $5, status = $6, user_id = $7, department = $8, attributes = $9, version = $10,
				event_at = $11, updated_at = $12 WHERE sid = $1`,
				n.SID, n.Name, n.ActivitySID, n.ActivityName, n.Available, n.Status, n.UserID, n.Department,
				jsonText(n.Attributes), n.Version, r.e.t(n.EventAt), r.e.t(n.UpdatedAt))
			return n, err
		},
	})
}

// mergeWorker writes the update u over cur, keeping cur's value of each
// empty field, and derives the status if u gives none.
func mergeWorker(cur, u store.Worker, now time.Time) store.Worker {
	n := cur
	n.Name, n.ActivitySID = keep(u.Name, cur.Name), keep(u.ActivitySID, cur.ActivitySID)
	n.ActivityName, n.Available = keep(u.ActivityName, cur.ActivityName), u.Available
	n.UserID, n.Department = keep(u.UserID, cur.UserID), keep(u.Department, cur.Department)
	n.Attributes = keepJSON(u.Attributes, cur.Attributes)
	n.Status = u.Status
	if n.Status == "" {
		n.Status = store.DeriveWorkerStatus(n.Available, n.ActivityName, false)
	}
	n.Version, n.EventAt, n.UpdatedAt = u.Version, u.EventAt, now
	return n
}

func (r workers) Get(ctx context.Context, sid string) (store.Worker, error) {
	var w store.Worker
	err := r.e.read(ctx, func(q querier) (err error) {
		w, err = scanWorker(q.QueryRowContext(ctx, `SELECT `+workerCols+` FROM workers WHERE sid = $1`, sid))
		return notFound(err)
	})
	if err != nil {
		return store.Worker{}, fmt.Errorf("store: get worker %s: %w", sid, err)
	}
	return w, nil
}

func (r workers) GetByUser(ctx context.Context, userID string) (store.Worker, error) {
	var w store.Worker
	err := r.e.read(ctx, func(q querier) (err error) {
		if userID == "" {
			return store.ErrNotFound
		}
		w, err = scanWorker(q.QueryRowContext(ctx, `SELECT `+workerCols+` FROM workers WHERE user_id = $1
			ORDER BY updated_at DESC, sid LIMIT 1`, userID))
		return notFound(err)
	})
	if err != nil {
		return store.Worker{}, fmt.Errorf("store: get worker of user %s: %w", userID, err)
	}
	return w, nil
}

func (r workers) List(ctx context.Context, scope store.Scope) ([]store.Worker, error) {
	var w where
	if !w.scope(scope, "department") {
		return nil, nil
	}
	var out []store.Worker
	err := r.e.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, scanWorker, `SELECT `+workerCols+` FROM workers`+w.String()+` ORDER BY name, sid`, w.args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list workers: %w", err)
	}
	return out, nil
}
