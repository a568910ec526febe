package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type voicemails struct{ e exec }

const voicemailCols = `id, call_sid, recording_sid, recording_url, from_number, to_number, caller_name,
	department, status, assigned_to, notes, transcription, duration_seconds, created_at, updated_at, updated_by`

func scanVoicemail(r scanner) (store.Voicemail, error) {
	var v store.Voicemail
	err := r.Scan(&v.ID, &v.CallSID, &v.RecordingSID, &v.RecordingURL, &v.From, &v.To, &v.CallerName,
		&v.Department, &v.Status, &v.AssignedTo, &v.Notes, &v.Transcription, &v.DurationSeconds,
		ts{&v.CreatedAt}, ts{&v.UpdatedAt}, &v.UpdatedBy)
	return v, err
}

func (r voicemails) Create(ctx context.Context, v store.Voicemail) (store.Voicemail, bool, error) {
	var created bool
	err := r.e.write(ctx, func(q querier) (err error) {
		v, created, err = r.insert(ctx, q, v)
		return err
	})
	if err != nil {
		return store.Voicemail{}, false, fmt.Errorf("store: create voicemail of recording %s: %w", v.RecordingSID, err)
	}
	return v, created, nil
}

func (r voicemails) insert(ctx context.Context, q querier, v store.Voicemail) (store.Voicemail, bool, error) {
	if v.RecordingSID == "" {
		return v, false, invalid("missing RecordingSid")
	}
	if v.Status == "" {
		v.Status = store.VoicemailNew
	}
	if !store.IsVoicemailStatus(v.Status) {
		return v, false, invalid("unknown voicemail status %q", v.Status)
	}
	now := store.Now()
	v.CreatedAt = orNow(v.CreatedAt, now)
	v.UpdatedAt = now
	if v.ID == "" {
		v.ID = store.NewID(v.CreatedAt)
	}
	row := q.QueryRowContext(ctx, `INSERT INTO voicemails (`+voicemailCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (recording_sid) DO NOTHING RETURNING `+voicemailCols,
		v.ID, v.CallSID, v.RecordingSID, v.RecordingURL, v.From, v.To, v.CallerName, v.Department,
		v.Status, v.AssignedTo, v.Notes, v.Transcription, max(v.DurationSeconds, 0),
		r.e.t(v.CreatedAt), r.e.t(v.UpdatedAt), v.UpdatedBy)
	stored, err := scanVoicemail(row)
	if errors.Is(err, sql.ErrNoRows) {
		stored, err = scanVoicemail(q.QueryRowContext(ctx, `SELECT `+voicemailCols+` FROM voicemails
			WHERE recording_sid = $1`, v.RecordingSID))
		return stored, false, err
	}
	return stored, err == nil, err
}

func (r voicemails) Get(ctx context.Context, id string) (store.Voicemail, error) {
	var v store.Voicemail
	err := r.e.read(ctx, func(q querier) (err error) {
		v, err = scanVoicemail(q.QueryRowContext(ctx, `SELECT `+voicemailCols+` FROM voicemails WHERE id = $1`, id))
		return notFound(err)
	})
	if err != nil {
		return store.Voicemail{}, fmt.Errorf("store: get voicemail %s: %w", id, err)
	}
	return v, nil
}

func (r voicemails) List(ctx context.Context, f store.VoicemailFilter) (store.Page[store.Voicemail], error) {
	p, err := r.list(ctx, f)
	if err != nil {
		return store.Page[store.Voicemail]{}, fmt.Errorf("store: list voicemails: %w", err)
	}
	return p, nil
}

func (r voicemails) list(ctx context.Context, f store.VoicemailFilter) (store.Page[store.Voicemail], error) {
	limit := store.PageSize(f.Limit)
	var w where
	if !w.scope(f.Scope, "department") {
		return store.Page[store.Voicemail]{}, nil
	}
	if f.Status != "" {
		w.add("status = " + w.arg(f.Status))
	}
	if f.AssignedTo != "" {
		w.add("assigned_to = " + w.arg(f.AssignedTo))
	}
	if err := r.e.after(&w, "voicemails", f.Cursor, "created_at", "id"); err != nil {
		return store.Page[store.Voicemail]{}, err
	}
	query := `SELECT ` + voicemailCols + ` FROM voicemails` + w.String() +
		` ORDER BY created_at DESC, id DESC LIMIT ` + w.arg(limit+1)
	var items []store.Voicemail
	err := r.e.read(ctx, func(q querier) (err error) {
		items, err = queryAll(ctx, q, scanVoicemail, query, w.args...)
		return err
	})
	return page(items, limit, "voicemails", func(v store.Voicemail) (time.Time, string) { return v.CreatedAt, v.ID }), err
}

func (r voicemails) Update(ctx context.Context, id string, p store.VoicemailPatch) (store.VoicemailChange, error) {
	var ch store.VoicemailChange
	err := r.e.write(ctx, func(q querier) (err error) {
		ch, err = r.update(ctx, q, id, p)
		return err
	})
	if err != nil {
		return store.VoicemailChange{}, fmt.Errorf("store: update voicemail %s: %w", id, err)
	}
	return ch, nil
}

func (r voicemails) update(ctx context.Context, q querier, id string, p store.VoicemailPatch) (store.VoicemailChange, error) {
	if p.Status != nil && !store.IsVoicemailStatus(*p.Status) {
		return store.VoicemailChange{}, invalid("unknown voicemail status %q", *p.Status)
	}
	cur, err := scanVoicemail(q.QueryRowContext(ctx, `SELECT `+voicemailCols+` FROM voicemails WHERE id = $1`+r.e.forUpdate(), id))
	if err != nil {
		return store.VoicemailChange{}, notFound(err)
	}
	next := cur
	var changed []string
	set := func(field string, dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst = *v
			changed = append(changed, field)
		}
	}
	set("status", &next.Status, p.Status)
	set("assignedTo", &next.AssignedTo, p.AssignedTo)
	set("notes", &next.Notes, p.Notes)
	set("transcription", &next.Transcription, p.Transcription)
	if len(changed) == 0 {
		return store.VoicemailChange{Voicemail: cur, Previous: cur}, nil
	}
	next.UpdatedAt, next.UpdatedBy = store.Now(), p.UpdatedBy
	_, err = q.ExecContext(ctx, `UPDATE voicemails SET status = $2, assigned_to = $3, notes = $4,
		transcription = $5, updated_at = $6, updated_by = $7 WHERE id = $1`,
		id, next.Status, next.AssignedTo, next.Notes, next.Transcription, r.e.t(next.UpdatedAt), next.UpdatedBy)
	return store.VoicemailChange{Voicemail: next, Previous: cur, Changed: changed}, err
}
