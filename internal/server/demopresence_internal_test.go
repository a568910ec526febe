package server

import (
	"context"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/presence"
)

type discardPresence struct{}

func (discardPresence) BroadcastUserPresenceUpdated(context.Context, events.UserPresenceUpdated) error {
	return nil
}

// TestDemoPeopleTakeover: what a real socket does to the simulation's
// hold of its user, step by step, on a real Tracker.
func TestDemoPeopleTakeover(t *testing.T) {
	t.Parallel()
	tr := presence.NewTracker(discardPresence{}, time.Hour) // offline after the grace: never within the test
	t.Cleanup(tr.Close)
	d := newDemoPeople(tr)
	p := DemoUsers[2] // demo-sales-1
	status := func() string {
		for _, e := range tr.List(nil) {
			if e.UserID == p.UserID {
				return e.Status
			}
		}
		return ""
	}
	steps := []struct {
		name string
		do   func() bool
		want bool   // what the step reports
		held bool   // whether the simulation holds the user after it
		st   string // the user's status after it
	}{
		{"simulated online", func() bool { return d.connect(p) }, true, true, events.PresenceOnline},
		{"simulated away", func() bool { return d.setStatus(p, events.PresenceAway) }, true, true, events.PresenceAway},
		{"a person signs in", func() bool { tr.Connect(p); d.realConnected(p); return true }, true, false, events.PresenceOnline},
		{"no simulation meanwhile", func() bool { return d.connect(p) }, false, false, events.PresenceOnline},
		{"no status meanwhile", func() bool { return d.setStatus(p, events.PresenceAway) }, false, false, events.PresenceOnline},
		{"the person leaves", func() bool { d.realDisconnected(p.UserID); tr.Disconnect(p.UserID); return true }, true, false, events.PresenceOnline},
		{"simulation resumes", func() bool { return d.connect(p) }, true, true, events.PresenceOnline},
		{"simulated leave", func() bool { return d.disconnect(p.UserID) }, true, false, events.PresenceOnline},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want {
			t.Fatalf("%s: reported %v, want %v", s.name, got, s.want)
		}
		if h := d.holds(p.UserID); h != s.held {
			t.Fatalf("%s: held %v, want %v", s.name, h, s.held)
		}
		if st := status(); st != s.st {
			t.Fatalf("%s: status %q, want %q", s.name, st, s.st)
		}
	}
}
