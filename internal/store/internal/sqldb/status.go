package sqldb

import (
	"context"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

// History kinds.
const (
	historyCall      = "call"
	historyMessage   = "message"
	historyRecording = "recording"
)

// advances reports whether an update to (next, seq) moves a record that is
// at (cur, curSeq): a higher rank always does; an equal rank does only
// with sequences (calls), for another status with a higher sequence.
func advances(rank func(string) (int, bool), bySequence bool, cur string, curSeq int64, next string, seq int64) bool {
	cr, _ := rank(cur)
	nr, _ := rank(next)
	if nr != cr {
		return nr > cr
	}
	return bySequence && next != cur && seq != store.NoSequence && seq > curSeq
}

// appendHistory records a status update; inserted is false if the same
// update (kind, key, status, sequence) was recorded before.
func (e exec) appendHistory(ctx context.Context, q querier, kind, key, status string, seq int64, applied bool, at, now time.Time) (inserted bool, err error) {
	res, err := q.ExecContext(ctx, `INSERT INTO status_history
		(kind, record_key, status, sequence, applied, occurred_at, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (kind, record_key, status, sequence) DO NOTHING`,
		kind, key, status, seq, applied, e.t(at), e.t(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// history returns the status updates of one record, in the order received.
func (e exec) history(ctx context.Context, kind, key string) ([]store.StatusChange, error) {
	var out []store.StatusChange
	err := e.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, func(r scanner) (store.StatusChange, error) {
			var c store.StatusChange
			err := r.Scan(&c.Status, &c.Sequence, &c.Applied, ts{&c.OccurredAt}, ts{&c.RecordedAt})
			return c, err
		}, `SELECT status, sequence, applied, occurred_at, recorded_at FROM status_history
			WHERE kind = $1 AND record_key = $2 ORDER BY id`, kind, key)
		return err
	})
	return out, err
}
