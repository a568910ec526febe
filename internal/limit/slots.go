package limit

import (
	"sync"
	"time"
)

// Slots counts what each key holds at once (a user's connections) and
// refuses more than Max. The zero Max is unlimited.
type Slots struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

// NewSlots returns a counter allowing max slots per key (0: unlimited).
func NewSlots(max int) *Slots { return &Slots{max: max, n: make(map[string]int)} }

// Max returns the slots allowed per key.
func (s *Slots) Max() int { return s.max }

// Acquire takes a slot of key, or returns nil when key holds Max already.
// Release the slot when done; a slot not confirmed within hold is
// released by itself (hold <= 0: never), so that an operation abandoned
// between Acquire and Confirm does not leak it.
func (s *Slots) Acquire(key string, hold time.Duration) *Slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max > 0 && s.n[key] >= s.max {
		return nil
	}
	s.n[key]++
	sl := &Slot{s: s, key: key}
	if hold > 0 {
		sl.mu.Lock() // the timer may fire before the assignment
		sl.timer = time.AfterFunc(hold, sl.expire)
		sl.mu.Unlock()
	}
	return sl
}

// Held returns the slots key holds.
func (s *Slots) Held(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[key]
}

func (s *Slots) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[key] <= 1 {
		delete(s.n, key)
		return
	}
	s.n[key]--
}

// Slot is one slot of a key.
type Slot struct {
	s         *Slots
	key       string
	timer     *time.Timer
	mu        sync.Mutex
	confirmed bool
	released  bool
}

// Confirm keeps the slot until Release. It reports false if the slot was
// already released (its hold expired, or Release was called).
func (sl *Slot) Confirm() bool {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.released {
		return false
	}
	sl.confirmed = true
	if sl.timer != nil {
		sl.timer.Stop()
	}
	return true
}

// expire releases a slot that was never confirmed.
func (sl *Slot) expire() { sl.release(true) }

// Release gives the slot back; later calls do nothing.
func (sl *Slot) Release() { sl.release(false) }

func (sl *Slot) release(onlyUnconfirmed bool) {
	sl.mu.Lock()
	if sl.released || (onlyUnconfirmed && sl.confirmed) {
		sl.mu.Unlock()
		return
	}
	sl.released = true
	if sl.timer != nil {
		sl.timer.Stop()
	}
	sl.mu.Unlock()
	sl.s.release(sl.key)
}
