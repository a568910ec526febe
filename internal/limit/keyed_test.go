package limit

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a manual clock for Keyed.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestKeyed(t *testing.T) {
	t.Parallel()
	type step struct {
		advance time.Duration
		key     string
		ok      bool
		retry   time.Duration // expected retryAfter when refused
	}
	tests := []struct {
		name  string
		rate  Rate
		steps []step
	}{
		{"burst then refused", Rate{PerSecond: 1, Burst: 2}, []step{
			{0, "a", true, 0}, {0, "a", true, 0}, {0, "a", false, time.Second},
		}},
		{"keys are independent", Rate{PerSecond: 1, Burst: 1}, []step{
			{0, "a", true, 0}, {0, "b", true, 0}, {0, "a", false, time.Second}, {0, "b", false, time.Second},
		}},
		{"refills at the rate", Rate{PerSecond: 2, Burst: 1}, []step{
			{0, "a", true, 0}, {0, "a", false, 500 * time.Millisecond},
			{250 * time.Millisecond, "a", false, 250 * time.Millisecond},
			{250 * time.Millisecond, "a", true, 0},
		}},
		{"a refusal takes no token", Rate{PerSecond: 1, Burst: 1}, []step{
			{0, "a", true, 0}, {0, "a", false, time.Second}, {0, "a", false, time.Second},
			{time.Second, "a", true, 0},
		}},
		{"unlimited", Rate{}, []step{{0, "a", true, 0}, {0, "a", true, 0}, {0, "a", true, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &clock{now: time.Unix(1000, 0)}
			k := NewKeyed(tt.rate, &KeyedOptions{Now: c.Now})
			for i, s := range tt.steps {
				c.Add(s.advance)
				ok, retry := k.Allow(s.key)
				if ok != s.ok || (!ok && retry != s.retry) {
					t.Fatalf("step %d (%s): ok=%v retryAfter=%v, want ok=%v retryAfter=%v", i, s.key, ok, retry, s.ok, s.retry)
				}
			}
		})
	}
}

// TestKeyedEviction: buckets that refilled go away, and a flood of keys
// never holds more than MaxKeys.
func TestKeyedEviction(t *testing.T) {
	t.Parallel()
	c := &clock{now: time.Unix(1000, 0)}
	k := NewKeyed(Rate{PerSecond: 10, Burst: 20}, &KeyedOptions{Now: c.Now, MaxKeys: 200 * shards})
	for i := range 1000 {
		k.Allow("10.0.0." + strconv.Itoa(i))
	}
	if n := k.Len(); n != 1000 {
		t.Fatalf("after 1000 keys: %d buckets", n)
	}
	// Refilled buckets are dropped when a new key arrives after the sweep
	// period (20 tokens at 10/s: 2 s). 1024 new keys reach every shard.
	c.Add(2 * time.Second)
	for i := range 1024 {
		k.Allow("new-" + strconv.Itoa(i))
	}
	if n := k.Len(); n != 1024 {
		t.Fatalf("after the idle period: %d buckets, want only the 1024 new keys", n)
	}

	// A flood of distinct keys stays within MaxKeys.
	small := NewKeyed(Rate{PerSecond: 1, Burst: 1}, &KeyedOptions{Now: c.Now, MaxKeys: shards})
	for i := range 10_000 {
		small.Allow(strconv.Itoa(i))
	}
	if n := small.Len(); n > shards {
		t.Fatalf("flood: %d buckets, want at most %d", n, shards)
	}
}

// TestKeyedEvictionKeepsState: a bucket in use is not evicted, so a key
// cannot get its budget back by waiting less than the refill time.
func TestKeyedEvictionKeepsState(t *testing.T) {
	t.Parallel()
	c := &clock{now: time.Unix(1000, 0)}
	k := NewKeyed(Rate{PerSecond: 1, Burst: 5}, &KeyedOptions{Now: c.Now})
	for range 5 {
		k.Allow("a")
	}
	c.Add(2 * time.Second) // two tokens back, not five
	k.Allow("b")           // a new key triggers a sweep
	for i := range 2 {
		if ok, _ := k.Allow("a"); !ok {
			t.Fatalf("token %d of the refill refused", i)
		}
	}
	if ok, _ := k.Allow("a"); ok {
		t.Fatal("a bucket half refilled was evicted and came back full")
	}
}

func TestKeyedConcurrent(t *testing.T) {
	t.Parallel()
	k := NewKeyed(Rate{PerSecond: 0.001, Burst: 10}, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if ok, _ := k.Allow("shared"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
				k.Allow("own-" + strconv.Itoa(g))
			}
		}()
	}
	wg.Wait()
	if allowed != 10 {
		t.Fatalf("800 concurrent requests on a burst of 10: %d allowed", allowed)
	}
}

func BenchmarkKeyedSameKey(b *testing.B) {
	k := NewKeyed(Rate{PerSecond: 1e9, Burst: 1 << 30}, nil)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k.Allow("203.0.113.7")
		}
	})
}

func BenchmarkKeyedManyKeys(b *testing.B) {
	k := NewKeyed(Rate{PerSecond: 10, Burst: 20}, nil)
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = "10." + strconv.Itoa(i>>8) + ".0." + strconv.Itoa(i&255)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			k.Allow(keys[i&(len(keys)-1)])
			i += 7919
		}
	})
}

// TestKeyedConcurrentRefill: many goroutines on one key over a stretch of
// time get no more than the burst plus the refill of that stretch (a
// limiter fed times out of order would give more).
func TestKeyedConcurrentRefill(t *testing.T) {
	t.Parallel()
	r := Rate{PerSecond: 20, Burst: 100}
	k := NewKeyed(r, nil)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < 300*time.Millisecond {
				if ok, _ := k.Allow("10.0.0.1"); ok {
					allowed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	limit := int64(r.Burst) + int64(time.Since(start).Seconds()*r.PerSecond) + 1
	if got := allowed.Load(); got < int64(r.Burst) || got > limit {
		t.Fatalf("%d allowed in %v, want %d..%d", got, time.Since(start), r.Burst, limit)
	}
}
