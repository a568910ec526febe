package limit

import (
	"sync"
	"testing"
)

func TestSlots(t *testing.T) {
	t.Parallel()
	s := NewSlots(2)
	a1, a2 := s.Acquire("ann"), s.Acquire("ann")
	if a1 == nil || a2 == nil {
		t.Fatal("two slots of two refused")
	}
	if s.Acquire("ann") != nil {
		t.Fatal("a third slot of two given")
	}
	if s.Acquire("bob") == nil {
		t.Fatal("another key refused")
	}
	a1.Release()
	a1.Release() // twice: no effect
	if s.Held("ann") != 1 {
		t.Fatalf("held %d after a release, want 1", s.Held("ann"))
	}
	if s.Acquire("ann") == nil {
		t.Fatal("a released slot was not given again")
	}
	if u := NewSlots(0); u.Acquire("x") == nil || u.Acquire("x") == nil {
		t.Fatal("unlimited slots refused")
	}
}

func TestSlotsConcurrent(t *testing.T) {
	t.Parallel()
	s := NewSlots(3)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []*Slot
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sl := s.Acquire("ann"); sl != nil {
				mu.Lock()
				got = append(got, sl)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != 3 {
		t.Fatalf("50 concurrent acquires of 3 slots: %d given", len(got))
	}
	for _, sl := range got {
		sl.Release()
	}
	if s.Held("ann") != 0 || len(s.n) != 0 {
		t.Fatalf("after releasing all: held %d, %d keys kept", s.Held("ann"), len(s.n))
	}
}
