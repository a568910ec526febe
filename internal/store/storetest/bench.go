package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

// benchSeq numbers the keys of the benchmarks' new records: with -count,
// a sub-benchmark runs again on the same store, and its keys must still be
// new.
var benchSeq atomic.Int64

// BenchmarkCallStatus measures the store work of one /status webhook:
// claim the dedupe key and apply the status, in one transaction. "new"
// delivers a new callback each time; "retry" delivers the same one again
// (the idempotent path: the claim finds it and nothing else is written).
func BenchmarkCallStatus(b *testing.B, st store.Store) {
	ctx := context.Background()
	webhook := func(sid string, seq int64) error {
		return st.WithTx(ctx, func(tx store.Tx) error {
			_, first, err := tx.Dedupe().Claim(ctx, "status", fmt.Sprintf("%s:%d", sid, seq))
			if err != nil || !first {
				return err
			}
			_, _, err = tx.Calls().UpdateStatus(ctx, store.CallStatusUpdate{SID: sid, Status: "in-progress", Sequence: seq,
				Call: store.Call{Direction: "inbound", From: "+15550001111", To: "+15550002222", Department: "sales"}})
			return err
		})
	}
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := webhook(fmt.Sprintf("CAbench%d", benchSeq.Add(1)), 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("retry", func(b *testing.B) {
		b.ReportAllocs()
		if err := webhook("CAretry", 1); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := webhook("CAretry", 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSMSWebhook measures the store work of one inbound SMS webhook
// and the activity entries of the events it emits, in one transaction:
// claim the dedupe key, ensure the conversation (one of 100 customers, so
// mostly an existing one), create the message, and append two activity
// entries (message_received and conversation_updated).
func BenchmarkSMSWebhook(b *testing.B, st store.Store) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		i := benchSeq.Add(1)
		sid := fmt.Sprintf("SMbench%d", i)
		customer := fmt.Sprintf("+1555000%04d", i%100)
		err := st.WithTx(ctx, func(tx store.Tx) error {
			_, first, err := tx.Dedupe().Claim(ctx, "sms", sid)
			if err != nil || !first {
				return err
			}
			conv, _, err := tx.Conversations().Ensure(ctx, "+15550009999", customer, "sales")
			if err != nil {
				return err
			}
			res, err := tx.Messages().Create(ctx, store.Message{SID: sid, ConversationID: conv.ID, Direction: store.Inbound,
				From: customer, To: "+15550009999", Body: "hello there", Status: store.MessageReceived})
			if err != nil {
				return err
			}
			rooms := []string{"department:sales", "conversation:" + conv.ID}
			if _, err := tx.Activity().Append(ctx, store.ActivityEntry{ID: "ev-" + sid + "-1", Type: "message_received",
				Rooms: rooms, Payload: []byte(`{"messageSid":"` + sid + `"}`)}); err != nil {
				return err
			}
			_, err = tx.Activity().Append(ctx, store.ActivityEntry{ID: "ev-" + sid + "-2", Type: "conversation_updated",
				Rooms: rooms, Payload: []byte(`{"unreadCount":` + fmt.Sprint(res.Conversation.UnreadCount) + `}`)})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
