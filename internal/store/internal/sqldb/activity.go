package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type activity struct{ e exec }

func (r activity) Append(ctx context.Context, a store.ActivityEntry) (bool, error) {
	var created bool
	err := r.e.write(ctx, func(q querier) (err error) {
		created, err = r.append(ctx, q, a)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: append activity %s %s: %w", a.Type, a.ID, err)
	}
	return created, nil
}

func (r activity) append(ctx context.Context, q querier, a store.ActivityEntry) (bool, error) {
	switch {
	case a.ID == "" || a.Type == "":
		return false, invalid("an activity entry needs an id and a type")
	case !json.Valid(a.Payload):
		return false, invalid("payload is not JSON")
	}
	rooms := slices.Clone(a.Rooms)
	for i, room := range rooms { // as stored, so that rooms the cleaning makes equal are one
		rooms[i] = store.CleanText(room)
	}
	slices.Sort(rooms)
	rooms = slices.Compact(rooms)
	roomsJSON, err := json.Marshal(rooms)
	if err != nil {
		return false, err
	}
	at := r.e.t(orNow(a.OccurredAt, store.Now()))
	ok, err := inserted(q.ExecContext(ctx, `INSERT INTO activity (id, type, rooms, payload, occurred_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, a.ID, a.Type, jsonValue(roomsJSON), jsonValue(a.Payload), at))
	if err != nil || !ok {
		return false, err
	}
	for _, room := range rooms {
		if _, err := q.ExecContext(ctx, `INSERT INTO activity_rooms (activity_id, room, occurred_at)
			VALUES ($1, $2, $3)`, a.ID, room, at); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (r activity) List(ctx context.Context, aq store.ActivityQuery) ([]store.ActivityEntry, error) {
	var out []store.ActivityEntry
	err := r.e.read(ctx, func(q querier) (err error) {
		out, err = r.list(ctx, q, aq)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list activity: %w", err)
	}
	return out, nil
}

func (r activity) list(ctx context.Context, q querier, aq store.ActivityQuery) ([]store.ActivityEntry, error) {
	if len(aq.Rooms) == 0 {
		return nil, nil
	}
	var w where
	w.add("a.id IN (SELECT r.activity_id FROM activity_rooms r WHERE r.room IN " + w.in(aq.Rooms) + ")")
	if !aq.Since.IsZero() {
		w.add("a.occurred_at > " + w.arg(r.e.t(aq.Since)))
	}
	if aq.AfterID != "" {
		var after time.Time
		err := q.QueryRowContext(ctx, `SELECT occurred_at FROM activity WHERE id = $1`, aq.AfterID).Scan(ts{&after})
		switch {
		case err == nil:
			w.add("(a.occurred_at, a.id) > (" + w.arg(r.e.t(after)) + ", " + w.arg(aq.AfterID) + ")")
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	query := `SELECT a.id, a.type, a.rooms, a.payload, a.occurred_at FROM activity a` + w.String() +
		` ORDER BY a.occurred_at DESC, a.id DESC LIMIT ` + w.arg(store.PageSize(aq.Limit))
	return queryAll(ctx, q, scanActivity, query, w.args...)
}

func scanActivity(r scanner) (store.ActivityEntry, error) {
	var (
		a              store.ActivityEntry
		rooms, payload string
	)
	if err := r.Scan(&a.ID, &a.Type, &rooms, &payload, ts{&a.OccurredAt}); err != nil {
		return a, err
	}
	a.Payload = json.RawMessage(payload)
	return a, json.Unmarshal([]byte(rooms), &a.Rooms)
}

func (r activity) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := r.e.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM activity WHERE occurred_at < $1`, r.e.t(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune activity: %w", err)
	}
	return n, nil
}
