package limit

import "sync"

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
func (s *Slots) Acquire(key string) *Slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max > 0 && s.n[key] >= s.max {
		return nil
	}
	s.n[key]++
	return &Slot{s: s, key: key}
}

// Held returns the slots key holds.
func (s *Slots) Held(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[key]
}

// Slot is one slot of a key.
type Slot struct {
	s    *Slots
	key  string
	once sync.Once
}

// Release gives the slot back; later calls do nothing.
func (sl *Slot) Release() {
	sl.once.Do(func() {
		s := sl.s
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.n[sl.key] <= 1 {
			delete(s.n, sl.key) // the map holds only keys in use
			return
		}
		s.n[sl.key]--
	})
}
