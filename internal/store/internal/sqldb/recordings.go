package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type recordings struct{ e exec }

const recordingCols = `recording_sid, kind, call_sid, status, url, duration_seconds, source,
	error_code, created_at, updated_at`

func scanRecording(r scanner) (store.Recording, error) {
	var x store.Recording
	err := r.Scan(&x.SID, &x.Kind, &x.CallSID, &x.Status, &x.URL, &x.DurationSeconds, &x.Source,
		&x.ErrorCode, ts{&x.CreatedAt}, ts{&x.UpdatedAt})
	return x, err
}

func recordingKey(sid, kind string) string { return sid + "/" + kind }

func (r recordings) Get(ctx context.Context, sid, kind string) (store.Recording, error) {
	var x store.Recording
	err := r.e.read(ctx, func(q querier) (err error) {
		x, err = scanRecording(q.QueryRowContext(ctx, `SELECT `+recordingCols+` FROM recordings
			WHERE recording_sid = $1 AND kind = $2`, sid, kind))
		return notFound(err)
	})
	if err != nil {
		return store.Recording{}, fmt.Errorf("store: get recording %s: %w", recordingKey(sid, kind), err)
	}
	return x, nil
}

func (r recordings) ListByCall(ctx context.Context, callSID string) ([]store.Recording, error) {
	var out []store.Recording
	err := r.e.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, scanRecording, `SELECT `+recordingCols+` FROM recordings
			WHERE call_sid = $1 ORDER BY created_at, recording_sid, kind`, callSID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list recordings of call %s: %w", callSID, err)
	}
	return out, nil
}

func (r recordings) UpdateStatus(ctx context.Context, u store.RecordingUpdate) (store.Recording, store.Transition, error) {
	var (
		x  store.Recording
		tr store.Transition
	)
	err := r.e.write(ctx, func(q querier) (err error) {
		x, tr, err = r.updateStatus(ctx, q, u)
		return err
	})
	if err != nil {
		return store.Recording{}, store.Transition{}, fmt.Errorf("store: update recording %s to %s: %w",
			recordingKey(u.SID, u.Kind), u.Status, err)
	}
	return x, tr, nil
}

func (r recordings) updateStatus(ctx context.Context, q querier, u store.RecordingUpdate) (store.Recording, store.Transition, error) {
	switch {
	case u.SID == "":
		return store.Recording{}, store.Transition{}, invalid("missing RecordingSid")
	case u.Kind != store.RecordingKindCall && u.Kind != store.RecordingKindVoicemail:
		return store.Recording{}, store.Transition{}, invalid("unknown recording kind %q", u.Kind)
	}
	if _, ok := store.RecordingStatusRank(u.Status); !ok {
		return store.Recording{}, store.Transition{}, invalid("unknown recording status %q", u.Status)
	}
	now := store.Now()
	at := orNow(u.At, now)
	for range 2 { // a second round only after losing a race to create it
		cur, err := scanRecording(q.QueryRowContext(ctx, `SELECT `+recordingCols+` FROM recordings
			WHERE recording_sid = $1 AND kind = $2`+r.e.forUpdate(), u.SID, u.Kind))
		if errors.Is(err, sql.ErrNoRows) {
			x, created, err := r.insert(ctx, q, u, at, now)
			if err != nil {
				return store.Recording{}, store.Transition{}, err
			}
			if !created {
				continue
			}
			return x, store.Transition{Status: x.Status, Changed: true, Created: true}, nil
		}
		if err != nil {
			return store.Recording{}, store.Transition{}, err
		}
		return r.advance(ctx, q, cur, u, at, now)
	}
	return store.Recording{}, store.Transition{}, errors.New("recording created and gone concurrently")
}

func (r recordings) insert(ctx context.Context, q querier, u store.RecordingUpdate, at, now time.Time) (store.Recording, bool, error) {
	x := store.Recording{SID: u.SID, Kind: u.Kind, CallSID: u.CallSID, Status: u.Status, URL: u.URL,
		DurationSeconds: max(u.DurationSeconds, 0), Source: u.Source, ErrorCode: u.ErrorCode, CreatedAt: at, UpdatedAt: now}
	res, err := q.ExecContext(ctx, `INSERT INTO recordings (`+recordingCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (recording_sid, kind) DO NOTHING`,
		x.SID, x.Kind, x.CallSID, x.Status, x.URL, x.DurationSeconds, x.Source, x.ErrorCode, r.e.t(x.CreatedAt), r.e.t(x.UpdatedAt))
	if err != nil {
		return x, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return x, false, err
	}
	_, err = r.e.appendHistory(ctx, q, historyRecording, recordingKey(x.SID, x.Kind), x.Status, store.NoSequence, true, at, now)
	return x, true, err
}

// advance applies u to the locked recording cur.
func (r recordings) advance(ctx context.Context, q querier, cur store.Recording, u store.RecordingUpdate, at, now time.Time) (store.Recording, store.Transition, error) {
	applied := advances(store.RecordingStatusRank, false, cur.Status, store.NoSequence, u.Status, store.NoSequence)
	tr := store.Transition{Previous: cur.Status, Status: cur.Status}
	inserted, err := r.e.appendHistory(ctx, q, historyRecording, recordingKey(cur.SID, cur.Kind), u.Status, store.NoSequence, applied, at, now)
	if err != nil || !inserted || !applied {
		tr.Duplicate = !inserted
		return cur, tr, err
	}
	next := cur
	next.Status, next.UpdatedAt = u.Status, now
	next.CallSID, next.URL = keep(u.CallSID, cur.CallSID), keep(u.URL, cur.URL)
	next.Source, next.ErrorCode = keep(u.Source, cur.Source), keep(u.ErrorCode, cur.ErrorCode)
	if u.DurationSeconds > 0 {
		next.DurationSeconds = u.DurationSeconds
	}
	_, err = q.ExecContext(ctx, `UPDATE recordings SET call_sid = $3, status = $4, url = $5,
		duration_seconds = $6, source = $7, error_code = $8, updated_at = $9
		WHERE recording_sid = $1 AND kind = $2`,
		next.SID, next.Kind, next.CallSID, next.Status, next.URL, next.DurationSeconds, next.Source,
		next.ErrorCode, r.e.t(next.UpdatedAt))
	tr.Status, tr.Changed = next.Status, true
	return next, tr, err
}
