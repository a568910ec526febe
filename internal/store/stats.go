package store

import (
	"context"
	"time"
)

// QueueStat is the work waiting in one department's queue.
type QueueStat struct {
	Department string
	// Waiting counts the department's tasks that no worker has accepted
	// yet: status pending (not offered) or reserved (offered, not
	// accepted). Assigned and wrapping tasks are being worked on.
	Waiting int
	// OldestAt is when the oldest of them was created.
	OldestAt time.Time
}

// Backlog counts what waits for someone to look at it.
type Backlog struct {
	// VoicemailsUnlistened counts the voicemails with status new.
	VoicemailsUnlistened int
	// ConversationsUnread counts the conversations with an unread
	// message (UnreadCount above zero), not the messages.
	ConversationsUnread int
}

// Counts are the totals of the records created since a time.
//
// A call counts once, by its top-level leg (no ParentSID): the legs an
// agent's phone adds to a call are not calls of their own. A call was
// answered when a status callback said in-progress (applied or late), at
// the earliest such callback's time.
type Counts struct {
	// Calls counts the top-level calls, any direction.
	Calls int
	// MissedCalls counts the inbound calls that ended (a terminal status)
	// without having been answered: busy, no-answer, canceled, failed, or
	// completed without in-progress (left to voicemail).
	MissedCalls int
	// Voicemails counts the voicemails.
	Voicemails int
	// SMSIn and SMSOut count the messages received and sent.
	SMSIn, SMSOut int
	// Answered counts the inbound calls answered, AnsweredWithin those
	// answered at most the threshold after they were created.
	Answered, AnsweredWithin int
}

// CountsQuery selects what Stats.Counts counts.
type CountsQuery struct {
	Scope Scope
	// Since is the start of the period (inclusive).
	Since time.Time
	// AnswerWithin is the service level's threshold (AnsweredWithin).
	AnswerWithin time.Duration
}

// Stats answers the aggregate questions of a supervisor's view. Each
// method reads the records of a scope (by their department; a message by
// its conversation's).
type Stats interface {
	// Queue returns, per department with waiting tasks, how many wait
	// and since when, ordered by department.
	Queue(ctx context.Context, scope Scope) ([]QueueStat, error)
	// Backlog counts the unlistened voicemails and unread conversations.
	Backlog(ctx context.Context, scope Scope) (Backlog, error)
	// Counts counts the calls, voicemails and messages created since
	// q.Since, and the service level of the calls.
	Counts(ctx context.Context, q CountsQuery) (Counts, error)
	// PerMinute counts the calls (top-level legs) and the messages
	// created in each of n minutes from from: calls[i] and messages[i]
	// are those created in [from+i min, from+(i+1) min). n is 1 to 1440.
	PerMinute(ctx context.Context, scope Scope, from time.Time, n int) (calls, messages []int, err error)
}
