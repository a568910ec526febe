package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

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
		i := 0
		for b.Loop() {
			if err := webhook(fmt.Sprintf("CAbench%d", i), 1); err != nil {
				b.Fatal(err)
			}
			i++
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
