package limit

import (
	"hash/maphash"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const shards = 32

// DefaultMaxKeys bounds the buckets a Keyed limiter keeps when
// KeyedOptions.MaxKeys is zero.
const DefaultMaxKeys = 100_000

// KeyedOptions tunes a Keyed limiter; nil selects the defaults.
type KeyedOptions struct {
	// MaxKeys bounds the number of buckets kept (split evenly between
	// shards). When a shard is full, one of its buckets is dropped: that
	// key starts again with a full bucket. Default DefaultMaxKeys.
	MaxKeys int
	// Now is the clock (tests). Default time.Now.
	Now func() time.Time
}

// Keyed holds one token bucket per key (a client address, a user), each
// with the same Rate. Buckets that have refilled are evicted, so that
// memory follows the keys active in the last refill period, not all keys
// ever seen.
type Keyed struct {
	rate     Rate
	idle     time.Duration // a bucket unused this long is full again
	perShard int
	now      func() time.Time
	seed     maphash.Seed
	shards   [shards]shard
}

type shard struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	nextSweep time.Time
}

type bucket struct {
	l    *rate.Limiter
	last time.Time
}

// NewKeyed returns a limiter giving each key the budget r. An unlimited r
// gives a limiter that allows everything and keeps nothing.
func NewKeyed(r Rate, opts *KeyedOptions) *Keyed {
	k := &Keyed{rate: r, now: time.Now, seed: maphash.MakeSeed()}
	maxKeys := DefaultMaxKeys
	if opts != nil {
		if opts.MaxKeys > 0 {
			maxKeys = opts.MaxKeys
		}
		if opts.Now != nil {
			k.now = opts.Now
		}
	}
	k.perShard = max(1, maxKeys/shards)
	if !r.Unlimited() {
		k.idle = max(r.refill(), time.Second)
	}
	for i := range k.shards {
		k.shards[i].buckets = make(map[string]*bucket)
	}
	return k
}

// Rate returns the budget of each key.
func (k *Keyed) Rate() Rate { return k.rate }

// Allow takes a token from key's bucket, or says how long until one is
// there (and takes nothing).
func (k *Keyed) Allow(key string) (ok bool, retryAfter time.Duration) {
	if k == nil || k.rate.Unlimited() {
		return true, 0
	}
	sh := &k.shards[maphash.String(k.seed, key)%shards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// The time is read under the lock: a rate.Limiter given an earlier
	// time than its last one counts that interval's refill twice.
	now := k.now()
	b := sh.buckets[key]
	if b == nil {
		sh.makeRoom(now, k.idle, k.perShard)
		b = &bucket{l: k.rate.limiter()}
		sh.buckets[key] = b
	}
	b.last = now
	return take(b.l, now)
}

// makeRoom drops the buckets that have refilled (at most once per idle
// period) and then, while the shard is full, arbitrary ones.
func (sh *shard) makeRoom(now time.Time, idle time.Duration, limit int) {
	if !now.Before(sh.nextSweep) {
		for key, b := range sh.buckets {
			if now.Sub(b.last) >= idle {
				delete(sh.buckets, key)
			}
		}
		sh.nextSweep = now.Add(idle)
	}
	for key := range sh.buckets {
		if len(sh.buckets) < limit {
			break
		}
		delete(sh.buckets, key) // map order: an arbitrary victim
	}
}

// Len returns the number of buckets kept.
func (k *Keyed) Len() int {
	n := 0
	for i := range k.shards {
		sh := &k.shards[i]
		sh.mu.Lock()
		n += len(sh.buckets)
		sh.mu.Unlock()
	}
	return n
}
