package sqldb

import (
	"context"
	"fmt"

	"github.com/kin-comms/kinrt/internal/store"
)

const reservationCols = `sid, task_sid, worker_sid, status, version, event_at, created_at, updated_at`

func scanReservation(r scanner) (store.Reservation, error) {
	var x store.Reservation
	err := r.Scan(&x.SID, &x.TaskSID, &x.WorkerSID, &x.Status, &x.Version, ts{&x.EventAt}, ts{&x.CreatedAt}, ts{&x.UpdatedAt})
	return x, err
}

func (r tasks) UpsertReservation(ctx context.Context, x store.Reservation) (store.Change[store.Reservation], error) {
	var ch store.Change[store.Reservation]
	err := r.e.write(ctx, func(q querier) (err error) {
		ch, err = r.upsertReservation(ctx, q, x)
		return err
	})
	if err != nil {
		return store.Change[store.Reservation]{}, fmt.Errorf("store: upsert reservation %s: %w", x.SID, err)
	}
	return ch, nil
}

func (r tasks) upsertReservation(ctx context.Context, q querier, x store.Reservation) (store.Change[store.Reservation], error) {
	if x.SID == "" {
		return store.Change[store.Reservation]{}, invalid("missing ReservationSid")
	}
	now := store.Now()
	x.EventAt = orNow(x.EventAt, now)
	return upsert(resource[store.Reservation]{
		lock: func() (store.Reservation, error) {
			return scanReservation(q.QueryRowContext(ctx, `SELECT `+reservationCols+` FROM reservations
				WHERE sid = $1`+r.e.forUpdate(), x.SID))
		},
		insert: func() (store.Reservation, bool, error) {
			if x.Status == "" {
				x.Status = store.ReservationPending
			}
			x.CreatedAt, x.UpdatedAt = orNow(x.CreatedAt, x.EventAt), now
			ok, err := inserted(q.ExecContext(ctx, `INSERT INTO reservations (`+reservationCols+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sid) DO NOTHING`,
				x.SID, x.TaskSID, x.WorkerSID, x.Status, x.Version, r.e.t(x.EventAt), r.e.t(x.CreatedAt), r.e.t(x.UpdatedAt)))
			return x, ok, err
		},
		newer: func(cur store.Reservation) bool { return newerEvent(x.Version, x.EventAt, cur.Version, cur.EventAt) },
		update: func(cur store.Reservation) (store.Reservation, error) {
			n := cur
			n.TaskSID, n.WorkerSID, n.Status = keep(x.TaskSID, cur.TaskSID), keep(x.WorkerSID, cur.WorkerSID), keep(x.Status, cur.Status)
			n.Version, n.EventAt, n.UpdatedAt = x.Version, x.EventAt, now
			_, err := q.ExecContext(ctx, `UPDATE reservations SET task_sid = $2, worker_sid = $3, status = $4,
				version = $5, event_at = $6, updated_at = $7 WHERE sid = $1`,
				n.SID, n.TaskSID, n.WorkerSID, n.Status, n.Version, r.e.t(n.EventAt), r.e.t(n.UpdatedAt))
			return n, err
		},
	})
}

func (r tasks) GetReservation(ctx context.Context, sid string) (store.Reservation, error) {
	var x store.Reservation
	err := r.e.read(ctx, func(q querier) (err error) {
		x, err = scanReservation(q.QueryRowContext(ctx, `SELECT `+reservationCols+` FROM reservations WHERE sid = $1`, sid))
		return notFound(err)
	})
	if err != nil {
		return store.Reservation{}, fmt.Errorf("store: get reservation %s: %w", sid, err)
	}
	return x, nil
}

func (r tasks) PendingReservations(ctx context.Context, workerSID string) ([]store.Reservation, error) {
	var out []store.Reservation
	err := r.e.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT `+reservationCols+` FROM reservations
			WHERE worker_sid = $1 AND status = $2 ORDER BY created_at DESC, sid DESC LIMIT $3`,
			workerSID, store.ReservationPending, store.MaxPageSize)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			x, err := scanReservation(rows)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: pending reservations of %s: %w", workerSID, err)
	}
	return out, nil
}
