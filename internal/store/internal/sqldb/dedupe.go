package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type dedupe struct{ e exec }

func (r dedupe) Claim(ctx context.Context, route, key string) (time.Time, bool, error) {
	var (
		first time.Time
		ok    bool
	)
	err := r.e.write(ctx, func(q querier) (err error) {
		if route == "" || key == "" {
			return invalid("a dedupe key needs a route and a key")
		}
		now := store.Now()
		ok, err = inserted(q.ExecContext(ctx, `INSERT INTO webhook_dedupe (route, dedupe_key, first_seen_at)
			VALUES ($1, $2, $3) ON CONFLICT (route, dedupe_key) DO NOTHING`, route, key, r.e.t(now)))
		if err != nil || ok {
			first = now
			return err
		}
		return q.QueryRowContext(ctx, `SELECT first_seen_at FROM webhook_dedupe WHERE route = $1 AND dedupe_key = $2`,
			route, key).Scan(ts{&first})
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: dedupe claim %s %s: %w", route, key, err)
	}
	return first, ok, nil
}

func (r dedupe) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := r.e.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM webhook_dedupe WHERE first_seen_at < $1`, r.e.t(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune dedupe: %w", err)
	}
	return n, nil
}
