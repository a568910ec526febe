package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type tasks struct{ e exec }

const taskCols = `sid, status, attributes, priority, queue_name, channel, workflow_sid, department,
	worker_sid, reason, version, event_at, created_at, updated_at`

func scanTask(r scanner) (store.Task, error) {
	var (
		t     store.Task
		attrs string
	)
	err := r.Scan(&t.SID, &t.Status, &attrs, &t.Priority, &t.QueueName, &t.Channel, &t.WorkflowSID,
		&t.Department, &t.WorkerSID, &t.Reason, &t.Version, ts{&t.EventAt}, ts{&t.CreatedAt}, ts{&t.UpdatedAt})
	t.Attributes = rawJSON(attrs)
	return t, err
}

func (r tasks) Upsert(ctx context.Context, t store.Task) (store.Change[store.Task], error) {
	var ch store.Change[store.Task]
	err := r.e.write(ctx, func(q querier) (err error) {
		ch, err = r.upsert(ctx, q, t)
		return err
	})
	if err != nil {
		return store.Change[store.Task]{}, fmt.Errorf("store: upsert task %s: %w", t.SID, err)
	}
	return ch, nil
}

func (r tasks) upsert(ctx context.Context, q querier, t store.Task) (store.Change[store.Task], error) {
	if t.SID == "" {
		return store.Change[store.Task]{}, invalid("missing TaskSid")
	}
	if len(t.Attributes) > 0 && !json.Valid(t.Attributes) {
		return store.Change[store.Task]{}, invalid("TaskAttributes is not JSON")
	}
	now := store.Now()
	t.EventAt = orNow(t.EventAt, now)
	return upsert(resource[store.Task]{
		lock: func() (store.Task, error) {
			return scanTask(q.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE sid = $1`+r.e.forUpdate(), t.SID))
		},
		insert: func() (store.Task, bool, error) {
			if t.Status == "" {
				t.Status = store.TaskPending
			}
			t.CreatedAt, t.UpdatedAt = orNow(t.CreatedAt, t.EventAt), now
			ok, err := inserted(q.ExecContext(ctx, `INSERT INTO tasks (`+taskCols+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (sid) DO NOTHING`,
				t.SID, t.Status, jsonText(t.Attributes), t.Priority, t.QueueName, t.Channel, t.WorkflowSID, t.Department,
				t.WorkerSID, t.Reason, t.Version, r.e.t(t.EventAt), r.e.t(t.CreatedAt), r.e.t(t.UpdatedAt)))
			return t, ok, err
		},
		newer: func(cur store.Task) bool { return newerEvent(t.Version, t.EventAt, cur.Version, cur.EventAt) },
		update: func(cur store.Task) (store.Task, error) {
			n := mergeTask(cur, t, now)
			_, err := q.ExecContext(ctx, `UPDATE tasks SET status = $2, attributes = $3, priority = $4,
				queue_name = $5, channel = $6, workflow_sid = $7, department = $8, worker_sid = $9, reason = $10,
				version = $11, event_at = $12, updated_at = $13 WHERE sid = $1`,
				n.SID, n.Status, jsonText(n.Attributes), n.Priority, n.QueueName, n.Channel, n.WorkflowSID,
				n.Department, n.WorkerSID, n.Reason, n.Version, r.e.t(n.EventAt), r.e.t(n.UpdatedAt))
			return n, err
		},
	})
}

// mergeTask writes the update u over cur, keeping cur's value of each
// empty field.
func mergeTask(cur, u store.Task, now time.Time) store.Task {
	n := cur
	n.Status, n.Attributes = keep(u.Status, cur.Status), keepJSON(u.Attributes, cur.Attributes)
	n.Priority = u.Priority
	n.QueueName, n.Channel = keep(u.QueueName, cur.QueueName), keep(u.Channel, cur.Channel)
	n.WorkflowSID, n.Department = keep(u.WorkflowSID, cur.WorkflowSID), keep(u.Department, cur.Department)
	n.WorkerSID, n.Reason = keep(u.WorkerSID, cur.WorkerSID), keep(u.Reason, cur.Reason)
	n.Version, n.EventAt, n.UpdatedAt = u.Version, u.EventAt, now
	return n
}

func (r tasks) Get(ctx context.Context, sid string) (store.Task, error) {
	var t store.Task
	err := r.e.read(ctx, func(q querier) (err error) {
		t, err = scanTask(q.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE sid = $1`, sid))
		return notFound(err)
	})
	if err != nil {
		return store.Task{}, fmt.Errorf("store: get task %s: %w", sid, err)
	}
	return t, nil
}

func (r tasks) ListOpen(ctx context.Context, f store.TaskFilter) (store.Page[store.Task], error) {
	limit := store.PageSize(f.Limit)
	var w where
	if !w.scope(f.Scope, "department") {
		return store.Page[store.Task]{}, nil
	}
	w.add("status IN " + w.in([]string{store.TaskPending, store.TaskReserved, store.TaskAssigned, store.TaskWrapping}))
	if f.WorkerSID != "" {
		w.add("worker_sid = " + w.arg(f.WorkerSID))
	}
	if err := r.e.after(&w, "tasks", f.Cursor, "created_at", "sid"); err != nil {
		return store.Page[store.Task]{}, fmt.Errorf("store: list open tasks: %w", err)
	}
	query := `SELECT ` + taskCols + ` FROM tasks` + w.String() + ` ORDER BY created_at DESC, sid DESC LIMIT ` + w.arg(limit+1)
	var items []store.Task
	err := r.e.read(ctx, func(q querier) (err error) {
		items, err = queryAll(ctx, q, scanTask, query, w.args...)
		return err
	})
	if err != nil {
		return store.Page[store.Task]{}, fmt.Errorf("store: list open tasks: %w", err)
	}
	return page(items, limit, "tasks", func(t store.Task) (time.Time, string) { return t.CreatedAt, t.SID }), nil
}
