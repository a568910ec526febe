package sqlite_test

import (
	"context"
	"fmt"

	"github.com/kin-comms/kinrt/internal/store"
	_ "github.com/kin-comms/kinrt/internal/store/sqlite"
)

// A /status webhook: claim the dedupe key and apply the status in one
// transaction, then emit only what changed, after the commit. Twilio's
// retry changes nothing and emits nothing; a late, lower-ranked callback
// is kept in the history only.
func Example() {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()

	status := func(callSid, callStatus string, seq int64) {
		var tr store.Transition
		err := st.WithTx(ctx, func(tx store.Tx) error {
			tr = store.Transition{}
			_, first, err := tx.Dedupe().Claim(ctx, "status", fmt.Sprintf("%s:%d", callSid, seq))
			if err != nil || !first {
				return err
			}
			_, tr, err = tx.Calls().UpdateStatus(ctx, store.CallStatusUpdate{SID: callSid, Status: callStatus, Sequence: seq})
			return err
		})
		if err != nil {
			panic(err)
		}
		if tr.Changed {
			fmt.Printf("emit call_status_changed %s → %s\n", tr.Previous, tr.Status)
		} else {
			fmt.Printf("%s (seq %d): nothing to emit\n", callStatus, seq)
		}
	}
	status("CA1", "ringing", 0)
	status("CA1", "completed", 2)
	status("CA1", "completed", 2)   // Twilio's retry
	status("CA1", "in-progress", 1) // arrives late

	history, _ := st.Calls().History(ctx, "CA1")
	for _, h := range history {
		fmt.Println("history:", h.Status, h.Sequence, h.Applied)
	}
	// Output:
	// emit call_status_changed  → ringing
	// emit call_status_changed ringing → completed
	// completed (seq 2): nothing to emit
	// in-progress (seq 1): nothing to emit
	// history: ringing 0 true
	// history: completed 2 true
	// history: in-progress 1 false
}
