package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type messages struct{ e exec }

const messageCols = `sid, conversation_id, direction, from_number, to_number, body, num_media, media_urls,
	status, error_code, sent_by, created_at, updated_at`

func scanMessage(r scanner) (store.Message, error) {
	var (
		m     store.Message
		media string
	)
	err := r.Scan(&m.SID, &m.ConversationID, &m.Direction, &m.From, &m.To, &m.Body, &m.NumMedia, &media,
		&m.Status, &m.ErrorCode, &m.SentBy, ts{&m.CreatedAt}, ts{&m.UpdatedAt})
	if err == nil && media != "" && media != "[]" {
		err = json.Unmarshal([]byte(media), &m.MediaURLs)
	}
	return m, err
}

func (r messages) Create(ctx context.Context, m store.Message) (store.MessageResult, error) {
	var res store.MessageResult
	err := r.e.write(ctx, func(q querier) (err error) {
		res, err = r.create(ctx, q, m)
		return err
	})
	if err != nil {
		return store.MessageResult{}, fmt.Errorf("store: create message %s: %w", m.SID, err)
	}
	return res, nil
}

func (r messages) create(ctx context.Context, q querier, m store.Message) (store.MessageResult, error) {
	if err := checkNewMessage(&m); err != nil {
		return store.MessageResult{}, err
	}
	convs := conversations(r)
	conv, err := convs.get(ctx, q, m.ConversationID, r.e.forUpdate())
	if err != nil {
		return store.MessageResult{}, fmt.Errorf("conversation %s: %w", m.ConversationID, err)
	}
	now := store.Now()
	m.CreatedAt = orNow(m.CreatedAt, now)
	m.UpdatedAt = now
	media, err := json.Marshal(m.MediaURLs)
	if err != nil {
		return store.MessageResult{}, err
	}
	stored, err := scanMessage(q.QueryRowContext(ctx, `INSERT INTO messages (`+messageCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (sid) DO NOTHING RETURNING `+messageCols,
		m.SID, m.ConversationID, m.Direction, m.From, m.To, m.Body, max(m.NumMedia, 0), jsonValue(media),
		m.Status, m.ErrorCode, m.SentBy, r.e.t(m.CreatedAt), r.e.t(m.UpdatedAt)))
	if errors.Is(err, sql.ErrNoRows) {
		stored, err = r.get(ctx, q, m.SID)
		return store.MessageResult{Message: stored, Conversation: conv}, err
	}
	if err != nil {
		return store.MessageResult{}, err
	}
	if _, err := r.e.appendHistory(ctx, q, historyMessage, m.SID, m.Status, store.NoSequence, true, m.CreatedAt, now); err != nil {
		return store.MessageResult{}, err
	}
	conv, err = r.count(ctx, q, conv, stored, now)
	return store.MessageResult{Message: stored, Conversation: conv, Created: true}, err
}

func checkNewMessage(m *store.Message) error {
	switch {
	case m.SID == "":
		return invalid("missing MessageSid")
	case m.ConversationID == "":
		return invalid("missing conversation")
	case m.Direction != store.Inbound && m.Direction != store.Outbound:
		return invalid("unknown direction %q", m.Direction)
	}
	if m.Status == "" {
		m.Status = store.MessageReceived
		if m.Direction == store.Outbound {
			m.Status = store.MessageQueued
		}
	}
	if _, ok := store.MessageStatusRank(m.Status); !ok {
		return invalid("unknown message status %q", m.Status)
	}
	return nil
}

// count updates the locked conversation c for its new message m.
func (r messages) count(ctx context.Context, q querier, c store.Conversation, m store.Message, now time.Time) (store.Conversation, error) {
	if m.Direction == store.Inbound {
		c.UnreadCount++
	}
	if c.LastMessageAt.IsZero() || !m.CreatedAt.Before(c.LastMessageAt) {
		c.LastMessageAt, c.LastMessagePreview = m.CreatedAt, preview(m)
	}
	c.UpdatedAt = now
	_, err := q.ExecContext(ctx, `UPDATE conversations SET unread_count = $2, last_message_preview = $3,
		last_message_at = $4, sort_at = $4, updated_at = $5 WHERE id = $1`,
		c.ID, c.UnreadCount, c.LastMessagePreview, r.e.t(c.LastMessageAt), r.e.t(c.UpdatedAt))
	return c, err
}

// preview is the start of a message's body, or "[media]" for an MMS
// without text.
func preview(m store.Message) string {
	runes := []rune(m.Body)
	if len(runes) > store.PreviewLength {
		return string(runes[:store.PreviewLength-1]) + "…"
	}
	if len(runes) == 0 && m.NumMedia > 0 {
		return "[media]"
	}
	return m.Body
}

func (r messages) get(ctx context.Context, q querier, sid string) (store.Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE sid = $1`, sid))
	return m, notFound(err)
}

func (r messages) Get(ctx context.Context, sid string) (store.Message, error) {
	var m store.Message
	err := r.e.read(ctx, func(q querier) (err error) {
		m, err = r.get(ctx, q, sid)
		return err
	})
	if err != nil {
		return store.Message{}, fmt.Errorf("store: get message %s: %w", sid, err)
	}
	return m, nil
}

func (r messages) History(ctx context.Context, sid string) ([]store.StatusChange, error) {
	h, err := r.e.history(ctx, historyMessage, sid)
	if err != nil {
		return nil, fmt.Errorf("store: message history %s: %w", sid, err)
	}
	return h, nil
}

func (r messages) List(ctx context.Context, f store.MessageFilter) (store.Page[store.Message], error) {
	limit := store.PageSize(f.Limit)
	var w where
	w.add("conversation_id = " + w.arg(f.ConversationID))
	if err := r.e.after(&w, "messages", f.Cursor, "created_at", "sid"); err != nil {
		return store.Page[store.Message]{}, fmt.Errorf("store: list messages of %s: %w", f.ConversationID, err)
	}
	query := `SELECT ` + messageCols + ` FROM messages` + w.String() +
		` ORDER BY created_at DESC, sid DESC LIMIT ` + w.arg(limit+1)
	var items []store.Message
	err := r.e.read(ctx, func(q querier) (err error) {
		items, err = queryAll(ctx, q, scanMessage, query, w.args...)
		return err
	})
	if err != nil {
		return store.Page[store.Message]{}, fmt.Errorf("store: list messages of %s: %w", f.ConversationID, err)
	}
	return page(items, limit, "messages", func(m store.Message) (time.Time, string) { return m.CreatedAt, m.SID }), nil
}

func (r messages) UpdateStatus(ctx context.Context, u store.MessageStatusUpdate) (store.Message, store.Transition, error) {
	var (
		m  store.Message
		tr store.Transition
	)
	err := r.e.write(ctx, func(q querier) (err error) {
		m, tr, err = r.updateStatus(ctx, q, u)
		return err
	})
	if err != nil {
		return store.Message{}, store.Transition{}, fmt.Errorf("store: update message %s to %s: %w", u.SID, u.Status, err)
	}
	return m, tr, nil
}

func (r messages) updateStatus(ctx context.Context, q querier, u store.MessageStatusUpdate) (store.Message, store.Transition, error) {
	if _, ok := store.MessageStatusRank(u.Status); !ok {
		return store.Message{}, store.Transition{}, invalid("unknown message status %q", u.Status)
	}
	cur, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE sid = $1`+r.e.forUpdate(), u.SID))
	if err != nil {
		return store.Message{}, store.Transition{}, notFound(err)
	}
	tr := store.Transition{Previous: cur.Status, Status: cur.Status}
	if cur.Direction != store.Outbound { // status callbacks are the outbound messages'
		tr.Ignored = true
		return cur, tr, nil
	}
	now := store.Now()
	applied := advances(store.MessageStatusRank, false, cur.Status, store.NoSequence, u.Status, store.NoSequence)
	inserted, err := r.e.appendHistory(ctx, q, historyMessage, cur.SID, u.Status, store.NoSequence, applied, orNow(u.At, now), now)
	if err != nil || !inserted || !applied {
		tr.Duplicate = !inserted
		return cur, tr, err
	}
	next := cur
	next.Status, next.ErrorCode, next.UpdatedAt = u.Status, keep(u.ErrorCode, cur.ErrorCode), now
	_, err = q.ExecContext(ctx, `UPDATE messages SET status = $2, error_code = $3, updated_at = $4 WHERE sid = $1`,
		next.SID, next.Status, next.ErrorCode, r.e.t(next.UpdatedAt))
	tr.Status, tr.Changed = next.Status, true
	return next, tr, err
}
