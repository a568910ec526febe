package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/store"
)

// NewURL returns the database URL of a fresh, empty database that lives
// until the test ends; opening it twice must reach the same data.
type NewURL func(t *testing.T) string

// suite runs the tests against one backend.
type suite struct{ newURL NewURL }

// Run runs the whole suite, each test in parallel on a database of its own.
func Run(t *testing.T, newURL NewURL) {
	s := suite{newURL: newURL}
	tests := []struct {
		name string
		fn   func(t *testing.T, s suite)
	}{
		{"Calls/CreateIsIdempotent", testCallCreateIdempotent},
		{"Calls/OutOfOrderCallbacks", testCallOutOfOrder},
		{"Calls/StatusCallbackCreatesCall", testCallStatusCreates},
		{"Calls/TerminalTiebreakBySequence", testCallTerminalTiebreak},
		{"Calls/CreateRace", testCallCreateRace},
		{"Calls/BadInput", testCallBadInput},
		{"Recordings/Lifecycle", testRecordings},
		{"Voicemails/CreateGetUpdate", testVoicemailCreateGetUpdate},
		{"Voicemails/ListScopeAndFilters", testVoicemailList},
		{"Voicemails/Pagination", testVoicemailPagination},
		{"Voicemails/PaginationStableUnderInserts", testVoicemailPaginationInserts},
		{"Voicemails/BadCursor", testVoicemailBadCursor},
		{"Conversations/EnsureAndUnread", testConversationUnread},
		{"Conversations/ListScope", testConversationList},
		{"Messages/Pagination", testMessagePagination},
		{"Messages/OutOfOrderStatus", testMessageOutOfOrder},
		{"Messages/BadInput", testMessageBadInput},
		{"Messages/InboundIgnoresStatus", testMessageInboundStatus},
		{"Tasks/UpsertAndStale", testTaskUpsert},
		{"Tasks/Reservations", testReservations},
		{"Tasks/ListOpen", testTaskListOpen},
		{"Workers/UpsertDerivedStatus", testWorkerUpsert},
		{"Workers/ListAndUser", testWorkerList},
		{"Activity/AppendAndFilter", testActivity},
		{"Activity/SinceAndAfter", testActivitySince},
		{"Activity/Prune", testActivityPrune},
		{"Dedupe/Claim", testDedupe},
		{"Stats/Queue", testStatsQueue},
		{"Stats/Backlog", testStatsBacklog},
		{"Stats/Counts", testStatsCounts},
		{"Stats/PerMinute", testStatsPerMinute},
		{"Text/NULAndInvalidUTF8", testTextStored},
		{"Tx/CommitsTogether", testTxCommit},
		{"Tx/RollsBackTogether", testTxRollback},
		{"Time/Precision", testTimePrecision},
		{"Concurrency/Webhooks", testConcurrentWebhooks},
		{"Concurrency/Counters", testConcurrentCounters},
		{"Durability/CloseReopen", testReopen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, s)
		})
	}
}

// open returns a new store on a fresh database, closed when the test ends.
func (s suite) open(t *testing.T) store.Store {
	t.Helper()
	st, _ := s.openURL(t)
	return st
}

// openURL is open, also returning the URL to reopen it.
func (s suite) openURL(t *testing.T) (store.Store, string) {
	t.Helper()
	url := s.newURL(t)
	return reopen(t, url), url
}

// reopen opens the store of a URL, closed when the test ends.
func reopen(t *testing.T, url string) store.Store {
	t.Helper()
	st, err := store.Open(ctx(t), url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return st
}

// ctx is the test's context, bounded so that a deadlock fails the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// t0 is the suite's base time; times are built from it.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func at(seconds int) time.Time { return t0.Add(time.Duration(seconds) * time.Second) }

// result is a value and its error, checked by of.
type result[T any] struct {
	v   T
	err error
}

// must pairs a call's results for of: must(st.Calls().Get(c, sid)).of(t).
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

// must2 is must for calls that also report a bool (created).
func must2[T any](v T, _ bool, err error) result[T] { return result[T]{v, err} }

// of returns the value, failing the test on an error.
func (r result[T]) of(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }
