package cluster

import (
	"sync"
	"time"
)

// SkipTTL is how long Skips remembers a logged packet that a recovery
// delivered before the packet's live message came: longer than any message
// takes to arrive.
const SkipTTL = time.Minute

// Skips remembers, by offset, the sockets that got a logged packet while
// they recovered (the adapter's Rejoin, reading the log), so that the
// packet's live delivery, which may come after, leaves them out. The
// adapters that keep recovery across nodes share it. The zero value is
// ready to use; its methods are safe for concurrent use.
type Skips struct {
	mu sync.Mutex
	m  map[string]*skipped
}

// skipped are the sockets that got one packet on recovery, and when.
type skipped struct {
	at  time.Time
	ids []string
}

// Add remembers that socket id got the packet at offset at now.
func (k *Skips) Add(offset, id string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = make(map[string]*skipped)
	}
	s := k.m[offset]
	if s == nil {
		s = &skipped{at: now}
		k.m[offset] = s
	}
	s.ids = append(s.ids, id)
}

// Prune forgets the packets remembered more than SkipTTL before now.
func (k *Skips) Prune(now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for off, s := range k.m {
		if now.Sub(s.at) > SkipTTL {
			delete(k.m, off)
		}
	}
}

// Take returns the sockets to leave out of the packet at offset, and
// forgets them.
func (k *Skips) Take(offset string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.m[offset]
	if s == nil {
		return nil
	}
	delete(k.m, offset)
	return s.ids
}
