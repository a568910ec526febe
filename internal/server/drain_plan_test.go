package server

import (
	"testing"
	"time"
)

func TestDrainPlan(t *testing.T) {
	tests := []struct {
		n          int
		window     time.Duration
		wantCount  int
		wantPause  time.Duration
		maxSpread  time.Duration // pause × (batches-1) at most
		firstSizes []int
	}{
		{0, time.Second, 0, 0, 0, nil},
		{1, time.Second, 1, 0, 0, []int{1}},
		{3, time.Second, 3, 3 * time.Millisecond, 6 * time.Millisecond, []int{1, 1, 1}},
		{45, time.Second, 20, 90 * time.Millisecond / 19, 90 * time.Millisecond, []int{3, 3, 3, 3, 3, 2}},
		{10000, 10 * time.Second, 20, 10 * time.Second / 19, 10 * time.Second, []int{500, 500}},
		{10000, time.Second, 20, time.Second / 19, time.Second, []int{500}}, // a short deadline wins
		{50, 0, 1, 0, 0, []int{50}},                                         // no time left: all at once
	}
	for _, tt := range tests {
		sizes, pause := drainPlan(tt.n, tt.window)
		total := 0
		for _, s := range sizes {
			total += s
			if s <= 0 {
				t.Errorf("drainPlan(%d, %v): an empty batch in %v", tt.n, tt.window, sizes)
			}
		}
		if total != tt.n || len(sizes) != tt.wantCount || pause != tt.wantPause {
			t.Errorf("drainPlan(%d, %v) = %d batches of %d sockets, pause %v; want %d batches of %d, pause %v",
				tt.n, tt.window, len(sizes), total, pause, tt.wantCount, tt.n, tt.wantPause)
		}
		if len(sizes) > 1 && pause*time.Duration(len(sizes)-1) > tt.maxSpread {
			t.Errorf("drainPlan(%d, %v) spreads over %v, more than %v", tt.n, tt.window, pause*time.Duration(len(sizes)-1), tt.maxSpread)
		}
		for i, want := range tt.firstSizes {
			if i < len(sizes) && sizes[i] != want {
				t.Errorf("drainPlan(%d, %v): batch %d has %d sockets, want %d", tt.n, tt.window, i, sizes[i], want)
			}
		}
	}
}
