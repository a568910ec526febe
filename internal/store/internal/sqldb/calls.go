package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type calls struct{ e exec }

const callCols = `sid, parent_sid, direction, from_number, to_number, caller_name, department,
	assigned_to, status, sequence, duration_seconds, created_at, updated_at, ended_at`

func scanCall(r scanner) (store.Call, error) {
	var c store.Call
	err := r.Scan(&c.SID, &c.ParentSID, &c.Direction, &c.From, &c.To, &c.CallerName, &c.Department,
		&c.AssignedTo, &c.Status, &c.Sequence, &c.DurationSeconds, ts{&c.CreatedAt}, ts{&c.UpdatedAt}, ts{&c.EndedAt})
	return c, err
}

func (r calls) Create(ctx context.Context, c store.Call) (store.Call, bool, error) {
	if c.Status == "" {
		c.Status = store.CallRinging
	}
	c.Sequence = store.NoSequence
	var created bool
	err := r.e.write(ctx, func(q querier) (err error) {
		c, created, err = r.insert(ctx, q, c, c.CreatedAt)
		return err
	})
	if err != nil {
		return store.Call{}, false, fmt.Errorf("store: create call %s: %w", c.SID, err)
	}
	return c, created, nil
}

// insert stores c unless its SID exists (then it returns the stored call),
// and records its status in the history as of at.
func (r calls) insert(ctx context.Context, q querier, c store.Call, at time.Time) (store.Call, bool, error) {
	if c.SID == "" {
		return c, false, invalid("missing CallSid")
	}
	if _, ok := store.CallStatusRank(c.Status); !ok {
		return c, false, invalid("unknown call status %q", c.Status)
	}
	now := store.Now()
	c.CreatedAt = orNow(c.CreatedAt, now)
	at = orNow(at, c.CreatedAt)
	c.UpdatedAt = now
	c.EndedAt = store.Truncate(c.EndedAt)
	if store.IsTerminalCallStatus(c.Status) && c.EndedAt.IsZero() {
		c.EndedAt = at
	}
	row := q.QueryRowContext(ctx, `INSERT INTO calls (`+callCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (sid) DO NOTHING RETURNING `+callCols,
		c.SID, c.ParentSID, c.Direction, c.From, c.To, c.CallerName, c.Department,
		c.AssignedTo, c.Status, c.Sequence, c.DurationSeconds, r.e.t(c.CreatedAt), r.e.t(c.UpdatedAt), r.e.tn(c.EndedAt))
	stored, err := scanCall(row)
	if errors.Is(err, sql.ErrNoRows) {
		stored, err = scanCall(q.QueryRowContext(ctx, `SELECT `+callCols+` FROM calls WHERE sid = $1`, c.SID))
		return stored, false, err
	}
	if err != nil {
		return c, false, err
	}
	_, err = r.e.appendHistory(ctx, q, historyCall, c.SID, c.Status, c.Sequence, true, at, now)
	return stored, true, err
}

func (r calls) Get(ctx context.Context, sid string) (store.Call, error) {
	var c store.Call
	err := r.e.read(ctx, func(q querier) (err error) {
		c, err = scanCall(q.QueryRowContext(ctx, `SELECT `+callCols+` FROM calls WHERE sid = $1`, sid))
		return notFound(err)
	})
	if err != nil {
		return store.Call{}, fmt.Errorf("store: get call %s: %w", sid, err)
	}
	return c, nil
}

func (r calls) History(ctx context.Context, sid string) ([]store.StatusChange, error) {
	h, err := r.e.history(ctx, historyCall, sid)
	if err != nil {
		return nil, fmt.Errorf("store: call history %s: %w", sid, err)
	}
	return h, nil
}

func (r calls) UpdateStatus(ctx context.Context, u store.CallStatusUpdate) (store.Call, store.Transition, error) {
	var (
		c  store.Call
		tr store.Transition
	)
	err := r.e.write(ctx, func(q querier) (err error) {
		c, tr, err = r.updateStatus(ctx, q, u)
		return err
	})
	if err != nil {
		return store.Call{}, store.Transition{}, fmt.Errorf("store: update call %s to %s: %w", u.SID, u.Status, err)
	}
	return c, tr, nil
}

func (r calls) updateStatus(ctx context.Context, q querier, u store.CallStatusUpdate) (store.Call, store.Transition, error) {
	if u.SID == "" {
		return store.Call{}, store.Transition{}, invalid("missing CallSid")
	}
	if _, ok := store.CallStatusRank(u.Status); !ok {
		return store.Call{}, store.Transition{}, invalid("unknown call status %q", u.Status)
	}
	if u.Sequence < store.NoSequence {
		return store.Call{}, store.Transition{}, invalid("negative SequenceNumber %d", u.Sequence)
	}
	now := store.Now()
	at := orNow(u.At, now)
	for range 2 { // a second round only after losing a race to create the call
		cur, err := scanCall(q.QueryRowContext(ctx, `SELECT `+callCols+` FROM calls WHERE sid = $1`+r.e.forUpdate(), u.SID))
		if errors.Is(err, sql.ErrNoRows) {
			c, created, err := r.createFrom(ctx, q, u, at)
			if err != nil {
				return store.Call{}, store.Transition{}, err
			}
			if !created {
				continue
			}
			return c, store.Transition{Status: c.Status, Changed: true, Created: true}, nil
		}
		if err != nil {
			return store.Call{}, store.Transition{}, err
		}
		return r.advance(ctx, q, cur, u, at, now)
	}
	return store.Call{}, store.Transition{}, errors.New("call created and gone concurrently")
}

// createFrom creates the call that a status update is the first news of.
func (r calls) createFrom(ctx context.Context, q querier, u store.CallStatusUpdate, at time.Time) (store.Call, bool, error) {
	c := u.Call
	c.SID, c.Status, c.Sequence = u.SID, u.Status, u.Sequence
	c.DurationSeconds = max(u.DurationSeconds, 0)
	if c.CreatedAt.IsZero() {
		c.CreatedAt = at
	}
	return r.insert(ctx, q, c, at)
}

// advance applies u to the locked call cur.
func (r calls) advance(ctx context.Context, q querier, cur store.Call, u store.CallStatusUpdate, at, now time.Time) (store.Call, store.Transition, error) {
	applied := advances(store.CallStatusRank, true, cur.Status, cur.Sequence, u.Status, u.Sequence)
	tr := store.Transition{Previous: cur.Status, Status: cur.Status}
	inserted, err := r.e.appendHistory(ctx, q, historyCall, cur.SID, u.Status, u.Sequence, applied, at, now)
	if err != nil || !inserted || !applied {
		tr.Duplicate = !inserted
		return cur, tr, err
	}
	next := cur
	next.Status, next.Sequence, next.UpdatedAt = u.Status, u.Sequence, now
	if u.DurationSeconds > 0 {
		next.DurationSeconds = u.DurationSeconds
	}
	if store.IsTerminalCallStatus(next.Status) && next.EndedAt.IsZero() {
		next.EndedAt = at
	}
	_, err = q.ExecContext(ctx, `UPDATE calls SET status = $2, sequence = $3, duration_seconds = $4,
		updated_at = $5, ended_at = $6 WHERE sid = $1`,
		next.SID, next.Status, next.Sequence, next.DurationSeconds, r.e.t(next.UpdatedAt), r.e.tn(next.EndedAt))
	tr.Status, tr.Changed = next.Status, true
	return next, tr, err
}
