package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

// webhook is what the recording webhook does for a voicemail, in one
// transaction; it returns what the caller would emit.
func recordingWebhook(st store.Store, t *testing.T, recordingSID string, fail error) (emits []string, err error) {
	err = st.WithTx(ctx(t), func(tx store.Tx) error {
		emits = emits[:0] // a retried transaction starts over
		_, first, err := tx.Dedupe().Claim(ctx(t), "recording", recordingSID+":completed")
		if err != nil || !first {
			return err
		}
		_, tr, err := tx.Recordings().UpdateStatus(ctx(t), store.RecordingUpdate{SID: recordingSID,
			Kind: store.RecordingKindVoicemail, CallSID: "CA1", Status: "completed", DurationSeconds: 9})
		if err != nil {
			return err
		}
		if tr.Changed {
			emits = append(emits, "call_recording_available")
		}
		_, created, err := tx.Voicemails().Create(ctx(t), store.Voicemail{CallSID: "CA1", RecordingSID: recordingSID, Department: "sales"})
		if err != nil {
			return err
		}
		if created {
			emits = append(emits, "voicemail_created")
		}
		return fail
	})
	if err != nil {
		return nil, err
	}
	return emits, nil
}

func testTxCommit(t *testing.T, s suite) {
	st := s.open(t)
	emits, err := recordingWebhook(st, t, "RE1", nil)
	noErr(t, err)
	eq(t, "first delivery emits", len(emits), 2)
	emits, err = recordingWebhook(st, t, "RE1", nil)
	noErr(t, err)
	eq(t, "retry emits", len(emits), 0)
	p := must(st.Voicemails().List(ctx(t), store.VoicemailFilter{Scope: store.AllDepartments()})).of(t)
	eq(t, "voicemails", len(p.Items), 1)
	err = st.WithTx(ctx(t), nil)
	wantErr(t, err, store.ErrInvalid)
}

func testTxRollback(t *testing.T, s suite) {
	st := s.open(t)
	boom := errors.New("boom")
	_, err := recordingWebhook(st, t, "RE1", boom)
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx returned %v, want fn's error", err)
	}
	c := ctx(t)
	_, err = st.Recordings().Get(c, "RE1", store.RecordingKindVoicemail)
	wantErr(t, err, store.ErrNotFound)
	p := must(st.Voicemails().List(c, store.VoicemailFilter{Scope: store.AllDepartments()})).of(t)
	eq(t, "voicemails after rollback", len(p.Items), 0)
	// The dedupe claim rolled back too: Twilio's retry is processed.
	emits, err := recordingWebhook(st, t, "RE1", nil)
	noErr(t, err)
	eq(t, "retry after a failure emits", len(emits), 2)
}

func testTimePrecision(t *testing.T, s suite) {
	st := s.open(t)
	c := ctx(t)
	local := time.FixedZone("UTC-5", -5*3600)
	when := time.Date(2025, 12, 31, 19, 59, 59, 123456789, local)
	vm := must2(st.Voicemails().Create(c, store.Voicemail{RecordingSID: "RE1", CreatedAt: when})).of(t)
	got := must(st.Voicemails().Get(c, vm.ID)).of(t)
	want := time.Date(2026, 1, 1, 0, 59, 59, 123456000, time.UTC)
	if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created at %v, want %v in UTC (microseconds kept)", got.CreatedAt, want)
	}
	if got.CreatedAt != vm.CreatedAt {
		t.Errorf("stored %v, returned %v", got.CreatedAt, vm.CreatedAt)
	}
	if got.UpdatedAt.IsZero() || time.Since(got.UpdatedAt) > time.Minute {
		t.Errorf("updated at %v, want about now", got.UpdatedAt)
	}
}
