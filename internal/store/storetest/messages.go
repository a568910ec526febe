package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

const (
	ourNumber      = "+15550009999"
	customerNumber = "+15550001234"
)

func inbound(sid, convID, body string, when time.Time) store.Message {
	return store.Message{SID: sid, ConversationID: convID, Direction: store.Inbound, From: customerNumber,
		To: ourNumber, Body: body, CreatedAt: when}
}

func testConversationUnread(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	conv, created, err := st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")
	noErr(t, err)
	eq(t, "created", created, true)
	eq(t, "no messages yet", conv.LastMessageAt.IsZero(), true)
	again, created, err := st.Conversations().Ensure(c, ourNumber, customerNumber, "support")
	noErr(t, err)
	eq(t, "created again", created, false)
	eq(t, "same conversation", again.ID, conv.ID)
	eq(t, "department kept", again.Department, "sales")

	steps := []struct {
		msg         store.Message
		created     bool
		unread      int
		preview     string
		lastMessage time.Time
	}{
		{inbound("SM1", conv.ID, "hello", at(10)), true, 1, "hello", at(10)},
		{inbound("SM1", conv.ID, "hello", at(10)), false, 1, "hello", at(10)}, // Twilio's retry
		{inbound("SM2", conv.ID, "", at(20)), true, 2, "", at(20)},
		{store.Message{SID: "SM3", ConversationID: conv.ID, Direction: store.Outbound, Body: "hi, how can we help?",
			SentBy: "u1", CreatedAt: at(30)}, true, 2, "hi, how can we help?", at(30)},
		{inbound("SM0", conv.ID, "an older one arrives late", at(5)), true, 3, "hi, how can we help?", at(30)},
		{inbound("SM4", conv.ID, strings.Repeat("é", 300), at(40)), true, 4, strings.Repeat("é", store.PreviewLength-1) + "…", at(40)},
	}
	steps[2].msg.NumMedia, steps[2].preview = 1, "[media]"
	steps[2].msg.MediaURLs = []string{"https://api.twilio.com/media/ME1"}
	for i, st2 := range steps {
		res, err := st.Messages().Create(c, st2.msg)
		noErr(t, err)
		eq(t, fmt.Sprintf("step %d created", i), res.Created, st2.created)
		eq(t, fmt.Sprintf("step %d unread", i), res.Conversation.UnreadCount, st2.unread)
		eq(t, fmt.Sprintf("step %d preview", i), res.Conversation.LastMessagePreview, st2.preview)
		eq(t, fmt.Sprintf("step %d last message at", i), res.Conversation.LastMessageAt.Equal(st2.lastMessage), true)
		stored := must(st.Conversations().Get(c, conv.ID)).of(t)
		if stored != res.Conversation {
			t.Errorf("step %d: stored %+v, returned %+v", i, stored, res.Conversation)
		}
	}
	m := must(st.Messages().Get(c, "SM2")).of(t)
	if !slices.Equal(m.MediaURLs, []string{"https://api.twilio.com/media/ME1"}) || m.NumMedia != 1 {
		t.Errorf("media: %v %d", m.MediaURLs, m.NumMedia)
	}
	eq(t, "inbound default status", m.Status, store.MessageReceived)
	eq(t, "outbound default status", must(st.Messages().Get(c, "SM3")).of(t).Status, store.MessageQueued)

	read, changed, err := st.Conversations().MarkRead(c, conv.ID)
	noErr(t, err)
	eq(t, "mark read changed", changed, true)
	eq(t, "unread after read", read.UnreadCount, 0)
	_, changed, err = st.Conversations().MarkRead(c, conv.ID)
	noErr(t, err)
	eq(t, "mark read twice changed", changed, false)
	_, _, err = st.Conversations().MarkRead(c, "nope")
	wantErr(t, err, store.ErrNotFound)

	assigned, changed, err := st.Conversations().Assign(c, conv.ID, "u9")
	noErr(t, err)
	eq(t, "assign changed", changed, true)
	eq(t, "assignee", assigned.AssignedTo, "u9")
	_, changed, err = st.Conversations().Assign(c, conv.ID, "u9")
	noErr(t, err)
	eq(t, "assign again changed", changed, false)
	_, _, err = st.Conversations().Ensure(c, "", customerNumber, "sales")
	wantErr(t, err, store.ErrInvalid)
}

func testConversationList(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	var ids []string
	for i, dep := range []string{"sales", "support", "sales", "sales"} {
		conv := must2(st.Conversations().Ensure(c, ourNumber, fmt.Sprintf("+1555000%04d", i), dep)).of(t)
		ids = append(ids, conv.ID)
	}
	// A conversation without messages sorts by its creation (now, after
	// the messages' times); the others by their last message.
	_, err := st.Messages().Create(c, inbound("SMa", ids[0], "a", at(1)))
	noErr(t, err)
	_, err = st.Messages().Create(c, inbound("SMb", ids[2], "b", at(2)))
	noErr(t, err)
	_, _, err = st.Conversations().Assign(c, ids[3], "u1")
	noErr(t, err)

	p := must(st.Conversations().List(c, store.ConversationFilter{Scope: store.InDepartments("sales")})).of(t)
	var got []string
	for _, conv := range p.Items {
		got = append(got, conv.ID)
	}
	want := []string{ids[3], ids[2], ids[0]}
	if !slices.Equal(got, want) {
		t.Errorf("sales conversations: got %v, want %v", got, want)
	}
	if len(p.Items) == 3 {
		eq(t, "unread of 2", p.Items[1].UnreadCount, 1)
	}

	all := collectConversations(t, st, store.ConversationFilter{Scope: store.AllDepartments(), Limit: 1})
	eq(t, "all conversations", len(all), 4)
	mine := must(st.Conversations().List(c, store.ConversationFilter{Scope: store.AllDepartments(), AssignedTo: "u1"})).of(t)
	eq(t, "assigned to u1", len(mine.Items), 1)
	none := must(st.Conversations().List(c, store.ConversationFilter{})).of(t)
	eq(t, "empty scope", len(none.Items), 0)
}

func collectConversations(t *testing.T, st store.Store, f store.ConversationFilter) []store.Conversation {
	t.Helper()
	var all []store.Conversation
	for range 100 {
		p := must(st.Conversations().List(ctx(t), f)).of(t)
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	return all
}

func testMessagePagination(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	conv := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	other := must2(st.Conversations().Ensure(c, ourNumber, "+15550000000", "sales")).of(t)
	const n = 17
	for i := range n {
		when := at(i / 3) // three messages share each time: ties broken by sid
		_, err := st.Messages().Create(c, inbound(fmt.Sprintf("SM%02d", i), conv.ID, "m", when))
		noErr(t, err)
	}
	_, err := st.Messages().Create(c, inbound("SMother", other.ID, "elsewhere", at(100)))
	noErr(t, err)

	f := store.MessageFilter{ConversationID: conv.ID, Limit: 4}
	var got []store.Message
	for range 100 {
		p := must(st.Messages().List(c, f)).of(t)
		got = append(got, p.Items...)
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
		// a new message arrives between pages: it is newer, never seen
		_, err := st.Messages().Create(c, inbound(fmt.Sprintf("SMnew%d", len(got)), conv.ID, "new", at(200+len(got))))
		noErr(t, err)
	}
	eq(t, "messages paged", len(got), n)
	seen := map[string]bool{}
	for i, m := range got {
		if seen[m.SID] {
			t.Errorf("%s twice", m.SID)
		}
		seen[m.SID] = true
		if m.ConversationID != conv.ID {
			t.Errorf("%s belongs to %s", m.SID, m.ConversationID)
		}
		if i > 0 && (m.CreatedAt.After(got[i-1].CreatedAt) ||
			(m.CreatedAt.Equal(got[i-1].CreatedAt) && m.SID > got[i-1].SID)) {
			t.Errorf("not newest first at %d", i)
		}
	}
	_, err = st.Messages().List(c, store.MessageFilter{ConversationID: conv.ID, Cursor: "bad!"})
	wantErr(t, err, store.ErrInvalid)
}

func testMessageOutOfOrder(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	conv := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	orders := []struct {
		name     string
		statuses []string
		final    string
		changed  []bool
	}{
		{"in order", []string{"sending", "sent", "delivered", "read"}, "read", []bool{true, true, true, true}},
		{"delivered first", []string{"delivered", "sent", "sending"}, "delivered", []bool{true, false, false}},
		{"failed is terminal", []string{"sent", "failed", "delivered"}, "failed", []bool{true, true, false}},
		{"undelivered after delivered", []string{"delivered", "undelivered"}, "undelivered", []bool{true, true}},
		{"retries", []string{"sent", "sent", "delivered", "delivered"}, "delivered", []bool{true, false, true, false}},
		{"queued is not a step back", []string{"queued"}, "queued", []bool{false}},
	}
	for i, tc := range orders {
		sid := fmt.Sprintf("SMout%d", i)
		res, err := st.Messages().Create(c, store.Message{SID: sid, ConversationID: conv.ID, Direction: store.Outbound,
			Body: "x", SentBy: "u1", CreatedAt: at(i)})
		noErr(t, err)
		eq(t, tc.name+": initial", res.Message.Status, store.MessageQueued)
		for j, status := range tc.statuses {
			code := ""
			if status == "failed" || status == "undelivered" {
				code = "30003"
			}
			m, tr, err := st.Messages().UpdateStatus(c, store.MessageStatusUpdate{SID: sid, Status: status, ErrorCode: code})
			noErr(t, err)
			if tr.Changed != tc.changed[j] {
				t.Errorf("%s: %s changed = %v, want %v", tc.name, status, tr.Changed, tc.changed[j])
			}
			eq(t, tc.name+": returned status", m.Status, tr.Status)
		}
		m := must(st.Messages().Get(c, sid)).of(t)
		eq(t, tc.name+": final", m.Status, tc.final)
		h := must(st.Messages().History(c, sid)).of(t)
		distinct := map[string]bool{store.MessageQueued: true}
		for _, s := range tc.statuses {
			distinct[s] = true
		}
		eq(t, tc.name+": history", len(h), len(distinct))
	}
	m := must(st.Messages().Get(c, "SMout2")).of(t)
	eq(t, "error code", m.ErrorCode, "30003")
}

func testMessageBadInput(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	conv := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	_, err := st.Messages().Create(c, inbound("SM1", "no-such-conversation", "x", at(0)))
	wantErr(t, err, store.ErrNotFound)
	for _, m := range []store.Message{
		inbound("", conv.ID, "x", at(0)),
		{SID: "SM1", ConversationID: conv.ID, Direction: "sideways"},
		{SID: "SM1", ConversationID: conv.ID, Direction: store.Inbound, Status: "teleported"},
		{SID: "SM1", Direction: store.Inbound},
	} {
		_, err := st.Messages().Create(c, m)
		wantErr(t, err, store.ErrInvalid)
	}
	_, _, err = st.Messages().UpdateStatus(c, store.MessageStatusUpdate{SID: "SM404", Status: "sent"})
	wantErr(t, err, store.ErrNotFound)
	_, _, err = st.Messages().UpdateStatus(c, store.MessageStatusUpdate{SID: "SM404", Status: "lost"})
	wantErr(t, err, store.ErrInvalid)
	_, err = st.Messages().Get(c, "SM404")
	wantErr(t, err, store.ErrNotFound)
}

// Status callbacks are for outbound messages: one naming an inbound
// message changes nothing and records nothing, whatever its status.
func testMessageInboundStatus(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	conv := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	in := must(st.Messages().Create(c, inbound("SMin", conv.ID, "hello", at(1)))).of(t).Message
	for _, status := range []string{store.MessageFailed, store.MessageUndelivered, store.MessageRead,
		store.MessageDelivered, store.MessageReceived, store.MessageQueued} {
		m, tr, err := st.Messages().UpdateStatus(c, store.MessageStatusUpdate{SID: "SMin", Status: status, ErrorCode: "30003"})
		noErr(t, err)
		want := store.Transition{Previous: store.MessageReceived, Status: store.MessageReceived, Ignored: true}
		if tr != want {
			t.Errorf("%s: transition %+v, want %+v", status, tr, want)
		}
		if !reflect.DeepEqual(m, in) {
			t.Errorf("%s: returned %+v, want the message unchanged %+v", status, m, in)
		}
	}
	got := must(st.Messages().Get(c, "SMin")).of(t)
	if !reflect.DeepEqual(got, in) {
		t.Errorf("stored %+v, want %+v", got, in)
	}
	eq(t, "history", len(must(st.Messages().History(c, "SMin")).of(t)), 1)
	eq(t, "unread", must(st.Conversations().Get(c, conv.ID)).of(t).UnreadCount, 1)
}
