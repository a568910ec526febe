package limit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is the budget of a token bucket: PerSecond tokens come back each
// second, up to Burst. The zero Rate is unlimited.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Unlimited reports whether r limits nothing.
func (r Rate) Unlimited() bool { return r.PerSecond <= 0 || r.Burst <= 0 }

// String formats r as ParseRate reads it.
func (r Rate) String() string {
	if r.Unlimited() {
		return "off"
	}
	return strconv.FormatFloat(r.PerSecond, 'f', -1, 64) + "/s:" + strconv.Itoa(r.Burst)
}

// refill is how long an empty bucket takes to fill up again: a bucket
// idle that long is the same as a new one.
func (r Rate) refill() time.Duration {
	return time.Duration(math.Ceil(float64(r.Burst) / r.PerSecond * float64(time.Second)))
}

func (r Rate) limiter() *rate.Limiter { return rate.NewLimiter(rate.Limit(r.PerSecond), r.Burst) }

// ParseRate reads "N/s", "N/m" or "N/h", optionally followed by ":BURST"
// (default: N, at least 1), such as "10/s:50" or "600/m". "off" and "0"
// are unlimited.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Rate{}, nil
	}
	spec, burstText, hasBurst := strings.Cut(s, ":")
	num, unit, ok := strings.Cut(spec, "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/s, N/m or N/h, optionally :BURST (like 10/s:50), or off", s)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return Rate{}, fmt.Errorf("rate %q: %q is not a positive number", s, num)
	}
	per := map[string]float64{"s": 1, "m": 60, "h": 3600}[strings.TrimSpace(unit)]
	if per == 0 {
		return Rate{}, fmt.Errorf("rate %q: the unit must be s, m or h", s)
	}
	r := Rate{PerSecond: n / per, Burst: max(1, int(n))}
	if hasBurst {
		b, err := strconv.Atoi(strings.TrimSpace(burstText))
		if err != nil || b < 1 {
			return Rate{}, fmt.Errorf("rate %q: burst %q is not a positive integer", s, burstText)
		}
		r.Burst = b
	}
	return r, nil
}

// take takes one token from l at now, or returns how long until one is
// there (and takes nothing).
func take(l *rate.Limiter, now time.Time) (bool, time.Duration) {
	res := l.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Bucket is one token bucket. The zero Bucket and a nil *Bucket allow
// everything.
type Bucket struct {
	mu sync.Mutex // orders the times given to l (see Keyed.Allow)
	l  *rate.Limiter
}

// NewBucket returns a bucket of r (full).
func NewBucket(r Rate) *Bucket {
	if r.Unlimited() {
		return &Bucket{}
	}
	return &Bucket{l: r.limiter()}
}

// Allow takes a token, or says how long until one is there.
func (b *Bucket) Allow() (ok bool, retryAfter time.Duration) {
	if b == nil || b.l == nil {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return take(b.l, time.Now())
}
