package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

type stats struct{ e exec }

func (r stats) Queue(ctx context.Context, scope store.Scope) ([]store.QueueStat, error) {
	var w where
	if !w.scope(scope, "department") {
		return nil, nil
	}
	w.add("status IN " + w.in([]string{store.TaskPending, store.TaskReserved}))
	query := `SELECT department, COUNT(*), MIN(created_at) FROM tasks` + w.String() +
		` GROUP BY department ORDER BY department`
	var out []store.QueueStat
	err := r.e.read(ctx, func(q querier) (err error) {
		out, err = queryAll(ctx, q, func(s scanner) (store.QueueStat, error) {
			var qs store.QueueStat
			err := s.Scan(&qs.Department, &qs.Waiting, ts{&qs.OldestAt})
			return qs, err
		}, query, w.args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: queue stats: %w", err)
	}
	return out, nil
}

func (r stats) Backlog(ctx context.Context, scope store.Scope) (store.Backlog, error) {
	var b store.Backlog
	var vw, cw where
	if !vw.scope(scope, "department") || !cw.scope(scope, "department") {
		return b, nil
	}
	vw.add("status = " + vw.arg(store.VoicemailNew))
	cw.add("unread_count > 0")
	err := r.e.read(ctx, func(q querier) error {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM voicemails`+vw.String(), vw.args...).Scan(&b.VoicemailsUnlistened); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations`+cw.String(), cw.args...).Scan(&b.ConversationsUnread)
	})
	if err != nil {
		return store.Backlog{}, fmt.Errorf("store: backlog stats: %w", err)
	}
	return b, nil
}

// callRow is what Counts reads of a call: its direction, status, and
// when it was created and first said to be in progress (zero if never).
type callRow struct {
	direction, status     string
	createdAt, answeredAt time.Time
}

func (r stats) Counts(ctx context.Context, cq store.CountsQuery) (store.Counts, error) {
	var n store.Counts
	var cw, vw, mw where
	if !cw.scope(cq.Scope, "c.department") || !vw.scope(cq.Scope, "department") || !mw.scope(cq.Scope, "c.department") {
		return n, nil
	}
	since := r.e.t(cq.Since)
	cw.add("c.parent_sid = ''")
	cw.add("c.created_at >= " + cw.arg(since))
	callQuery := `SELECT c.direction, c.status, c.created_at,
		(SELECT MIN(h.occurred_at) FROM status_history h
			WHERE h.kind = ` + cw.arg(historyCall) + ` AND h.record_key = c.sid AND h.status = ` + cw.arg(store.CallInProgress) + `)
		FROM calls c` + cw.String()
	vw.add("created_at >= " + vw.arg(since))
	mw.add("m.created_at >= " + mw.arg(since))
	msgQuery := `SELECT m.direction, COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id` +
		mw.String() + ` GROUP BY m.direction`
	err := r.e.read(ctx, func(q querier) error {
		rows, err := queryAll(ctx, q, func(s scanner) (callRow, error) {
			var c callRow
			err := s.Scan(&c.direction, &c.status, ts{&c.createdAt}, ts{&c.answeredAt})
			return c, err
		}, callQuery, cw.args...)
		if err != nil {
			return err
		}
		for _, c := range rows {
			countCall(&n, c, cq.AnswerWithin)
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM voicemails`+vw.String(), vw.args...).Scan(&n.Voicemails); err != nil {
			return err
		}
		type dirCount struct {
			dir string
			n   int
		}
		dirs, err := queryAll(ctx, q, func(s scanner) (dirCount, error) {
			var d dirCount
			err := s.Scan(&d.dir, &d.n)
			return d, err
		}, msgQuery, mw.args...)
		for _, d := range dirs {
			switch d.dir {
			case store.Inbound:
				n.SMSIn += d.n
			case store.Outbound:
				n.SMSOut += d.n
			}
		}
		return err
	})
	if err != nil {
		return store.Counts{}, fmt.Errorf("store: count stats: %w", err)
	}
	return n, nil
}

// countCall adds one top-level call to n.
func countCall(n *store.Counts, c callRow, within time.Duration) {
	n.Calls++
	if c.direction != "" && c.direction != "inbound" {
		return
	}
	switch {
	case !c.answeredAt.IsZero():
		n.Answered++
		if c.answeredAt.Sub(c.createdAt) <= within {
			n.AnsweredWithin++
		}
	case store.IsTerminalCallStatus(c.status):
		n.MissedCalls++
	}
}

// maxMinutes bounds PerMinute's n: one day.
const maxMinutes = 24 * 60

func (r stats) PerMinute(ctx context.Context, scope store.Scope, from time.Time, n int) ([]int, []int, error) {
	if n < 1 || n > maxMinutes {
		return nil, nil, fmt.Errorf("store: per-minute stats: %w", invalid("minutes must be 1 to %d, not %d", maxMinutes, n))
	}
	from = store.Truncate(from)
	until := from.Add(time.Duration(n) * time.Minute)
	calls, messages := make([]int, n), make([]int, n)
	var cw, mw where
	if !cw.scope(scope, "department") || !mw.scope(scope, "c.department") {
		return calls, messages, nil
	}
	cw.add("parent_sid = ''")
	cw.add("created_at >= " + cw.arg(r.e.t(from)))
	cw.add("created_at < " + cw.arg(r.e.t(until)))
	mw.add("m.created_at >= " + mw.arg(r.e.t(from)))
	mw.add("m.created_at < " + mw.arg(r.e.t(until)))
	bucket := func(counts []int) func(scanner) (struct{}, error) {
		return func(s scanner) (struct{}, error) {
			var t time.Time
			if err := s.Scan(ts{&t}); err != nil {
				return struct{}{}, err
			}
			if i := int(t.Sub(from) / time.Minute); i >= 0 && i < n {
				counts[i]++
			}
			return struct{}{}, nil
		}
	}
	err := r.e.read(ctx, func(q querier) error {
		if _, err := queryAll(ctx, q, bucket(calls), `SELECT created_at FROM calls`+cw.String(), cw.args...); err != nil {
			return err
		}
		_, err := queryAll(ctx, q, bucket(messages), `SELECT m.created_at FROM messages m
			JOIN conversations c ON c.id = m.conversation_id`+mw.String(), mw.args...)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: per-minute stats: %w", err)
	}
	return calls, messages, nil
}
