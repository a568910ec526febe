package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

// Errors say what failed, with the record's key, and wrap the sentinels.
func TestErrorMessages(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.Calls().Get(ctx, "CA404")
	if !errors.Is(err, store.ErrNotFound) || err.Error() != "store: get call CA404: not found" {
		t.Errorf("get: %v", err)
	}
	_, err = st.Voicemails().List(ctx, store.VoicemailFilter{Scope: store.AllDepartments(), Cursor: "x!"})
	if !errors.Is(err, store.ErrInvalid) || err.Error() != "store: list voicemails: invalid input: cursor: not base64url" {
		t.Errorf("list: %v", err)
	}
	_, _, err = st.Calls().UpdateStatus(ctx, store.CallStatusUpdate{SID: "CA1", Status: "answered"})
	if !errors.Is(err, store.ErrInvalid) || err.Error() != `store: update call CA1 to answered: invalid input: unknown call status "answered"` {
		t.Errorf("update: %v", err)
	}
	mine := errors.New("mine")
	if err := st.WithTx(ctx, func(store.Tx) error { return mine }); err != mine {
		t.Errorf("WithTx changed fn's error: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	err = st.WithTx(canceled, func(store.Tx) error { return nil })
	if !errors.Is(err, context.Canceled) || err.Error() != "store: with tx: begin: context canceled" {
		t.Errorf("canceled: %v", err)
	}
}
