package load

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Hist is a latency histogram in microseconds with about 3% resolution,
// safe for concurrent use without locks.
type Hist struct {
	counts [histBuckets]atomic.Uint64
}

const histBuckets = 32 + 59*32

func bucketOf(us uint64) int {
	if us < 32 {
		return int(us)
	}
	shift := bits.Len64(us) - 6
	return 32 + shift*32 + int(us>>shift) - 32
}

// upper returns the largest value of bucket i.
func upper(i int) uint64 {
	if i < 32 {
		return uint64(i)
	}
	shift := (i - 32) / 32
	m := uint64((i-32)%32 + 32)
	return (m+1)<<shift - 1
}

// Add records one latency.
func (h *Hist) Add(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	h.counts[bucketOf(uint64(us))].Add(1)
}

// Count returns the number of values recorded.
func (h *Hist) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Quantile returns the q-quantile (0 < q ≤ 1), or 0 without values.
func (h *Hist) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(upper(i)) * time.Microsecond
		}
	}
	return 0
}

// Buckets returns the histogram's non-empty buckets as pairs [bucket,
// count], for another process to merge (AddBuckets).
func (h *Hist) Buckets() [][2]uint64 {
	var out [][2]uint64
	for i := range h.counts {
		if n := h.counts[i].Load(); n > 0 {
			out = append(out, [2]uint64{uint64(i), n})
		}
	}
	return out
}

// AddBuckets adds the buckets of another histogram (Buckets); pairs out
// of range are ignored.
func (h *Hist) AddBuckets(b [][2]uint64) {
	for _, p := range b {
		if p[0] < histBuckets {
			h.counts[p[0]].Add(p[1])
		}
	}
}
