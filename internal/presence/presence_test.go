package presence

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

type published chan events.UserPresenceUpdated

func (p published) BroadcastUserPresenceUpdated(_ context.Context, e events.UserPresenceUpdated) error {
	p <- e
	return nil
}

func (p published) next(t *testing.T) events.UserPresenceUpdated {
	t.Helper()
	select {
	case e := <-p:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no presence event")
	}
	return events.UserPresenceUpdated{}
}

func (p published) none(t *testing.T) {
	t.Helper()
	select {
	case e := <-p:
		t.Fatalf("unexpected presence event %+v", e)
	default:
	}
}

var ann = auth.Principal{UserID: "u1", Name: "Ann", Role: "agent", Department: "sales"}

func TestTabsCountOnce(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	tr := NewTracker(pub, 20*time.Millisecond)
	defer tr.Close()
	start := time.Now()

	tr.Connect(ann)
	first := pub.next(t)
	if e := first; e.Status != "online" || e.UserID != "u1" || e.Department != "sales" || e.Version < start.UnixMilli() {
		t.Fatalf("first connection: %+v", e)
	}
	tr.Connect(ann) // second tab
	tr.Disconnect("u1")
	pub.none(t)
	if l := tr.List(nil); len(l) != 1 || l[0].Status != "online" {
		t.Fatalf("list with one tab left: %+v", l)
	}
	tr.Disconnect("u1")
	if e := pub.next(t); e.Status != "offline" || e.Version <= first.Version {
		t.Fatalf("last tab gone: %+v", e)
	}
	pub.none(t)
}

func TestReconnectWithinGraceIsSilent(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	tr := NewTracker(pub, time.Hour)
	defer tr.Close()
	tr.Connect(ann)
	pub.next(t)
	tr.Disconnect("u1")
	tr.Connect(ann) // a reload
	pub.none(t)
	if l := tr.List(nil); l[0].Status != "online" {
		t.Fatalf("after reload: %+v", l)
	}
}

func TestSetStatus(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	tr := NewTracker(pub, 10*time.Millisecond)
	defer tr.Close()
	if _, err := tr.SetStatus(ann, "offline"); !errors.Is(err, ErrStatus) {
		t.Fatalf("SetStatus(offline) = %v", err)
	}
	// Chosen while offline: seen once the user connects.
	if e, _ := tr.SetStatus(ann, "busy"); e.Status != "offline" {
		t.Fatalf("status while offline: %+v", e)
	}
	pub.none(t)
	tr.Connect(ann)
	if e := pub.next(t); e.Status != "busy" {
		t.Fatalf("connect with a chosen status: %+v", e)
	}
	tr.SetStatus(ann, "away")
	if e := pub.next(t); e.Status != "away" {
		t.Fatalf("away: %+v", e)
	}
	tr.SetStatus(ann, "away")
	pub.none(t)
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	pub := make(published, 10)
	tr := NewTracker(pub, time.Hour)
	defer tr.Close()
	tr.Connect(ann)
	tr.Connect(auth.Principal{UserID: "u2", Name: "Bob", Role: "agent", Department: "support"})
	sales := tr.List(func(e Entry) bool { return e.Department == "sales" })
	if len(sales) != 1 || sales[0].UserID != "u1" {
		t.Fatalf("sales: %+v", sales)
	}
	if all := tr.List(nil); len(all) != 2 || all[0].Name != "Ann" {
		t.Fatalf("all: %+v", all)
	}
}

// A restarted node (a new Tracker) publishes versions higher than the
// ones its previous run published, which clients may still hold.
func TestVersionsOutliveARestart(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	pub := make(published, 10)
	before := NewTracker(pub, time.Millisecond)
	before.now = func() time.Time { return t0 }
	before.Connect(ann)
	before.Disconnect("u1")
	before.Connect(ann) // within the grace period or not: versions only grow
	_, _ = before.SetStatus(ann, "away")
	_, _ = before.SetStatus(ann, "busy")
	var last int64
	for len(pub) > 0 {
		e := <-pub
		if e.Version <= last {
			t.Fatalf("version %d after %d", e.Version, last)
		}
		last = e.Version
	}
	before.Close()

	after := NewTracker(pub, time.Millisecond)
	defer after.Close()
	after.now = func() time.Time { return t0.Add(2 * time.Second) } // the restart took 2s
	after.Connect(ann)
	if e := pub.next(t); e.Version <= last {
		t.Fatalf("after the restart: version %d, before it %d", e.Version, last)
	}
}
