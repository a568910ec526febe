package limit

import (
	"testing"
	"time"
)

func TestSlots(t *testing.T) {
	t.Parallel()
	s := NewSlots(2)
	a1, a2 := s.Acquire("ann", 0), s.Acquire("ann", 0)
	if a1 == nil || a2 == nil {
		t.Fatal("two slots of two refused")
	}
	if s.Acquire("ann", 0) != nil {
		t.Fatal("a third slot of two given")
	}
	if s.Acquire("bob", 0) == nil {
		t.Fatal("another key refused")
	}
	a1.Release()
	a1.Release() // twice: no effect
	if s.Held("ann") != 1 {
		t.Fatalf("held %d after a release, want 1", s.Held("ann"))
	}
	if s.Acquire("ann", 0) == nil {
		t.Fatal("a released slot was not given again")
	}
	if u := NewSlots(0); u.Acquire("x", 0) == nil || u.Acquire("x", 0) == nil {
		t.Fatal("unlimited slots refused")
	}
}

func TestSlotHold(t *testing.T) {
	t.Parallel()
	s := NewSlots(1)
	sl := s.Acquire("ann", time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for s.Held("ann") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("an unconfirmed slot was never released")
		}
		time.Sleep(time.Millisecond)
	}
	if sl.Confirm() {
		t.Fatal("Confirm succeeded on an expired slot")
	}
	kept := s.Acquire("ann", time.Hour)
	if !kept.Confirm() {
		t.Fatal("Confirm failed on a fresh slot")
	}
	if s.Acquire("ann", 0) != nil {
		t.Fatal("a confirmed slot was not counted")
	}
	kept.Release()
	if s.Held("ann") != 0 {
		t.Fatal("Release of a confirmed slot did not give it back")
	}
}
