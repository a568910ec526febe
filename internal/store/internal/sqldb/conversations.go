package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type conversations struct{ e exec }

const conversationCols = `id, our_number, customer_number, department, assigned_to, unread_count,
	last_message_preview, last_message_at, created_at, updated_at`

func scanConversation(r scanner) (store.Conversation, error) {
	var c store.Conversation
	err := r.Scan(&c.ID, &c.OurNumber, &c.CustomerNumber, &c.Department, &c.AssignedTo, &c.UnreadCount,
		&c.LastMessagePreview, ts{&c.LastMessageAt}, ts{&c.CreatedAt}, ts{&c.UpdatedAt})
	return c, err
}

func (r conversations) Ensure(ctx context.Context, ourNumber, customerNumber, department string) (store.Conversation, bool, error) {
	var (
		c       store.Conversation
		created bool
	)
	err := r.e.write(ctx, func(q querier) (err error) {
		c, created, err = r.ensure(ctx, q, ourNumber, customerNumber, department)
		return err
	})
	if err != nil {
		return store.Conversation{}, false, fmt.Errorf("store: ensure conversation %s/%s: %w", ourNumber, customerNumber, err)
	}
	return c, created, nil
}

func (r conversations) ensure(ctx context.Context, q querier, ours, customer, department string) (store.Conversation, bool, error) {
	if ours == "" || customer == "" {
		return store.Conversation{}, false, invalid("a conversation needs both numbers")
	}
	now := store.Now()
	row := q.QueryRowContext(ctx, `INSERT INTO conversations (id, our_number, customer_number, department,
		assigned_to, unread_count, last_message_preview, last_message_at, sort_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, '', 0, '', NULL, $5, $5, $5)
		ON CONFLICT (our_number, customer_number) DO NOTHING RETURNING `+conversationCols,
		store.NewID(now), ours, customer, department, r.e.t(now))
	c, err := scanConversation(row)
	if errors.Is(err, sql.ErrNoRows) {
		c, err = scanConversation(q.QueryRowContext(ctx, `SELECT `+conversationCols+` FROM conversations
			WHERE our_number = $1 AND customer_number = $2`, ours, customer))
		return c, false, err
	}
	return c, err == nil, err
}

func (r conversations) Get(ctx context.Context, id string) (store.Conversation, error) {
	var c store.Conversation
	err := r.e.read(ctx, func(q querier) (err error) {
		c, err = r.get(ctx, q, id, "")
		return err
	})
	if err != nil {
		return store.Conversation{}, fmt.Errorf("store: get conversation %s: %w", id, err)
	}
	return c, nil
}

func (r conversations) get(ctx context.Context, q querier, id, suffix string) (store.Conversation, error) {
	c, err := scanConversation(q.QueryRowContext(ctx, `SELECT `+conversationCols+` FROM conversations WHERE id = $1`+suffix, id))
	return c, notFound(err)
}

func (r conversations) List(ctx context.Context, f store.ConversationFilter) (store.Page[store.Conversation], error) {
	p, err := r.list(ctx, f)
	if err != nil {
		return store.Page[store.Conversation]{}, fmt.Errorf("store: list conversations: %w", err)
	}
	return p, nil
}

func (r conversations) list(ctx context.Context, f store.ConversationFilter) (store.Page[store.Conversation], error) {
	limit := store.PageSize(f.Limit)
	var w where
	if !w.scope(f.Scope, "department") {
		return store.Page[store.Conversation]{}, nil
	}
	if f.AssignedTo != "" {
		w.add("assigned_to = " + w.arg(f.AssignedTo))
	}
	if err := r.e.after(&w, "conversations", f.Cursor, "sort_at", "id"); err != nil {
		return store.Page[store.Conversation]{}, err
	}
	query := `SELECT ` + conversationCols + ` FROM conversations` + w.String() +
		` ORDER BY sort_at DESC, id DESC LIMIT ` + w.arg(limit+1)
	var items []store.Conversation
	err := r.e.read(ctx, func(q querier) (err error) {
		items, err = queryAll(ctx, q, scanConversation, query, w.args...)
		return err
	})
	return page(items, limit, "conversations", conversationSortKey), err
}

// conversationSortKey is what conversations are listed by: the last
// message's time, or the creation time before any message.
func conversationSortKey(c store.Conversation) (time.Time, string) {
	if c.LastMessageAt.IsZero() {
		return c.CreatedAt, c.ID
	}
	return c.LastMessageAt, c.ID
}

func (r conversations) MarkRead(ctx context.Context, id string) (store.Conversation, bool, error) {
	return r.change(ctx, "mark read", id, func(c *store.Conversation) bool {
		if c.UnreadCount == 0 {
			return false
		}
		c.UnreadCount = 0
		return true
	})
}

func (r conversations) Assign(ctx context.Context, id, userID string) (store.Conversation, bool, error) {
	return r.change(ctx, "assign", id, func(c *store.Conversation) bool {
		if c.AssignedTo == userID {
			return false
		}
		c.AssignedTo = userID
		return true
	})
}

// change applies edit to the locked conversation and writes it if edit
// reports a change.
func (r conversations) change(ctx context.Context, op, id string, edit func(c *store.Conversation) bool) (store.Conversation, bool, error) {
	var (
		c       store.Conversation
		changed bool
	)
	err := r.e.write(ctx, func(q querier) (err error) {
		if c, err = r.get(ctx, q, id, r.e.forUpdate()); err != nil {
			return err
		}
		if changed = edit(&c); !changed {
			return nil
		}
		c.UpdatedAt = store.Now()
		_, err = q.ExecContext(ctx, `UPDATE conversations SET unread_count = $2, assigned_to = $3,
			updated_at = $4 WHERE id = $1`, c.ID, c.UnreadCount, c.AssignedTo, r.e.t(c.UpdatedAt))
		return err
	})
	if err != nil {
		return store.Conversation{}, false, fmt.Errorf("store: %s conversation %s: %w", op, id, err)
	}
	return c, changed, nil
}
