package storetest

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

// testConcurrentWebhooks delivers every webhook of several calls and an
// SMS conversation twice, from parallel writers in shuffled orders, as
// Twilio's retries would: each change is reported (emitted) exactly once,
// no update is lost and no transient error surfaces.
func testConcurrentWebhooks(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	conv := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	const calls, messages, writers = 6, 30, 8
	statuses := []string{"initiated", "ringing", "in-progress", "completed"}
	var jobs []func() (emitted bool, err error)
	for i := range calls {
		sid := fmt.Sprintf("CA%d", i)
		for seq, status := range statuses {
			jobs = append(jobs, func() (bool, error) { return statusWebhook(st, t, sid, status, int64(seq)) })
		}
	}
	for i := range messages {
		sid := fmt.Sprintf("SM%02d", i)
		jobs = append(jobs, func() (bool, error) { return smsWebhook(st, t, conv.ID, sid) })
	}
	jobs = append(jobs, jobs...) // every webhook twice

	var (
		next          atomic.Int64
		emitted, errs atomic.Int64
		wg            sync.WaitGroup
	)
	order := permutation(len(jobs))
	for range writers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(jobs)) {
					return
				}
				ok, err := jobs[order[i]]()
				if err != nil {
					errs.Add(1)
					t.Errorf("webhook: %v", err)
				}
				if ok {
					emitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	for i := range calls {
		call := must(st.Calls().Get(c, fmt.Sprintf("CA%d", i))).of(t)
		eq(t, call.SID+" status", call.Status, "completed")
		eq(t, call.SID+" history", len(must(st.Calls().History(c, call.SID)).of(t)), len(statuses))
	}
	got := must(st.Conversations().Get(c, conv.ID)).of(t)
	eq(t, "unread (no lost update)", got.UnreadCount, messages)
	// Each call's status webhooks changed something at least once (its
	// creation) and at most once each; each SMS exactly once.
	if n := emitted.Load(); n < int64(calls+messages) || n > int64(calls*len(statuses)+messages) {
		t.Errorf("emitted %d events, want between %d and %d", n, calls+messages, calls*len(statuses)+messages)
	}
}

// statusWebhook is the /status handler's store work.
func statusWebhook(st store.Store, t *testing.T, sid, status string, seq int64) (changed bool, err error) {
	err = st.WithTx(ctx(t), func(tx store.Tx) error {
		changed = false
		_, first, err := tx.Dedupe().Claim(ctx(t), "status", fmt.Sprintf("%s:%d", sid, seq))
		if err != nil || !first {
			return err
		}
		_, tr, err := tx.Calls().UpdateStatus(ctx(t), store.CallStatusUpdate{SID: sid, Status: status, Sequence: seq,
			Call: store.Call{Direction: "outbound-api", Department: "sales"}})
		changed = tr.Changed
		return err
	})
	return changed, err
}

// smsWebhook is the /sms handler's store work.
func smsWebhook(st store.Store, t *testing.T, convID, sid string) (created bool, err error) {
	err = st.WithTx(ctx(t), func(tx store.Tx) error {
		created = false
		res, err := tx.Messages().Create(ctx(t), inbound(sid, convID, "msg "+sid, at(0)))
		created = res.Created
		return err
	})
	return created, err
}

// permutation is a fixed shuffle of 0…n-1 (a linear congruential walk),
// so that a failure replays.
func permutation(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	x := uint64(42)
	for i := n - 1; i > 0; i-- {
		x = x*6364136223846793005 + 1442695040888963407
		j := int((x >> 33) % uint64(i+1))
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// testConcurrentCounters marks read and receives messages concurrently on
// one conversation, and appends to the activity log from many writers: the
// final counts add up.
func testConcurrentCounters(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	conv := must2(st.Conversations().Ensure(c, ourNumber, customerNumber, "sales")).of(t)
	const writers, each = 6, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				sid := fmt.Sprintf("SM%d-%d", w, i)
				if _, err := st.Messages().Create(c, inbound(sid, conv.ID, sid, at(w*each+i))); err != nil {
					t.Errorf("create: %v", err)
				}
				if _, err := st.Activity().Append(c, entry("ev-"+sid, at(i), "department-sales")); err != nil {
					t.Errorf("append: %v", err)
				}
			}
		})
	}
	wg.Go(func() {
		for range each {
			if _, _, err := st.Conversations().MarkRead(c, conv.ID); err != nil {
				t.Errorf("mark read: %v", err)
			}
		}
	})
	wg.Wait()
	got := must(st.Conversations().Get(c, conv.ID)).of(t)
	if got.UnreadCount < 0 || got.UnreadCount > writers*each {
		t.Errorf("unread = %d", got.UnreadCount)
	}
	_, _, err := st.Conversations().MarkRead(c, conv.ID)
	noErr(t, err)
	for w := range writers {
		_, err := st.Messages().Create(c, inbound(fmt.Sprintf("SMlate%d", w), conv.ID, "late", at(1000+w)))
		noErr(t, err)
	}
	eq(t, "unread after read", must(st.Conversations().Get(c, conv.ID)).of(t).UnreadCount, writers)
	entries := must(st.Activity().List(c, store.ActivityQuery{Rooms: []string{"department-sales"}, Limit: store.MaxPageSize})).of(t)
	eq(t, "activity entries", len(entries), writers*each)
	for _, e := range entries {
		if !strings.HasPrefix(e.ID, "ev-SM") {
			t.Errorf("entry %s", e.ID)
		}
	}
}
