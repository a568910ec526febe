package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewIDSortsByTime(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 50 {
		id := NewID(base.Add(time.Duration(i) * time.Millisecond))
		if len(id) != 26 || strings.Trim(id, crockford) != "" {
			t.Fatalf("id %q: want 26 Crockford base32 characters", id)
		}
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("ids of increasing times are not sorted: %v", ids)
	}
	if NewID(base) == NewID(base) {
		t.Error("two ids of one millisecond are equal")
	}
}

func TestRanks(t *testing.T) {
	calls := []string{"queued", "initiated", "ringing", "in-progress", "completed"}
	for i := 1; i < len(calls); i++ {
		a, _ := CallStatusRank(calls[i-1])
		b, _ := CallStatusRank(calls[i])
		if a >= b {
			t.Errorf("call %s (%d) not below %s (%d)", calls[i-1], a, calls[i], b)
		}
	}
	for _, s := range []string{"completed", "busy", "no-answer", "failed", "canceled"} {
		if !IsTerminalCallStatus(s) {
			t.Errorf("%s is not terminal", s)
		}
	}
	msgs := []string{"accepted", "queued", "sending", "sent", "delivered", "read", "failed"}
	for i := 1; i < len(msgs); i++ {
		a, _ := MessageStatusRank(msgs[i-1])
		b, _ := MessageStatusRank(msgs[i])
		if a >= b {
			t.Errorf("message %s (%d) not below %s (%d)", msgs[i-1], a, msgs[i], b)
		}
	}
	if a, _ := MessageStatusRank("scheduled"); a != 1 {
		t.Errorf("scheduled ranks %d, want accepted's", a)
	}
	for _, s := range []string{"failed", "undelivered", "canceled"} {
		if !IsTerminalMessageStatus(s) {
			t.Errorf("%s is not terminal", s)
		}
	}
	if _, ok := CallStatusRank("answered"); ok {
		t.Error("answered is an event name, not a CallStatus")
	}
	if a, _ := RecordingStatusRank("in-progress"); a != 1 {
		t.Errorf("in-progress ranks %d", a)
	}
}

func TestPageSize(t *testing.T) {
	for in, want := range map[int]int{-1: DefaultPageSize, 0: DefaultPageSize, 1: 1, 200: 200, 201: MaxPageSize} {
		if got := PageSize(in); got != want {
			t.Errorf("PageSize(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestDeriveWorkerStatus(t *testing.T) {
	tests := []struct {
		available  bool
		activity   string
		atCapacity bool
		want       string
	}{
		{true, "Available", false, WorkerAvailable},
		{true, "Available", true, WorkerBusy},
		{false, "Offline", false, WorkerOffline},
		{false, " offline ", false, WorkerOffline},
		{false, "", false, WorkerOffline},
		{false, "Break", false, WorkerBusy},
		{false, "Wrap-up", false, WorkerBusy},
	}
	for _, tc := range tests {
		if got := DeriveWorkerStatus(tc.available, tc.activity, tc.atCapacity); got != tc.want {
			t.Errorf("%v %q %v: %s, want %s", tc.available, tc.activity, tc.atCapacity, got, tc.want)
		}
	}
}

func TestOpenWithoutBackend(t *testing.T) {
	for _, url := range []string{"sqlite:x.db", "mysql://x", "", "no-scheme"} {
		_, err := Open(context.Background(), url)
		if err == nil {
			t.Errorf("%q: opened", url)
		}
	}
	_, err := Open(context.Background(), "")
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("empty URL: %v", err)
	}
	_, err = Open(context.Background(), "sqlite:x.db")
	if err == nil || !strings.Contains(err.Error(), "import internal/store/sqlite") {
		t.Errorf("unregistered backend: %v", err)
	}
}

func TestTruncate(t *testing.T) {
	in := time.Date(2025, 1, 1, 0, 0, 0, 123456789, time.FixedZone("x", 3600))
	got := Truncate(in)
	if got.Location() != time.UTC || got.Nanosecond() != 123456000 || !got.Equal(in.Truncate(time.Microsecond)) {
		t.Errorf("Truncate = %v", got)
	}
}
